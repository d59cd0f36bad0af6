/** Hostile text for generated inputs: markup, script, formulas, terminal escapes, odd Unicode. */
import fc from 'fast-check';

export const HOSTILE_TEXTS = [
  '</script><script>alert(1)</script>',
  '<img src=x onerror="alert(1)">',
  'javascript:alert(1)',
  '"><svg onload=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '=HYPERLINK("http://x","y")',
  '+1+1',
  '-2+3',
  '@SUM(A1)',
  '\tleading tab',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;title\u0007',
  '\u009b2J',
  'line\nbreak',
  'carriage\rreturn',
  'nul\u0000byte',
  '\ud800',
  '\u202eevil',
  'émoji 🐍 ß',
  '__proto__',
  'constructor',
  '',
  ' ',
  "'; DROP TABLE samples; --",
  '${process.exit(1)}',
];

/** Any text: mostly arbitrary Unicode, often one of the hostile samples above. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TEXTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

/** A Prometheus-valid label or metric name. */
export const promName: fc.Arbitrary<string> = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,20}$/);
