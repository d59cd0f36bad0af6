import { describe, expect, it } from 'vitest';
import { parseDurationArg, parseDurationMs } from '../../src/base/time.js';

describe('parseDurationMs', () => {
  it('reads Prometheus durations to integer ms', () => {
    expect(parseDurationMs('5s')).toBe(5000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('1m5s')).toBe(65_000);
    expect(parseDurationMs('5x')).toBeUndefined();
  });
  it('takes plain seconds for --step', () => {
    expect(parseDurationArg('15', '--step')).toBe(15_000);
    expect(parseDurationArg('5s', '--step')).toBe(5000);
  });
});
