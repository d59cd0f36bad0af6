import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolParameters, type PoolOptions } from '../../src/cli/pool-options.js';
import { buildPoolReport, relativeChange } from '../../src/models/pool-report.js';
import type { DeploymentReport } from '../../src/models/pool-types.js';
import { TraceDatabase } from '../../src/store/database.js';
import {
  MB,
  T0,
  USER_SHARE,
  cpuBetween,
  importProcfsPool,
  importTreeRecording,
  preforkPool,
  lateFirstSamplePool,
  recyclingDipPool,
  type SynthProcess,
} from '../helpers/pool-synth.js';

/**
 * A master (pid 100, from 0 s) and workers 101 and 102 (from 1 s), all to 60 s, with 120 MB RSS,
 * 70 MB PSS, 50 MB USS; the workers' CPU pieces (and RSS ramp) given, the master's CPU `master`.
 */
function twoWorkerPool(
  cpu: [number, number, number][],
  master: [number, number, number][],
  rssRamp?: [number, number, number],
): SynthProcess[] {
  const at = (pid: number, role: SynthProcess['role'], start: number): SynthProcess => ({
    pid,
    ppid: role === 'master' ? 1 : 100,
    role,
    start,
    end: 60_000,
    cpu: role === 'master' ? master : cpu,
    rss: 120 * MB,
    pss: 70 * MB,
    uss: 50 * MB,
    ...(role === 'worker' && rssRamp ? { rssRamp } : {}),
  });
  return [at(100, 'master', 0), at(101, 'worker', 1000), at(102, 'worker', 1000)];
}

// Synthetic pools with known truth (test/helpers/pool-synth.ts): every expectation below comes
// from the generator's own rate and memory definitions, not from the models' SQL.
const pool = preforkPool();
const treeCores = (t: number) => (t >= 30_000 && t < 90_000 ? 1.2 : 0.05);

let db: TraceDatabase;
beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await importProcfsPool(db, 'prefork', pool);
  await importTreeRecording(db, 'tree-only', treeCores, 300 * MB, 120_000);
  await importProcfsPool(db, 'recycling', recyclingDipPool());
  await importProcfsPool(db, 'slow-scrape', lateFirstSamplePool(), 15_000);
});
afterAll(() => db.close());

async function report(options: PoolOptions & { baseline?: string } = {}) {
  return buildPoolReport(db, { baseline: options.baseline, parameters: poolParameters(options) });
}
const byName = (deployments: DeploymentReport[], name: string) => deployments.find((d) => d.name === name)!;

describe('pool models on a synthetic prefork pool', () => {
  it('counts the pool size, the restart and no lost worker', async () => {
    const d = byName((await report()).deployments, 'prefork');
    expect(d.workers).toBe(3);
    expect(d.restarts).toBe(1);
    expect(d.workers_lost).toBe(0);
    expect(d.processes).toBe(5);
  });

  it('lists every process with its lifetime and CPU, the exited worker included', async () => {
    const d = byName((await report()).deployments, 'prefork');
    expect(d.process_list.map((p) => [p.pid, p.role, p.exited_early])).toEqual([
      [100, 'master', false],
      [101, 'worker', false],
      [102, 'worker', true],
      [103, 'worker', false],
      [104, 'worker', false],
    ]);
    for (const p of pool) {
      const listed = d.process_list.find((x) => x.pid === p.pid)!;
      // the counter's last sample is at most 3 ms (jitter) before the process's end
      expect(listed.cpu_seconds!).toBeCloseTo(cpuBetween(p, p.start, p.end), 2);
      expect(listed.user_cpu_seconds! / listed.cpu_seconds!).toBeCloseTo(USER_SHARE, 6);
    }
  });

  it('gives CPU per phase as the sum of per-process rates, exited workers included', async () => {
    const d = byName(
      (await report({ phases: [{ name: 'load', start: '30s', end: '90s', text: 'load=30s..90s' }] }))
        .deployments,
      'prefork',
    );
    expect(d.phases).toHaveLength(1);
    const load = d.phases[0]!;
    expect(load.start).toBe((T0 + 30_000) / 1000);
    const expected = pool.reduce((s, p) => s + cpuBetween(p, 30_000, 90_000), 0) / 60;
    expect(load.cpu.cores_mean!).toBeCloseTo(expected, 3);
    expect(load.cpu.user_cores_mean! / load.cpu.cores_mean!).toBeCloseTo(USER_SHARE, 2);
    expect(load.workers_alive).toBe(3);
    expect(load.memory.rss_bytes).toBe(100 * MB + 3 * 120 * MB);
    expect(load.memory.pss_bytes).toBe(60 * MB + 3 * 70 * MB);
    expect(load.memory.uss_bytes).toBe(40 * MB + 3 * 50 * MB);
    expect(load.memory.rss_overcount!).toBeCloseTo(460 / 270, 9);
    expect(load.memory.worker_shared_fraction!).toBeCloseTo(1 - 150 / 360, 9);
  });

  it('detects idle, load and idle from the CPU level', async () => {
    const d = byName((await report()).deployments, 'prefork');
    expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
    const load = d.phases[1]!;
    expect(Math.abs(load.start - (T0 + 30_000) / 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(load.end - (T0 + 90_000) / 1000)).toBeLessThanOrEqual(1);
    expect(load.cpu.cores_p95!).toBeCloseTo(1.502, 2);
    expect(d.phases[2]!.workers_alive).toBe(3);
  });

  it('measures startup per worker and for the pool', async () => {
    const d = byName((await report()).deployments, 'prefork');
    // workers import for 1.5 s from 1 s: settled at 2.5 s, found between the samples at 2 s
    // and 4 s (within the idle level's 0.01 cores of the next second)
    expect(Math.abs(d.startup.seconds! - 2.5)).toBeLessThan(0.02);
    const initial = d.startup.workers.filter((w) => !w.replacement);
    expect(initial.map((w) => w.pid)).toEqual([101, 102, 103]);
    for (const w of initial) expect(Math.abs(w.settle_seconds! - 1.5)).toBeLessThan(0.02);
    // their CPU until the sample that ended the quiet second: 1.5 s of import and 0.01 of idle
    expect(Math.abs(d.startup.cpu_seconds_per_worker! - 1.51)).toBeLessThan(0.01);
    expect(initial[0]!.start_delay_seconds).toBe(1);
    expect(initial[0]!.memory.pss_bytes).toBe(70 * MB);
    const replacement = d.startup.workers.find((w) => w.replacement)!;
    expect(replacement.pid).toBe(104);
    expect(Math.abs(replacement.settle_seconds! - 1.5)).toBeLessThan(0.02);
    expect(Math.abs(replacement.cpu_seconds - 1.51)).toBeLessThan(0.01);
  });

  it('honours --ready for startup', async () => {
    const d = byName(
      (await report({ ready: [{ deployment: 'prefork', time: '10s' }] })).deployments,
      'prefork',
    );
    expect(d.startup.seconds).toBe(10);
    expect(d.startup.from_ready).toBe(true);
    expect(d.startup.cpu_seconds_per_worker!).toBeCloseTo(cpuBetween(pool[1]!, 0, 10_000), 2);
    expect(d.startup.cpu_seconds!).toBeCloseTo(
      pool.reduce((s, p) => s + cpuBetween(p, 0, 10_000), 0),
      2,
    );
  });

  it('sums memory over the processes alive at each moment: no exited worker, no teardown', async () => {
    const d = byName((await report()).deployments, 'prefork');
    // worker 102 exits at 100 s and its replacement starts at 101.5 s: never four at once
    expect(d.memory.steady_peak.pss_bytes).toBe(60 * MB + 3 * 70 * MB);
    expect(d.memory.steady_peak.rss_bytes).toBe(100 * MB + 3 * 120 * MB);
    expect(d.memory.steady_peak.rss_bytes_at_pss_peak).toBe(100 * MB + 3 * 120 * MB);
    // the steady state ends before the bucket of the first final worker's last sample (the
    // teardown's PSS), at most one 1 s bucket earlier
    const lastLive = Math.min(
      ...d.process_list.filter((p) => p.role === 'worker' && !p.exited_early).map((p) => p.alive_to!),
    );
    expect(d.steady.end).toBeLessThanOrEqual(lastLive);
    expect(d.steady.end).toBeGreaterThan(lastLive - 1);
    for (const p of d.phases) {
      expect(p.workers_alive).toBe(3);
      expect(p.memory.peak.pss_bytes).toBe(60 * MB + 3 * 70 * MB);
    }
    const [row] = await db.rowsJS(
      `SELECT max(pss_bytes) AS pss, max(a.workers_alive) AS alive
       FROM pool_memory m JOIN pool_workers_alive a USING (deployment, bucket)
       WHERE deployment = 'prefork' AND m.bucket_end <= ${d.steady.end * 1000}`,
    );
    expect(Number(row!.pss)).toBe(60 * MB + 3 * 70 * MB);
    expect(Number(row!.alive)).toBe(3);
  });

  it('gives steady-state CPU and memory medians, per worker too', async () => {
    const d = byName((await report()).deployments, 'prefork');
    // from the sample that ended the last initial worker's quiet second (its startup CPU's end)
    expect(Math.abs(d.steady.start * 1000 - (T0 + 4000))).toBeLessThanOrEqual(3); // the jitter
    const a = d.steady.start * 1000 - T0;
    const b = d.steady.end * 1000 - T0;
    const expected = pool.reduce((s, p) => s + cpuBetween(p, a, b), 0) / ((b - a) / 1000);
    expect(d.cpu.cores_mean!).toBeCloseTo(expected, 2);
    expect(d.memory.rss_bytes).toBe(460 * MB);
    expect(d.memory.per_worker.rss_bytes).toBeCloseTo((460 * MB) / 3, 0);
    expect(d.memory.worker.uss_bytes).toBe(50 * MB);
    expect(d.memory.worker.shared_bytes).toBe(70 * MB);
    expect(d.memory.pss_available).toBe(true);
  });
});

describe('pool models on a pool that recycles a worker during its load', () => {
  it("counts the CPU a recycled worker used after its last sample, from its parent's children counter", async () => {
    const truth = recyclingDipPool();
    const d = byName(
      (await report({ phases: [{ name: 'load', start: '30s', end: '90s', text: 'load=30s..90s' }] }))
        .deployments,
      'recycling',
    );
    const exited = truth.find((p) => p.pid === 102)!;
    const lastSample = d.process_list.find((p) => p.pid === 102)!.alive_to! * 1000 - T0;
    const master = d.process_list.find((p) => p.role === 'master')!;
    expect(master.reaped_children_cpu_seconds!).toBeCloseTo(cpuBetween(exited, lastSample, exited.end), 6);
    const cpu = truth.reduce((s, p) => s + cpuBetween(p, 30_000, 90_000), 0);
    // increases spread evenly over their intervals: off by at most a few ms of load at the edges
    expect(Math.abs(d.phases[0]!.cpu.cores_mean! * 60 - cpu)).toBeLessThan(0.02);
  });

  it('keeps one load phase across the 11.4 s dip of the recycling', async () => {
    const d = byName((await report()).deployments, 'recycling');
    expect(d.restarts).toBe(1);
    expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
    const load = d.phases[1]!;
    expect(Math.abs(load.start - (T0 + 30_000) / 1000)).toBeLessThanOrEqual(1);
    expect(Math.abs(load.end - (T0 + 90_000) / 1000)).toBeLessThanOrEqual(1);
    const truth = recyclingDipPool();
    const cpu = truth.reduce((s, p) => s + cpuBetween(p, load.start * 1000 - T0, load.end * 1000 - T0), 0);
    expect(load.cpu.cores_mean!).toBeCloseTo(cpu / load.seconds, 3);
    // two workers alive at every moment but the one between the exit and the replacement's start
    expect(load.workers_alive).toBe(2);
  });
});

describe('pool models on a pool that loses a worker and later recycles another', () => {
  it('pairs the replacement with the exit it followed, so the first exit stays lost', async () => {
    // 101 dies at 20 s (idle) and is never replaced; 102 exits at 50 s, under load, and 104
    // takes its slot at 50.5 s: the pool ran on 2 of 3 workers from 20 s to the stop
    const pool = preforkPool().filter((p) => p.pid !== 104);
    const w = (pid: number) => pool.find((p) => p.pid === pid)!;
    Object.assign(w(101), { end: 20_000, cpu: w(101).cpu.map(([a, b, c]) => [a, Math.min(b, 20_000), c]) });
    Object.assign(w(102), { end: 50_000, cpu: w(102).cpu.map(([a, b, c]) => [a, Math.min(b, 50_000), c]) });
    delete w(101).pssFrom;
    pool.push({
      ...w(103),
      pid: 104,
      start: 50_500,
      cpu: [
        [50_500, 52_000, 1],
        [52_000, 90_000, 0.5],
      ],
    });
    const db2 = await TraceDatabase.open(':memory:');
    await importProcfsPool(db2, 'lossy', pool);
    const r = await buildPoolReport(db2, {
      parameters: poolParameters({
        phases: [{ name: 'load', start: '30s', end: '90s', text: 'load=30s..90s' }],
      }),
    });
    db2.close();
    const d = r.deployments[0]!;
    expect(d.restarts).toBe(1);
    expect(d.workers_lost).toBe(1);
    const { lost, recycled } = d.lifecycle;
    expect(lost.map((e) => [e.pid, e.replaced])).toEqual([[101, null]]);
    // its last live sample is the last whole second before its end; the stop begins at the
    // first final worker's last sample, 119 s
    expect(lost[0]!.at * 1000 - T0).toBeGreaterThan(18_900);
    expect(lost[0]!.at * 1000 - T0).toBeLessThan(20_000);
    expect(Math.abs(lost[0]!.short_seconds - (119 - (lost[0]!.at * 1000 - T0) / 1000))).toBeLessThan(1.01);
    expect(lost[0]!.workers_alive_after).toBe(2);
    expect(d.lifecycle.workers).toBe(3);
    expect(d.lifecycle.workers_at_stop).toBe(2);
    expect(recycled.count).toBe(1);
    expect(recycled.workers.map((e) => [e.pid, e.replaced?.pid])).toEqual([[102, 104]]);
    const after = recycled.workers[0]!.replaced!.after_seconds;
    expect(after).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(1.5);
    // no load tool summary: the requests are unknown
    expect(recycled.requests).toBeNull();
    expect(recycled.per_1000_requests).toBeNull();
    expect(d.quality.map((q) => q.check)).toEqual(expect.arrayContaining(['pid_churn', 'workers_lost']));
  });
});

describe('pool models on a pool whose workers idle a moment before importing the app', () => {
  it('settles each worker after its import, not in the quiet second before it', async () => {
    const db2 = await TraceDatabase.open(':memory:');
    const pool = twoWorkerPool(
      [
        [1000, 2500, 0.01],
        [2500, 4000, 1],
        [4000, 60_000, 0.01],
      ],
      [[0, 60_000, 0.01]],
    );
    await importProcfsPool(db2, 'delayed', pool);
    const d = (await buildPoolReport(db2)).deployments[0]!;
    for (const w of d.startup.workers) expect(Math.abs(w.settle_seconds! - 3)).toBeLessThan(0.05);
    expect(Math.abs(d.startup.seconds! - 4)).toBeLessThan(0.05);
    db2.close();
  });
});

describe('pool models on a pool scraped every 15 s', () => {
  it('counts a counter from zero at its process start, however late its first sample', async () => {
    const d = byName((await report()).deployments, 'slow-scrape');
    for (const p of lateFirstSamplePool()) {
      const listed = d.process_list.find((x) => x.pid === p.pid)!;
      expect(listed.cpu_seconds!).toBeCloseTo(cpuBetween(p, p.start, listed.alive_to! * 1000 - T0), 2);
    }
  });
});

describe('pool models on a whole-tree recording without PSS', () => {
  it('takes CPU and RSS from the tree and flags the missing PSS', async () => {
    const d = byName((await report()).deployments, 'tree-only');
    expect(d.workers).toBe(0);
    expect(d.memory.pss_bytes).toBeNull();
    expect(d.memory.pss_available).toBe(false);
    expect(d.memory.rss_bytes).toBe(300 * MB);
    expect(d.quality.map((q) => q.check)).toContain('missing_pss');
    expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
    expect(d.phases[1]!.cpu.cores_mean!).toBeCloseTo(1.2, 6);
  });
});

describe('comparison', () => {
  it('puts the first imported deployment first as baseline, with relative deltas', async () => {
    const r = await report();
    expect(r.baseline).toBe('prefork');
    expect(r.deployments[0]!.delta).toBeNull();
    const other = byName(r.deployments, 'tree-only');
    expect(other.delta!['memory.rss_bytes']).toBeCloseTo((300 - 460) / 460, 9);
    expect(other.delta_absolute!['memory.rss_bytes']).toBe(300 * MB - 460 * MB);
  });

  it('honours --baseline and rejects an unknown one', async () => {
    expect((await report({ baseline: 'tree-only' })).deployments[0]!.name).toBe('tree-only');
    await expect(report({ baseline: 'nope' })).rejects.toThrow(/--baseline: no deployment named "nope"/);
  });

  it('computes relative changes', () => {
    expect(relativeChange(3, 2)).toBe(0.5);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(1, 0)).toBeNull();
    expect(relativeChange(null, 1)).toBeNull();
  });
});

describe('pool models on a pool whose workers import the app starved of CPU', () => {
  it('settles each worker when its RSS stops growing, though its CPU stayed under the settle level', async () => {
    const db2 = await TraceDatabase.open(':memory:');
    // the import: 8 s at 0.03 cores (under the 0.05-core settle level), RSS rising 30 → 120 MB
    const cpu: [number, number, number][] = [
      [1000, 9000, 0.03],
      [9000, 60_000, 0.002],
    ];
    await importProcfsPool(db2, 'starved', twoWorkerPool(cpu, cpu, [1000, 9000, 30 * MB]));
    const d = (await buildPoolReport(db2)).deployments[0]!;
    // its import ends 8 s after its start: settled at the first sample from which its RSS
    // stopped growing, or in the first quiet second, whichever comes first (within a sample
    // interval of the end), with the 8 s × 0.03 cores it used until then
    for (const w of d.startup.workers) {
      expect(w.settle_seconds!).toBeGreaterThanOrEqual(8 - 0.01);
      expect(w.settle_seconds!).toBeLessThanOrEqual(8 + 0.1);
      expect(Math.abs(w.cpu_seconds - 8 * 0.03)).toBeLessThanOrEqual(0.01);
    }
    expect(d.phases.map((p) => p.name)).toEqual(['idle']);
    db2.close();
  });

  it('settles a worker that serves requests as soon as it loaded when its RSS stops growing', async () => {
    const db2 = await TraceDatabase.open(':memory:');
    // the import: 3 s at 0.5 cores, RSS rising 30 → 120 MB; then requests at 0.5 cores to the end
    const pool = twoWorkerPool([[1000, 60_000, 0.5]], [[0, 60_000, 0.002]], [1000, 4000, 30 * MB]);
    await importProcfsPool(db2, 'busy', pool);
    const d = (await buildPoolReport(db2)).deployments[0]!;
    // its import ends 3 s after its start: settled at the first RSS sample from then on (samples
    // every 1 s, give or take a few ms), with the CPU it used until that sample (0.5 cores): the
    // import's 1.5 CPU-s and at most a second of requests, not the requests after it
    for (const w of d.startup.workers) {
      expect(w.settle_seconds!).toBeGreaterThanOrEqual(3 - 0.01);
      expect(w.settle_seconds!).toBeLessThanOrEqual(4 + 0.01);
      expect(Math.abs(w.cpu_seconds - 0.5 * w.settle_seconds!)).toBeLessThanOrEqual(0.01);
    }
    expect(d.lifecycle.start.cpu_seconds_per_worker).toBe(d.startup.cpu_seconds_per_worker);
    db2.close();
  });
});

describe('phase detection over a one-bucket dip near the end of a load', () => {
  it('keeps the load’s short last stretch: the dip joins the load before that stretch is judged', async () => {
    const db2 = await TraceDatabase.open(':memory:');
    // load 30–65 s at 0.5 cores per worker, but for one idle second at 60–61 s
    const level = (start: number): [number, number, number][] => [
      [start, 30_000, 0.01],
      [30_000, 60_000, 0.5],
      [60_000, 61_000, 0.01],
      [61_000, 65_000, 0.5],
      [65_000, 120_000, 0.01],
    ];
    const worker = (pid: number) => ({
      pid,
      ppid: 100,
      role: 'worker' as const,
      start: 1000,
      end: 120_000,
      cpu: [[1000, 1500, 1] as [number, number, number], ...level(1500)],
      rss: 120 * MB,
      pss: 70 * MB,
      uss: 50 * MB,
    });
    const master = { ...worker(100), ppid: 1, role: 'master' as const, start: 0, cpu: [[0, 120_000, 0.002]] };
    await importProcfsPool(db2, 'dip', [master as SynthProcess, worker(101), worker(102)]);
    const d = (await buildPoolReport(db2)).deployments[0]!;
    expect(d.phases.map((p) => p.name)).toEqual(['idle', 'load', 'idle']);
    expect(Math.abs(d.phases[1]!.start * 1000 - (T0 + 30_000))).toBeLessThanOrEqual(1000);
    expect(Math.abs(d.phases[1]!.end * 1000 - (T0 + 65_000))).toBeLessThanOrEqual(1000);
    db2.close();
  });
});
