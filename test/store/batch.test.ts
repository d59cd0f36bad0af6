import { describe, expect, it } from 'vitest';
import { SampleBuffer, STALE_NAN, isStaleNaN, processKey } from '../../src/store/batch.js';

describe('SampleBuffer', () => {
  it('keeps every sample pushed past its batch size', () => {
    const buffer = new SampleBuffer(4);
    for (let i = 0; i < 11; i++) buffer.push(i % 3, 1000 + i, i / 2);
    expect(buffer.full).toBe(true);
    const batch = buffer.take();
    expect(batch.length).toBe(11);
    expect([...batch.ref]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1]);
    expect([...batch.ts]).toEqual(Array.from({ length: 11 }, (_, i) => 1000 + i));
    expect([...batch.value]).toEqual(Array.from({ length: 11 }, (_, i) => i / 2));
    expect(buffer.length).toBe(0);
    expect(buffer.full).toBe(false);
  });
});

describe('staleness marker and process identity', () => {
  it('tells the stale NaN from an ordinary NaN', () => {
    expect(Number.isNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    expect(isStaleNaN(0)).toBe(false);
  });

  it('keys a process by pid and start time', () => {
    expect(processKey(42, 1700000000000)).toBe('42@1700000000000');
    expect(processKey(42, null)).toBe('42');
  });
});
