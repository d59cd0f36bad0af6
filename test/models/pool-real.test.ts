import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { poolParameters, type PoolOptions } from '../../src/cli/pool-options.js';
import { buildPoolReport } from '../../src/models/pool-report.js';
import type { DeploymentReport } from '../../src/models/pool-types.js';
import { TraceDatabase } from '../../src/store/database.js';
import {
  eventMs,
  killedPid,
  median,
  rawCpuSecondsBetween,
  reference,
  snapshot,
  snapshotSums,
  startupCompleteMs,
} from '../helpers/capture.js';
import { CAPTURE, MODES } from '../helpers/cli.js';

// The real capture: each mode's Prometheus raw samples (process-exporter) and /proc snapshots
// imported as one deployment. Every figure is checked against the capture's own records
// (README, summary.json from smaps_rollup and stat, timeline.json) or against Prometheus' own
// evaluation (reference/), or recomputed from the raw export by the simple code in
// test/helpers/capture.ts — never against the models' own SQL.
const within = (actual: number | null, expected: number, rel = 0.01) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected) / Math.abs(expected)).toBeLessThanOrEqual(rel);
};
const EXPECTED = {
  'gunicorn-preload': { workers: 4, restarts: 1, lost: 0 },
  gunicorn: { workers: 4, restarts: 1, lost: 0 },
  'uvicorn-spawn': { workers: 4, restarts: 0, lost: 1 },
} as const;

let db: TraceDatabase;
beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  for (const mode of MODES) {
    await importPath(db, join(CAPTURE, 'prometheus', mode, 'raw_samples.json.gz'), {
      deployment: mode,
      format: 'auto',
    });
    await importPath(db, join(CAPTURE, 'procsnap', `procsnap-${mode}.tar.gz`), {
      deployment: mode,
      format: 'auto',
    });
  }
}, 300_000);
afterAll(() => db.close());

async function report(options: PoolOptions & { baseline?: string } = {}) {
  const r = await buildPoolReport(db, { baseline: options.baseline, parameters: poolParameters(options) });
  return (mode: string) => r.deployments.find((d) => d.name === mode)! as DeploymentReport;
}

describe('pool models on the real capture', () => {
  let detected: Awaited<ReturnType<typeof report>>;
  beforeAll(async () => {
    detected = await report();
  }, 120_000);

  it.each(MODES)('%s: pool size, restarts and workers lost as the README states', (mode) => {
    const d = detected(mode);
    expect(d.workers).toBe(EXPECTED[mode].workers);
    expect(d.restarts).toBe(EXPECTED[mode].restarts);
    expect(d.workers_lost).toBe(EXPECTED[mode].lost);
    expect(d.process_list.filter((p) => p.exited_early).map((p) => p.pid)).toEqual([killedPid(mode)]);
  });

  it.each(MODES)("%s: idle, load, idle detected around wrk's run", (mode) => {
    const d = detected(mode);
    expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
    const load = d.phases[1]!;
    expect(Math.abs(load.start * 1000 - eventMs(mode, 'load_start'))).toBeLessThanOrEqual(1500);
    expect(Math.abs(load.end * 1000 - eventMs(mode, 'load_end'))).toBeLessThanOrEqual(1500);
  });

  it.each(MODES)("%s: load-phase CPU equals the raw counters' and Prometheus' sum(rate())", (mode) => {
    const load = detected(mode).phases[1]!;
    const a = load.start * 1000;
    const b = load.end * 1000;
    within(load.cpu.cores_mean, rawCpuSecondsBetween(mode, a, b) / ((b - a) / 1000));
    // Prometheus 2.42's sum by (mode)(rate(...[15s])) at every 5 s step whose window lies in the phase
    const rates = reference(mode, 'sum_by_mode_rate_15s.json').filter(([t]) => t - 15_000 >= a && t <= b);
    within(load.cpu.cores_mean, rates.reduce((s, [, v]) => s + v, 0) / rates.length, 0.02);
  });

  it.each(MODES)('%s: memory sums per phase equal the smaps_rollup snapshots', (mode) => {
    const [idle, , last] = detected(mode).phases;
    const before = snapshotSums(snapshot(mode, 'idle_before_load'));
    within(idle!.memory.rss_bytes, before.rss);
    within(idle!.memory.pss_bytes, before.pss);
    within(idle!.memory.uss_bytes, before.uss);
    // the last idle phase is mostly after the kill: the snapshot before the stop
    const after = snapshotSums(snapshot(mode, 'before_stop'));
    within(last!.memory.pss_bytes, after.pss);
    within(last!.memory.uss_bytes, after.uss);
    within(last!.memory.rss_bytes, after.rss);
    expect(last!.workers_alive).toBe(snapshotSums(snapshot(mode, 'before_stop'), 'worker').count);
  });

  it.each(MODES)(
    "%s: steady-state PSS and RSS sums equal Prometheus' sum() of process-exporter memory",
    (mode) => {
      const d = detected(mode);
      const inSteady = ([t]: [number, number]) => t >= d.steady.start * 1000 && t <= d.steady.end * 1000;
      within(
        d.memory.pss_bytes,
        median(
          reference(mode, 'pss_sum.json')
            .filter(inSteady)
            .map(([, v]) => v),
        ),
      );
      within(
        d.memory.rss_bytes,
        median(
          reference(mode, 'rss_sum.json')
            .filter(inSteady)
            .map(([, v]) => v),
        ),
      );
    },
  );

  it.each(MODES)('%s: startup settles right after the last "Application startup complete"', (mode) => {
    const d = detected(mode);
    const complete = Math.max(...startupCompleteMs(mode).slice(0, 4));
    expect(d.startup.settled! * 1000).toBeGreaterThanOrEqual(complete - 1000);
    expect(d.startup.settled! * 1000).toBeLessThanOrEqual(complete + 2000);
  });
});

describe('pool models with --ready and --phase on the real capture', () => {
  it.each(MODES)(
    '%s: CPU until --ready equals the /proc stat ticks of that snapshot',
    async (mode) => {
      const snap = snapshot(mode, 'idle_before_load');
      const d = (await report({ ready: [{ time: String(snap.snapshot_unix_ms / 1000) }] }))(mode);
      expect(d.startup.from_ready).toBe(true);
      within(d.startup.cpu_seconds, snapshotSums(snap).cpuSeconds);
      within(d.startup.cpu_seconds_per_worker, snapshotSums(snap, 'worker').cpuSeconds / 4);
      within(d.startup.seconds, (snap.snapshot_unix_ms - d.start * 1000) / 1000, 1e-9);
    },
    120_000,
  );

  it.each(MODES)(
    "%s: CPU over wrk's exact run (--phase) equals the README's per-group sums",
    async (mode) => {
      const a = eventMs(mode, 'load_start');
      const b = eventMs(mode, 'load_end');
      const d = (
        await report({ phases: [{ name: 'load', start: String(a / 1000), end: String(b / 1000), text: '' }] })
      )(mode);
      expect(d.phases).toHaveLength(1);
      const readme = { 'gunicorn-preload': 109.48, gunicorn: 111.0, 'uvicorn-spawn': 110.04 }[mode];
      within(d.phases[0]!.cpu.cores_mean! * ((b - a) / 1000), readme);
      within(d.phases[0]!.cpu.cores_mean! * ((b - a) / 1000), rawCpuSecondsBetween(mode, a, b));
    },
    120_000,
  );
});
