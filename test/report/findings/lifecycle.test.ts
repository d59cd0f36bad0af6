import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/report/report.js';
import { TraceDatabase } from '../../../src/store/database.js';
import {
  CAPTURE2,
  MODES2,
  mode2,
  readyFromLog,
  recycledPids,
  watchedWorkers,
} from '../../helpers/capture2.js';
import { CAPTURE, MODES } from '../../helpers/cli.js';
import { importProcfsPool, preforkPool, T0 } from '../../helpers/pool-synth.js';
import { ProcfsReference } from '../../helpers/procfs-reference.js';
import { captureReport } from '../../helpers/report-capture.js';
import { wrkSummary } from '../../helpers/wrk-reference.js';

// Each deployment's `lifecycle` and the lifecycle findings on the real captures, against what
// the capture recorded itself — its timeline (the SIGKILL, the replacement the orchestrator saw
// or did not see, the 50 ms psutil poll of the master's children), the gunicorn log (`Worker
// exiting`, `Booting worker`), wrk's own summary — and against the /proc snapshots read by the
// independent reference (test/helpers/procfs-reference.ts). Never against our SQL.

interface Kill {
  killed_pid: number;
  t_kill: number;
  replacement: number[] | null;
}
const timeline = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'timeline.json'), 'utf8')) as {
    modes: Record<string, { workers: number; kill: Kill; events: { event: string; t: number }[] }>;
  };
const TIMELINES = { [CAPTURE]: timeline(CAPTURE), [CAPTURE2]: timeline(CAPTURE2) };
const kill = (dir: string, mode: string) => TIMELINES[dir]!.modes[mode]!.kill;
const eventMs = (dir: string, mode: string, name: string) =>
  TIMELINES[dir]!.modes[mode]!.events.find((e) => e.event === name)!.t * 1000;

/** wrk's own count: `N requests in 30.12s`. */
const wrkRequests = (dir: string, mode: string) => wrkSummary(join(dir, 'modes', mode, 'wrk.txt')).requests;

/** The gunicorn log's `Worker exiting (pid: N)` and `Booting worker with pid: N` times (unix ms, as read). */
function gunicornLog(dir: string, mode: string) {
  const exiting = new Map<number, number>();
  const booting = new Map<number, number>();
  for (const line of readFileSync(join(dir, 'modes', mode, 'server.log.ts'), 'utf8').split('\n')) {
    const [ms, text] = [Number(line.slice(0, line.indexOf('\t'))), line.slice(line.indexOf('\t') + 1)];
    const exit = /Worker exiting \(pid: (\d+)\)/.exec(text);
    const boot = /Booting worker with pid: (\d+)/.exec(text);
    if (exit) exiting.set(Number(exit[1]), ms);
    if (boot) booting.set(Number(boot[1]), ms);
  }
  return { exiting, booting };
}

/**
 * A worker's CPU-seconds in its last /proc/<pid>/stat sample before its ready line and in its
 * first at or after it (the reference's samples: its CPU at the line lies between).
 */
function cpuAroundReady(r: ProcfsReference, ready: Map<number, number>, pid: number): [number, number] {
  const at = ready.get(pid)!;
  const points = r.byPid(pid).points;
  const after = points.findIndex(([t]) => t >= at);
  return [points[after - 1]![1] / r.clkTck, points[after]![1] / r.clkTck];
}

describe.each([
  { name: 'real-capture-1', dir: CAPTURE, modes: MODES },
  { name: 'real-capture-2', dir: CAPTURE2, modes: MODES2 },
])('worker lifecycle on $name', ({ dir, modes }) => {
  const { find, findings, ref, warnings } = captureReport(dir, modes, { wrk: true });

  it.each(modes)('%s: the SIGKILLed worker is lost, replaced as the timeline saw or never', (mode) => {
    const d = find(mode);
    const k = kill(dir, mode);
    const r = ref(mode);
    const killed = r.byPid(k.killed_pid);
    expect(d.lifecycle.lost.map((e) => e.pid)).toEqual([k.killed_pid]);
    const lost = d.lifecycle.lost[0]!;
    // last seen alive: its last snapshot before the kill
    expect(lost.at * 1000).toBe(killed.lastAliveMs);
    expect(lost.at * 1000).toBeLessThan(k.t_kill * 1000);
    expect(d.lifecycle.workers).toBe(TIMELINES[dir]!.modes[mode]!.workers);
    // the workers alive in the last snapshot before the SIGTERM
    const term = eventMs(dir, mode, 'sigterm_master');
    const beforeStop = r
      .perSnapshot()
      .filter((s) => s.ms < term)
      .pop()!;
    expect(d.lifecycle.workers_at_stop).toBe(beforeStop.workersAlive);
    if (k.replacement === null) {
      expect(lost.replaced).toBeNull();
      expect(d.lifecycle.workers_at_stop).toBe(d.lifecycle.workers - 1);
      // short from its last snapshot to the stop's first worker exit (its last snapshot)
      const stop = Math.min(
        ...r
          .workers()
          .filter((w) => (w.lastAliveMs ?? 0) > term - 1500)
          .map((w) => w.lastAliveMs!),
      );
      expect(lost.short_seconds).toBeCloseTo((stop - killed.lastAliveMs!) / 1000, 3);
      // which is the time from the SIGKILL to the SIGTERM give or take a snapshot interval each side
      expect(Math.abs(lost.short_seconds - (term / 1000 - k.t_kill))).toBeLessThan(2);
      expect(lost.workers_alive_after).toBe(d.lifecycle.workers - 1);
    } else {
      expect(k.replacement).toHaveLength(1);
      expect(lost.replaced?.pid).toBe(k.replacement[0]);
      const repl = r.byPid(k.replacement[0]!);
      expect(lost.replaced!.start * 1000).toBeCloseTo(repl.startMs, -1); // to the clock tick
      expect(lost.replaced!.after_seconds).toBeCloseTo((repl.startMs - killed.lastAliveMs!) / 1000, 1);
      expect(lost.replaced!.after_seconds).toBeLessThan(1.5);
    }
  });

  it.each(modes)('%s: workers recycled as the psutil poll saw, per 1000 requests of wrk', (mode) => {
    const d = find(mode);
    const requests = wrkRequests(dir, mode);
    expect(d.lifecycle.recycled.requests).toBe(requests);
    // capture 1 never recycled: every worker the reference saw end before the SIGTERM was the killed one
    const expected =
      dir === CAPTURE2
        ? recycledPids(mode as (typeof MODES2)[number])
        : ref(mode)
            .workers()
            .filter((w) => (w.lastAliveMs ?? 0) < eventMs(dir, mode, 'sigterm_master') - 1500)
            .map((w) => w.pid)
            .filter((pid) => pid !== kill(dir, mode).killed_pid);
    const recycled = d.lifecycle.recycled;
    expect(recycled.workers.map((e) => e.pid).sort()).toEqual([...expected].sort());
    expect(recycled.count).toBe(expected.length);
    expect(recycled.per_1000_requests).toBeCloseTo((1000 * expected.length) / requests, 9);
    const found = findings(mode, 'workers-recycled');
    if (expected.length === 0) expect(found).toEqual([]);
    else {
      expect(found).toHaveLength(1);
      expect(found[0]!.severity).toBe('major');
      expect(found[0]!.values).toMatchObject({ recycled: expected.length, requests });
      expect(found[0]!.text).toContain(
        `${((1000 * expected.length) / requests).toFixed(1)} per 1000 requests`,
      );
      expect(found[0]!.answer).toContain(`${expected.length} workers under load`);
    }
  });

  it.each(modes)('%s: worker-lost for a worker never replaced, worker-replaced otherwise', (mode) => {
    const k = kill(dir, mode);
    const lost = findings(mode, 'worker-lost');
    const replaced = findings(mode, 'worker-replaced');
    const workers = TIMELINES[dir]!.modes[mode]!.workers;
    if (k.replacement === null) {
      expect(replaced).toEqual([]);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.severity).toBe('critical');
      expect(lost[0]!.values).toMatchObject({
        pids: String(k.killed_pid),
        workers,
        workers_at_stop: workers - 1,
      });
      expect(lost[0]!.text).toContain(`worker ${k.killed_pid} exited`);
      expect(lost[0]!.answer).toContain(`on ${workers - 1} of ${workers} workers`);
      // the data-quality line says what happened: no new pid appeared
      const quality = warnings(mode).join('\n');
      expect(quality).toContain(`never replaced (pid ${k.killed_pid})`);
      expect(quality).not.toContain('new pids');
    } else {
      expect(lost).toEqual([]);
      expect(replaced).toHaveLength(1);
      expect(replaced[0]!.severity).toBe('minor');
      expect(replaced[0]!.values).toMatchObject({
        pids: String(k.killed_pid),
        replacement_pids: String(k.replacement[0]),
      });
    }
  });

  it.each(modes)("%s: each worker's start CPU is its CPU by its server's ready line", (mode) => {
    const d = find(mode);
    const r = ref(mode);
    const ready = readyFromLog(mode, dir);
    const start = d.lifecycle.start;
    // each worker's utime+stime around the moment its server logged it ready (the reference's
    // samples of /proc/<pid>/stat just before and after the line): the end of its start-up lies
    // within a snapshot interval of that line, for a replacement that serves requests at once too
    const tick = 1 / r.clkTck;
    const measured = d.startup.workers.filter((w) => ready.has(w.pid));
    expect(measured.length).toBeGreaterThanOrEqual(TIMELINES[dir]!.modes[mode]!.workers);
    for (const w of measured) {
      const [before, after] = cpuAroundReady(r, ready, w.pid);
      expect(w.cpu_seconds!, `worker ${w.pid}`).toBeGreaterThanOrEqual(before - tick);
      expect(w.cpu_seconds!, `worker ${w.pid}`).toBeLessThanOrEqual(after + tick);
    }
    // the initial workers start before the load: idle after their ready line, so the sample
    // after it holds their start CPU
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const initial = measured.filter((w) => !w.replacement);
    const refMean = mean(initial.map((w) => cpuAroundReady(r, ready, w.pid)[1]));
    expect(Math.abs(start.cpu_seconds_per_worker! - refMean)).toBeLessThanOrEqual(0.02);
    // the replacements: the workers that took the exits' slots
    const replacements = [...d.lifecycle.lost, ...d.lifecycle.recycled.workers].filter((e) => e.replaced);
    expect(start.replacements).toBe(replacements.length);
    if (replacements.length > 0) {
      const around = replacements.map((e) => cpuAroundReady(r, ready, e.replaced!.pid));
      const n = replacements.length;
      expect(start.cpu_seconds_replacements!).toBeGreaterThanOrEqual(
        around.reduce((a, [b]) => a + b, 0) - n * tick,
      );
      expect(start.cpu_seconds_replacements!).toBeLessThanOrEqual(
        around.reduce((a, [, x]) => a + x, 0) + n * tick,
      );
    }
    // one measure: the start cost is the workers' startup (the verdict's rows) summed up
    const settled = d.startup.workers.filter((w) => w.settled !== null);
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    const initialCpu = settled.filter((w) => !w.replacement).map((w) => w.cpu_seconds);
    const replacementCpu = settled.filter((w) => w.replacement).map((w) => w.cpu_seconds);
    expect(start.workers_measured).toBe(initialCpu.length);
    expect(start.cpu_seconds_per_worker).toBeCloseTo(sum(initialCpu) / initialCpu.length, 9);
    expect(d.startup.cpu_seconds_per_worker).toBeCloseTo(start.cpu_seconds_per_worker!, 9);
    expect(start.replacements_measured).toBe(replacementCpu.length);
    if (replacementCpu.length > 0) expect(start.cpu_seconds_replacements).toBeCloseTo(sum(replacementCpu), 9);
    const found = findings(mode, 'startup-cost');
    expect(found).toHaveLength(1);
    expect(found[0]!.values.cpu_seconds_per_worker).toBe(start.cpu_seconds_per_worker);
    expect(found[0]!.text).toContain(`each worker used ${start.cpu_seconds_per_worker!.toFixed(2)} CPU-s`);
  });
});

describe('worker lifecycle on real-capture-2 gunicorn-recycle against the gunicorn log', () => {
  const { find } = captureReport(CAPTURE2, ['gunicorn-recycle'], { wrk: true });

  it('pairs each exit with a worker booted after it logged its exit, each new worker once', () => {
    const d = find('gunicorn-recycle');
    const { exiting, booting } = gunicornLog(CAPTURE2, 'gunicorn-recycle');
    const exits = [...d.lifecycle.recycled.workers, ...d.lifecycle.lost];
    const replacements = exits.map((e) => e.replaced!.pid);
    // every worker booted after the first exit, as the psutil poll saw them born, replaced one
    const firstExit = Math.min(...exits.map((e) => e.at));
    const born = watchedWorkers('gunicorn-recycle')
      .filter((w) => w.create_time > firstExit - 5)
      .map((w) => w.pid);
    expect([...replacements].sort()).toEqual([...born].sort());
    for (const e of d.lifecycle.recycled.workers)
      expect(booting.get(e.replaced!.pid)!, `${e.pid}`).toBeGreaterThan(exiting.get(e.pid)!);
    expect(mode2('gunicorn-recycle').kill.replacement).toEqual([d.lifecycle.lost[0]!.replaced!.pid]);
  });
});

describe('worker-lost on a synthetic pool that loses two workers', () => {
  it('says how long the pool ran short from the first loss and on how few workers from the last', async () => {
    // master and three workers (test/helpers/pool-synth.ts); 101 dies at 20 s and 102 at 50 s,
    // neither replaced: the pool runs short from 20 s and on 1 of 3 workers from 50 s to the stop
    const pool = preforkPool().filter((p) => p.pid !== 104);
    for (const [pid, end] of [
      [101, 20_000],
      [102, 50_000],
    ] as const) {
      const w = pool.find((p) => p.pid === pid)!;
      Object.assign(w, { end, cpu: w.cpu.map(([a, b, c]) => [a, Math.min(b, end), c]) });
      delete w.pssFrom;
    }
    const db = await TraceDatabase.open(':memory:');
    await importProcfsPool(db, 'lossy', pool);
    const built = await buildReport(db, { format: 'json', version: 'test', generatedAt: new Date(0) });
    db.close();
    const [lost] = built.summary.findings.filter((f) => f.id === 'worker-lost');
    const d = built.summary.deployments[0]!;
    // each worker's last live sample is its last whole second before its end; the stop begins
    // at the remaining worker's last sample, 119 s
    const stop = d.lifecycle.lost[0]!.at + d.lifecycle.lost[0]!.short_seconds;
    expect(Math.abs(stop - (T0 + 119_000) / 1000)).toBeLessThanOrEqual(1);
    expect(lost!.values).toMatchObject({ pids: '101, 102', workers: 3, workers_at_stop: 1, workers_lost: 2 });
    const [first, last] = [T0 + 20_000, T0 + 50_000].map((t) => stop - t / 1000);
    expect(Math.abs(Number(lost!.values.short_seconds) - first!)).toBeLessThanOrEqual(1.01);
    expect(Math.abs(Number(lost!.values.fewest_workers_seconds) - last!)).toBeLessThanOrEqual(1.01);
    expect(lost!.text).toContain('workers 101 and 102 exited');
    expect(lost!.text).toContain(
      `its last ${Number(lost!.values.fewest_workers_seconds).toFixed(1)} s on 1 of 3 workers`,
    );
    expect(lost!.answer).toContain('lost 2 workers that were never replaced');
  });
});
