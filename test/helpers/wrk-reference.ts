import { readFileSync } from 'node:fs';

/**
 * wrk's own output, read here independently of src/importers/wrk.ts: the figures the tests hold
 * the report's requests and latency against.
 */

const SECONDS = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 } as const;

/** The summary line "50410 requests in 1.00m, …": the run's count and its seconds. */
export function wrkSummary(path: string): { requests: number; seconds: number } {
  const m = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),/m.exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`${path}: no wrk summary line`);
  return { requests: Number(m[1]), seconds: Number(m[2]) * SECONDS[m[3] as keyof typeof SECONDS] };
}

/** A `--latency` distribution line ("  99%   12.34ms") for a percentile, in seconds. */
export function wrkPercentile(path: string, p: string): number {
  const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(readFileSync(path, 'utf8'));
  if (!m) throw new Error(`${path}: no ${p}% latency line`);
  return Number(m[1]) * SECONDS[m[2] as 'us' | 'ms' | 's'];
}
