import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/report.js';
import type { DeploymentSummary } from '../../src/report/summary.js';
import type { TraceDatabase } from '../../src/store/database.js';
import { eventMs, openCapture } from '../helpers/capture.js';
import { CAPTURE2, MODES2, event2Ms, type Mode2 } from '../helpers/capture2.js';
import { CAPTURE, MODES } from '../helpers/cli.js';
import { ProcfsReference } from '../helpers/procfs-reference.js';

// The report's JSON for the real captures against the independent reference computed from the
// raw /proc files in the test (test/helpers/procfs-reference.ts: per process identity, CPU from
// zero at each start plus the reaped children's ticks, sums over the processes alive in one
// snapshot) — never against our SQL. Within 3 %.
const within = (actual: number | null | undefined, expected: number | null, what: string) => {
  expect(actual, what).not.toBeNull();
  expect(expected, what).not.toBeNull();
  expect(Math.abs(actual! - expected!), what).toBeLessThanOrEqual(0.03 * Math.abs(expected!));
};

function capture(dir: string, modes: readonly string[]) {
  const state = { db: undefined as TraceDatabase | undefined, deployments: [] as DeploymentSummary[] };
  const refs = new Map(
    modes.map((m) => [m, new ProcfsReference(join(dir, 'procsnap', `procsnap-${m}.tar.gz`))]),
  );
  beforeAll(async () => {
    state.db = await openCapture(dir, modes);
    const built = await buildReport(state.db, { format: 'json', version: 'test', generatedAt: new Date(0) });
    state.deployments = built.summary.deployments;
  }, 300_000);
  afterAll(() => state.db?.close());
  return {
    find: (mode: string) => state.deployments.find((d) => d.name === mode)!,
    ref: (mode: string) => refs.get(mode)!,
  };
}

describe.each([
  { name: 'real-capture-1', dir: CAPTURE, modes: MODES, event: eventMs },
  {
    name: 'real-capture-2',
    dir: CAPTURE2,
    modes: MODES2,
    event: (m: string, e: string) => event2Ms(m as Mode2, e),
  },
])('the report on $name against its /proc files', ({ dir, modes, event }) => {
  const { find, ref } = capture(dir, modes);

  it.each(modes)('%s: every worker that ended before the SIGTERM is a restart or a lost worker', (mode) => {
    const d = find(mode);
    const term = event(mode, 'sigterm_master');
    const early = ref(mode)
      .workers()
      .filter((w) => (w.lastAliveMs ?? -Infinity) < term - 1500); // the last snapshot before the stop may be 1 s earlier
    expect(d.restarts + d.workers_lost).toBe(early.length);
    expect(
      d.process_list
        .filter((p) => p.exited_early)
        .map((p) => p.pid)
        .sort(),
    ).toEqual(early.map((w) => w.pid).sort());
  });

  it.each(modes)(
    '%s: CPU-seconds of the window, per identity from its start with the reaped children',
    (mode) => {
      const d = find(mode);
      const r = ref(mode);
      within(d.cpu.seconds, r.cpuSeconds(d.start * 1000, d.end * 1000), 'window CPU');
      // the window is the master's life: from its start (to the clock tick) to its last snapshot
      const master = r.identities.find((i) => i.role === 'master')!;
      expect(Math.abs(d.start * 1000 - master.startMs)).toBeLessThan(30);
      expect(d.end * 1000).toBe(master.lastAliveMs);
    },
  );

  it.each(modes)('%s: each worker’s start to the clock tick', (mode) => {
    for (const w of find(mode).startup.workers) {
      const r = ref(mode)
        .workers()
        .filter((x) => x.pid === w.pid);
      expect(r, `worker ${w.pid}`).toHaveLength(1);
      expect(Math.abs(r[0]!.startMs - w.start! * 1000), `worker ${w.pid}`).toBeLessThan(30);
    }
  });
});

describe('the report on real-capture-1 against its /proc files: phases and peaks', () => {
  const { find, ref } = capture(CAPTURE, MODES);

  it.each(MODES)('%s: CPU-seconds, workers alive and memory medians of every phase', (mode) => {
    for (const p of find(mode).phases) {
      const w = ref(mode).window(p.start * 1000, p.end * 1000);
      const what = `${p.name} ${p.start}..${p.end}`;
      within(p.cpu.cores_mean! * p.seconds, w.cpuSeconds, `${what} CPU`);
      expect(p.workers_alive, `${what} workers`).toBe(w.workersAlive.median);
      within(p.memory.pss_bytes, w.pss.median, `${what} PSS`);
      within(p.memory.rss_bytes, w.rss.median, `${what} RSS`);
      within(p.memory.uss_bytes, w.uss.median, `${what} USS`);
    }
  });

  it.each(MODES)('%s: one load phase, its edges at wrk’s start and end', (mode) => {
    const loads = find(mode).phases.filter((p) => p.name === 'load');
    expect(loads).toHaveLength(1);
    expect(Math.abs(loads[0]!.start * 1000 - eventMs(mode, 'load_start'))).toBeLessThanOrEqual(1500);
    expect(Math.abs(loads[0]!.end * 1000 - eventMs(mode, 'load_end'))).toBeLessThanOrEqual(1500);
  });

  it.each(MODES)(
    '%s: PSS, RSS and USS peaks of the steady state, the largest sums over one snapshot',
    (mode) => {
      const d = find(mode);
      const w = ref(mode).window(d.steady.start * 1000, d.steady.end * 1000);
      within(d.memory.peak.pss_bytes, w.pss.peak, 'PSS');
      within(d.memory.peak.rss_bytes, w.rss.peak, 'RSS');
      within(d.memory.peak.uss_bytes, w.uss.peak, 'USS');
      // the steady state ends before the stop: the first final worker's last snapshot
      const last = Math.min(
        ...ref(mode)
          .workers()
          .filter((x) => (x.lastAliveMs ?? 0) >= eventMs(mode, 'sigterm_master') - 1500)
          .map((x) => x.lastAliveMs!),
      );
      expect(d.steady.end * 1000).toBeLessThanOrEqual(last);
    },
  );
});
