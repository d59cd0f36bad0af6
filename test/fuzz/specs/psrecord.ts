import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CAPTURE, MODES } from '../../helpers/cli.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';

const SEED_FILES = MODES.flatMap((mode) => [
  join(CAPTURE, 'modes', mode, 'psrecord.log'),
  join(CAPTURE, 'modes', mode, 'psrecord.csv'),
]);

/** psrecord's columns: elapsed seconds, then CPU %, real MB, virtual MB (and nproc in 1.4 CSV). */
const row = fc.tuple(
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.double({ min: 0, max: 6400, noNaN: true }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.integer({ min: 1, max: 500 }),
);

const plain = fc.array(row, { minLength: 1, maxLength: 40 }).map((rows) => {
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  const lines = sorted.map((r) =>
    r
      .slice(0, 4)
      .map((v) => (v as number).toFixed(3).padStart(12))
      .join(' '),
  );
  return {
    text: `# Elapsed time   CPU (%)     Real (MB)   Virtual (MB)\n${lines.join('\n')}\n`,
    rows: sorted.length,
  };
});

const csv = fc.array(row, { minLength: 1, maxLength: 40 }).map((rows) => {
  const sorted = [...rows].sort((a, b) => a[0] - b[0]);
  const lines = sorted.map((r) => [r[0], r[4], r[1], r[2], r[3]].map(String).join(','));
  return { text: `elapsed_time,nproc,cpu,mem_real,mem_virtual\n${lines.join('\n')}\n`, rows: sorted.length };
});

export const psrecordSpec: FuzzSpec = {
  format: 'psrecord',
  seeds: () =>
    SEED_FILES.map((path): FuzzInput => ({
      kind: 'file',
      name: path.endsWith('.csv') ? 'psrecord.csv' : 'psrecord.log',
      bytes: readFileSync(path),
    })),
  valid: fc.oneof(
    plain.map(({ text }) => ({
      input: { kind: 'file' as const, name: 'psrecord.log', bytes: Buffer.from(text) },
    })),
    csv.map(({ text }) => ({
      input: { kind: 'file' as const, name: 'psrecord.csv', bytes: Buffer.from(text) },
    })),
  ),
};
