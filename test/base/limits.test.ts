import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as limits from '../../src/base/limits.js';
import { formatBytes, parseByteSize } from '../../src/base/limits.js';
import { ROOT } from '../helpers/cli.js';

describe('limits', () => {
  it('parses sizes in bytes and binary units', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('64KiB')).toBe(65536);
    expect(parseByteSize('16MiB')).toBe(16 << 20);
    expect(parseByteSize('16M')).toBe(16 << 20);
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('8gb')).toBe(8 * 2 ** 30);
    expect(parseByteSize('2TiB')).toBe(2 * 2 ** 40);
    for (const bad of ['', 'lots', '-1', '0', '1e9', '5 PiB', '1..2M'])
      expect(parseByteSize(bad), bad).toBeUndefined();
    expect(formatBytes(8 * 2 ** 30)).toBe('8 GiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
  });

  it('docs/limits.md states every limit with the value the code uses', () => {
    const doc = readFileSync(join(ROOT, 'docs/limits.md'), 'utf8');
    const numeric = Object.entries(limits).filter(([, v]) => typeof v === 'number') as [string, number][];
    expect(numeric.length).toBeGreaterThan(5);
    for (const [name, value] of numeric) {
      const row = doc.split('\n').find((line) => line.includes(`\`${name}\``));
      expect(row, `docs/limits.md has no row for ${name}`).toBeDefined();
      const shown = [String(value), value.toLocaleString('en-US'), formatBytes(value)];
      expect(
        shown.some((s) => row!.includes(s)),
        `docs/limits.md row for ${name} does not show ${shown.join(' or ')}`,
      ).toBe(true);
    }
  });
});
