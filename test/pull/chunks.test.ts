import { describe, expect, it } from 'vitest';
import { chunkQuery, formatSeconds, halve, planChunks } from '../../src/pull/chunks.js';

describe('chunk planning', () => {
  it('covers [start, end] with half-open chunks that meet exactly', () => {
    const chunks = planChunks(10_000, 10_000 + 2.5 * 3_600_000, 3_600_000);
    expect(chunks).toEqual([
      { from: 9_999, to: 3_610_000 },
      { from: 3_610_000, to: 7_210_000 },
      { from: 7_210_000, to: 9_010_000 },
    ]);
  });

  it('a window of whole chunks has no sliver at the end', () => {
    expect(planChunks(0, 10 * 3_600_000, 3_600_000)).toHaveLength(10);
  });

  it('a window shorter than a chunk is one chunk that includes its start', () => {
    expect(planChunks(5_000, 6_000, 3_600_000)).toEqual([{ from: 4_999, to: 6_000 }]);
  });

  it('halves meet without a gap', () => {
    expect(halve({ from: 999, to: 4_000 })).toEqual([
      { from: 999, to: 2_499 },
      { from: 2_499, to: 4_000 },
    ]);
  });

  it('queries a range selector of the chunk length, in ms', () => {
    expect(chunkQuery('{job="web"}', { from: 999, to: 3_600_999 })).toBe('{job="web"}[3600000ms]');
  });

  it('writes unix seconds as the HTTP API does', () => {
    expect(formatSeconds(1_795_770_000_000)).toBe('1795770000');
    expect(formatSeconds(1_795_770_000_500)).toBe('1795770000.5');
    expect(formatSeconds(1_795_770_000_037)).toBe('1795770000.037');
    expect(formatSeconds(1_795_770_000_999)).toBe('1795770000.999');
  });
});
