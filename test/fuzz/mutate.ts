/**
 * Byte-level mutations of real inputs, as fast-check arbitraries (so a failure shrinks to the
 * smallest list of mutations that still breaks the importer): truncation, bit flips, hostile
 * bytes, duplicated and deleted spans, wrong encodings, huge numbers, deep nesting, very long
 * lines, gzip wrapping and broken gzip.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

export type Mutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'number'; at: number; text: string }
  | { op: 'nest'; at: number; open: string; depth: number }
  | { op: 'long'; at: number; byte: number; length: number }
  | { op: 'encode'; encoding: 'utf16le' | 'utf16be' | 'latin1' | 'utf8-bom' }
  | { op: 'crlf' };

/** Positions are fractions of the current length, so they stay valid as earlier mutations change it. */
const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Bytes that mean something to some format (delimiters, quotes, escapes, NUL, invalid UTF-8). */
const SPECIAL_BYTES = [
  0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x23, 0x27, 0x2c, 0x2d, 0x2e, 0x3a, 0x3b, 0x3d, 0x5b, 0x5c, 0x5d, 0x7b,
  0x7d, 0x7f, 0x80, 0xc0, 0xed, 0xfe, 0xff,
];

/** Numbers that break naive parsers: overflow, underflow, too many digits, signs, odd syntax. */
export const HOSTILE_NUMBERS = [
  '1e999',
  '-1e999',
  '1e-999',
  '99999999999999999999999999999999',
  '-99999999999999999999',
  '9007199254740993',
  '1.7976931348623157e309',
  '0.' + '0'.repeat(400) + '1',
  '1' + '0'.repeat(400),
  '-0',
  '+1',
  '01',
  '1.',
  '.5',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  '+Inf',
  '1e',
  '1e+',
  '--1',
  '1_000',
  '١٢٣',
];

/** Snippets in which text formats hide structure: hostile strings, escapes, comments, markers. */
export const HOSTILE_SNIPPETS = [
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  '\\x',
  '{}',
  '[]',
  'null',
  ',,',
  '# TYPE x counter\n',
  '# EOF\n',
  '{a="b"}',
  '</script><script>alert(1)</script>',
  '\u001b[31m',
  '=cmd|" /C calc"!A0',
  '\u2028',
  '\ufeff',
  '\r',
  '\n\n',
  ';',
  '\t',
];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at }),
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at,
    byte: fc.oneof(fc.constantFrom(...SPECIAL_BYTES), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at,
    length: fc.integer({ min: 1, max: 4096 }),
    to: at,
  }),
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 4096 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at,
    text: fc.oneof(fc.constantFrom(...HOSTILE_SNIPPETS), fc.string({ unit: 'binary', maxLength: 12 })),
  }),
  fc.record({ op: fc.constant('number' as const), at, text: fc.constantFrom(...HOSTILE_NUMBERS) }),
  fc.record({
    op: fc.constant('nest' as const),
    at,
    open: fc.constantFrom('[', '{"a":', '{', '[{"metric":'),
    depth: fc.integer({ min: 1, max: 5000 }),
  }),
  fc.record({
    op: fc.constant('long' as const),
    at,
    byte: fc.constantFrom(0x61, 0x30, 0x20, 0x2c, 0x22, 0x0a),
    length: fc.integer({ min: 1000, max: 300_000 }),
  }),
  fc.record({
    op: fc.constant('encode' as const),
    encoding: fc.constantFrom('utf16le' as const, 'utf16be' as const, 'latin1' as const, 'utf8-bom' as const),
  }),
  fc.record({ op: fc.constant('crlf' as const) }),
);

function pos(buf: Buffer, fraction: number): number {
  return Math.floor(fraction * (buf.length + 1));
}

/** Applies one mutation; never throws. */
export function applyMutation(buf: Buffer, m: Mutation): Buffer {
  switch (m.op) {
    case 'truncate':
      return buf.subarray(0, pos(buf, m.at));
    case 'flip':
    case 'set': {
      if (buf.length === 0) return buf;
      const out = Buffer.from(buf);
      const i = Math.min(pos(buf, m.at), buf.length - 1);
      out[i] = m.op === 'flip' ? out[i]! ^ (1 << m.bit) : m.byte;
      return out;
    }
    case 'duplicate': {
      const start = pos(buf, m.at);
      const span = buf.subarray(start, start + m.length);
      const to = pos(buf, m.to);
      return Buffer.concat([buf.subarray(0, to), span, buf.subarray(to)]);
    }
    case 'delete': {
      const start = pos(buf, m.at);
      return Buffer.concat([buf.subarray(0, start), buf.subarray(start + m.length)]);
    }
    case 'insert':
      return insertAt(buf, pos(buf, m.at), Buffer.from(m.text, 'utf8'));
    case 'number':
      return replaceNumber(buf, pos(buf, m.at), m.text);
    case 'nest':
      return insertAt(buf, pos(buf, m.at), Buffer.from(m.open.repeat(m.depth)));
    case 'long':
      return insertAt(buf, pos(buf, m.at), Buffer.alloc(m.length, m.byte));
    case 'encode':
      return encode(buf, m.encoding);
    case 'crlf':
      return Buffer.from(buf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
  }
}

function insertAt(buf: Buffer, i: number, piece: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, i), piece, buf.subarray(i)]);
}

/** Replaces the run of number characters nearest after `i` (or inserts at `i` when there is none). */
function replaceNumber(buf: Buffer, i: number, text: string): Buffer {
  const isNum = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x65;
  let start = i;
  while (start < buf.length && !isNum(buf[start]!)) start++;
  if (start >= buf.length) return insertAt(buf, i, Buffer.from(text));
  let end = start;
  while (end < buf.length && isNum(buf[end]!)) end++;
  return Buffer.concat([buf.subarray(0, start), Buffer.from(text), buf.subarray(end)]);
}

function encode(buf: Buffer, encoding: 'utf16le' | 'utf16be' | 'latin1' | 'utf8-bom'): Buffer {
  const text = buf.toString('utf8');
  switch (encoding) {
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const le = Buffer.from(text, 'utf16le');
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
    }
    case 'latin1':
      return Buffer.from(text, 'latin1');
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf]);
  }
}

/** How the mutated bytes are stored: plain, gzip, or gzip that is cut short or corrupted. */
export type Wrapping = 'plain' | 'gzip' | 'gzip-truncated' | 'gzip-corrupt';

export const wrapping: fc.Arbitrary<Wrapping> = fc.constantFrom(
  'plain' as const,
  'plain' as const,
  'plain' as const,
  'gzip' as const,
  'gzip-truncated' as const,
  'gzip-corrupt' as const,
);

export function wrap(buf: Buffer, how: Wrapping, seed: number): Buffer {
  if (how === 'plain') return buf;
  const gz = gzipSync(buf, { level: 1 });
  if (how === 'gzip') return gz;
  if (how === 'gzip-truncated')
    return gz.subarray(0, Math.max(2, Math.floor(gz.length * ((seed % 97) / 97))));
  const out = Buffer.from(gz);
  const i = 10 + (seed % Math.max(1, out.length - 10));
  if (i < out.length) out[i] = out[i]! ^ 0x5a;
  return out;
}
