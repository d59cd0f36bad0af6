import { describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import type { DeploymentReport } from '../../src/models/pool-types.js';
import { eventMs, rawCpuSecondsBetween, snapshot, snapshotSums } from '../helpers/capture.js';
import { MODES } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';

// Done-when of the pool models: `trace-analyze report <capture-folder> --format json` on the
// sample capture (test/fixtures/real-capture-1 arranged one folder per deployment) gives per
// deployment the worker count, restarts, CPU cores per phase, RSS/PSS/USS sums and startup
// costs, each within 1 % of a computation from the capture's raw files (test/helpers/capture.ts).
const within = (actual: number | null | undefined, expected: number, rel = 0.01) => {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs(actual! - expected) / Math.abs(expected)).toBeLessThanOrEqual(rel);
};
const EXPECTED = {
  'gunicorn-preload': { workers: 4, restarts: 1, lost: 0 },
  gunicorn: { workers: 4, restarts: 1, lost: 0 },
  'uvicorn-spawn': { workers: 4, restarts: 0, lost: 1 },
} as const;

async function reportJson(args: string[]): Promise<Map<string, DeploymentReport>> {
  const r = await cliAsync(['report', 'samples/real-capture-1', '--format', 'json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as { deployments: DeploymentReport[] };
  return new Map(json.deployments.map((d) => [d.name, d]));
}

describe('trace-analyze report <capture> --format json: pool figures', () => {
  it('per deployment: workers, restarts, CPU per phase, memory sums and startup costs', async () => {
    // with --ready at the /proc snapshot taken just before the load, startup costs are the
    // stat CPU ticks of that snapshot
    const ready = MODES.map((m) => `--ready=${m}/${snapshot(m, 'idle_before_load').snapshot_unix_ms / 1000}`);
    const readied = await reportJson(ready);
    // without it, startup and phases are detected from the CPU level
    const deployments = await reportJson([]);
    expect([...deployments.keys()].sort()).toEqual([...MODES].sort());
    for (const mode of MODES) {
      const d = deployments.get(mode)!;
      expect(d.workers).toBe(EXPECTED[mode].workers);
      expect(d.restarts).toBe(EXPECTED[mode].restarts);
      expect(d.workers_lost).toBe(EXPECTED[mode].lost);

      const snap = snapshot(mode, 'idle_before_load');
      const r = readied.get(mode)!;
      within(r.startup.cpu_seconds, snapshotSums(snap).cpuSeconds);
      within(r.startup.cpu_seconds_per_worker, snapshotSums(snap, 'worker').cpuSeconds / 4);

      expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
      const [idle, load, last] = d.phases;
      const cores = (p: typeof load) =>
        rawCpuSecondsBetween(mode, p!.start * 1000, p!.end * 1000) / (p!.end - p!.start);
      within(load!.cpu.cores_mean, cores(load));
      // idle phases: ~0.02 cores, next to a sharp edge (startup, end of load) whose CPU each
      // source's 1 s intervals spread differently (/proc snapshots at .2 s, process-exporter at
      // .5 s past the second): absolute agreement within 0.03 cores
      for (const p of [idle!, last!])
        expect(Math.abs(p.cpu.cores_mean! - cores(p))).toBeLessThanOrEqual(0.03);
      expect(Math.abs(load!.start * 1000 - eventMs(mode, 'load_start'))).toBeLessThanOrEqual(1500);

      const before = snapshotSums(snap);
      within(idle!.memory.rss_bytes, before.rss);
      within(idle!.memory.pss_bytes, before.pss);
      within(idle!.memory.uss_bytes, before.uss);
      const stop = snapshotSums(snapshot(mode, 'before_stop'));
      within(last!.memory.rss_bytes, stop.rss);
      within(last!.memory.pss_bytes, stop.pss);
      within(last!.memory.uss_bytes, stop.uss);
    }
  }, 300_000);

  it('--phase replaces the detected phases; a malformed one is a usage error', async () => {
    const deployments = await reportJson(['--phase', 'warm=0s..20s']);
    for (const mode of MODES) {
      const d = deployments.get(mode)!;
      expect(d.phases.map((p) => [p.name, p.seconds])).toEqual([['warm', 20]]);
    }
    const bad = await cliAsync(['report', 'samples/real-capture-1', '--format', 'json', '--phase', 'load']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(msg.poolBadPhase('load'));
  }, 300_000);
});
