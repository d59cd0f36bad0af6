import { describe, expect, it } from 'vitest';
import { parseDurationArg, parseDurationMs, parseTimeArg } from '../../src/base/time.js';

describe('durations', () => {
  it('reads Prometheus durations, compound ones included', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('1d')).toBe(86_400_000);
    expect(parseDurationMs('1.5h')).toBeUndefined();
  });

  it('duration options also take plain seconds, and refuse zero', () => {
    expect(parseDurationArg('2m', '--x')).toBe(120_000);
    expect(parseDurationArg('1.5', '--x')).toBe(1500);
    expect(() => parseDurationArg('0s', '--x')).toThrow('--x: cannot read "0s" as a duration');
  });

  it('now is the clock time, wherever a time is given', () => {
    const before = Date.now();
    const now = parseTimeArg('now', '--time');
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    expect(parseTimeArg(' now ', '--end', 1_000)).toBeGreaterThanOrEqual(before);
    expect(() => parseTimeArg('Now()', '--time')).toThrow('--time: cannot read "Now()" as a time');
  });

  it('a duration as a time counts from its anchor', () => {
    expect(parseTimeArg('1h', '--end', 1_000)).toBe(3_601_000);
  });
});
