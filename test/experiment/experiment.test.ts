import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tQuantile } from '../../src/models/interval.js';
import { cli, FIXTURES, ROOT, tempDir } from '../helpers/cli.js';
import { ProcfsReference, type ProcRecord, type Snapshot } from '../helpers/procfs-reference.js';
import { wrkSummary } from '../helpers/wrk-reference.js';

/**
 * `trace-analyze experiment` with Debian's gunicorn 20.1 (UvicornWorker), uvicorn 0.17 and
 * Starlette (.ci/run installs them) on a tiny app, on loopback ports 18020-18029. Every figure
 * is checked against the /proc files the experiment wrote, parsed by the test's own reader
 * (test/helpers/procfs-reference.ts, stat fields per proc(5)), and the load's counts against the
 * servers' own access logs.
 */

const tmp = tempDir('trace-analyze-experiment-');
afterAll(tmp.cleanup);

const APP = join(FIXTURES, 'experiment-app');
const gunicorn = (port: number) =>
  `gunicorn=gunicorn -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:${port} --access-logfile - app:app`;
const uvicorn = (port: number) =>
  `uvicorn=/usr/bin/python3 -m uvicorn app:app --workers 2 --host 127.0.0.1 --port ${port}`;

/** `experiment` of gunicorn and uvicorn on the app at `port`, loading /work, with a JSON report. */
const compareArgs = (out: string, port: number, extra: string[]) => [
  'experiment',
  '--out',
  out,
  '--cwd',
  APP,
  '--deployment',
  gunicorn(port),
  '--deployment',
  uvicorn(port),
  '--ready',
  `http://127.0.0.1:${port}/`,
  '--url',
  `http://127.0.0.1:${port}/work`,
  '--interval',
  '250ms',
  '--format',
  'json',
  ...extra,
];

/** proc(5): after "(comm)", field 3 is the state and 5 the process group (of a live process). */
function parseStat(text: string): { pid: number; state: string; pgrp: number } {
  const f = text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  return { pid: Number(text.slice(0, text.indexOf('(')).trim()), state: f[0]!, pgrp: Number(f[2]) };
}

/** Per process (pid + start time): its samples in time order. */
function lifetimes(snaps: Snapshot[]): Map<string, { t: number; p: ProcRecord }[]> {
  const out = new Map<string, { t: number; p: ProcRecord }[]>();
  for (const s of snaps)
    for (const p of s.procs.values()) {
      const key = `${p.pid}@${p.starttime}`;
      out.set(key, [...(out.get(key) ?? []), { t: s.ms, p }]);
    }
  return out;
}

/** Processes still running whose command line mentions `text` (zombies hold nothing). */
function runningWith(text: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')).state;
      if (cmdline.includes(text) && state !== 'Z') out.push(`${name}: ${cmdline}`);
    } catch {
      // gone since the listing
    }
  }
  return out;
}

/** Members of a process group still running. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      if (s.pgrp === pgid && s.state !== 'Z') out.push(s.pid);
    } catch {
      // gone since the listing
    }
  }
  return out;
}

interface Timeline {
  outcome: string;
  reason: string | null;
  runs: {
    name: string;
    outcome: string;
    events: {
      event: string;
      t_ms: number;
      pid?: number;
      master?: number;
      seconds?: number;
      reason?: string;
    }[];
    load: { tool: string; output: string; files: string[] } | null;
  }[];
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const eventOf = (run: Timeline['runs'][number], name: string) => run.events.find((e) => e.event === name)!;

describe('trace-analyze experiment', () => {
  it('compares gunicorn and uvicorn: figures match the raw snapshots, the killed worker is replaced or lost', () => {
    const out = join(tmp.dir, 'compare');
    const port = 18021;
    const args = compareArgs(out, port, [
      '--rate',
      '40',
      '--duration',
      '3s',
      '--idle',
      '1s',
      '--after',
      '1500ms',
      '--kill-worker-at',
      '1s',
    ]);
    const r = cli(args, { env: { SOURCE_DATE_EPOCH: '1800000000' } });
    expect(r.stderr).toBe(`${out}: 2 run(s) completed; report in ${join(out, 'report.html')}\n`);
    expect(r.status).toBe(0);
    expect(runningWith(`127.0.0.1:${port}`)).toEqual([]);
    expect(runningWith(`--port ${port}`)).toEqual([]);
    expect(readdirSync(out).sort()).toEqual([
      'gunicorn',
      'report.html',
      'report.json',
      'timeline.json',
      'uvicorn',
    ]);

    const timeline = readJson<Timeline>(join(out, 'timeline.json'));
    expect(timeline.outcome).toBe('completed');
    const report = readJson<{
      deployments: {
        name: string;
        start: number;
        end: number;
        processes: number;
        workers: number;
        restarts: number;
        workers_lost: number;
        cpu: { seconds: number };
        phases: { name: string; start: number; end: number; overridden: boolean }[];
        process_list: { pid: number }[];
        experiment: {
          ready_seconds: number;
          killed_worker_pid: number;
          load: { tool: string; responses: number; errors: number };
        };
      }[];
    }>(join(out, 'report.json'));
    expect(report.deployments.map((d) => d.name)).toEqual(['gunicorn', 'uvicorn']);

    for (const [i, d] of report.deployments.entries()) {
      const run = timeline.runs[i]!;
      expect(run.outcome).toBe('completed');
      expect(run.events.map((e) => e.event)).toEqual([
        'start',
        'ready',
        'load_start',
        'kill_worker',
        'load_end',
        'stop',
        'gone',
      ]);
      const at = (name: string) => eventOf(run, name).t_ms;
      // the group is gone, and nothing of it ran past the 'gone' event
      const master = eventOf(run, 'start').pid!;
      expect(groupMembers(master)).toEqual([]);

      // the snapshots as test/helpers/procfs-reference.ts reads the raw files itself
      const reference = new ProcfsReference(join(out, d.name, 'snapshots'));
      const snaps = reference.snaps;
      expect(snaps.length).toBeGreaterThan(10);
      expect(snaps[0]!.ms - at('start')).toBeLessThan(1000); // recorded from the start
      const lives = lifetimes(snaps);
      // processes: every process (pid + start time) with two samples or more, as CPU counters need
      const counted = [...lives.values()].filter((l) => l.length >= 2);
      expect(d.processes).toBe(counted.length);
      expect(d.process_list.map((p) => p.pid).sort()).toEqual(counted.map((l) => l[0]!.p.pid).sort());
      // CPU-seconds of the window: per process identity from zero at its start, with the ticks of
      // reaped children from their parent's cutime/cstime, within 3 %; at least what the samples
      // alone show.
      const expected = reference.cpuSeconds(d.start * 1000, d.end * 1000);
      expect(Math.abs(d.cpu.seconds - expected)).toBeLessThanOrEqual(0.03 * expected);
      // the samples inside the window alone (a stopping master can be sampled once more after it)
      const sampled = counted.reduce((s, l) => {
        const inside = l.filter((x) => x.t <= d.end * 1000);
        return inside.length < 2 ? s : s + inside[inside.length - 1]!.p.ticks - inside[0]!.p.ticks;
      }, 0);
      expect(d.cpu.seconds).toBeGreaterThanOrEqual(sampled / snaps[0]!.clkTck - 1e-9);
      expect(d.cpu.seconds).toBeGreaterThan(0.1);

      // the pool: at most 2 workers running at once (children of the master, not multiprocessing helpers)
      const workersAlive = snaps.map(
        (s) =>
          [...s.procs.values()].filter(
            (p) =>
              p.ppid === master && p.state !== 'Z' && !/multiprocessing\.resource_tracker/.test(p.cmdline),
          ).length,
      );
      expect(Math.max(...workersAlive)).toBe(2);
      expect(d.workers).toBe(2);

      // the killed worker: a child of the master before the kill, not running after it
      const killed = eventOf(run, 'kill_worker');
      expect(d.experiment.killed_worker_pid).toBe(killed.pid);
      expect(killed.master).toBe(master);
      const before = snaps.filter((s) => s.ms < killed.t_ms && s.ms > at('load_start'));
      expect(before.at(-1)!.procs.get(killed.pid!)?.ppid).toBe(master);
      const after = snaps.filter((s) => s.ms > killed.t_ms + 300 && s.ms < at('stop'));
      expect(after.length).toBeGreaterThan(2);
      const laterChildren = new Set(
        after.flatMap((s) =>
          [...s.procs.values()]
            .filter((p) => p.ppid === master && p.state !== 'Z' && !/resource_tracker/.test(p.cmdline))
            .map((p) => p.pid),
        ),
      );
      expect(laterChildren.has(killed.pid!)).toBe(false);
      const replacement = [...laterChildren].filter(
        (pid) => !before.at(-1)!.procs.has(pid) && pid !== killed.pid,
      );
      if (d.name === 'gunicorn') {
        // gunicorn's arbiter forks a new worker: 2 workers again, one restart, none lost
        expect(replacement.length).toBe(1);
        expect(Math.min(...after.slice(-2).map((s) => workersAlive[snaps.indexOf(s)]!))).toBe(2);
        expect([d.restarts, d.workers_lost]).toEqual([1, 0]);
      } else {
        // uvicorn 0.17's supervisor never replaces a worker: the killed one stays a zombie
        expect(replacement).toEqual([]);
        expect(after.every((s) => s.procs.get(killed.pid!)?.state === 'Z')).toBe(true);
        expect([d.restarts, d.workers_lost]).toEqual([0, 1]);
      }

      // phases and ready come from the timeline, not detection
      expect(d.phases.map((p) => [p.name, p.start * 1000, p.end * 1000, p.overridden])).toEqual([
        ['idle', at('ready'), at('load_start'), true],
        ['load', at('load_start'), at('load_end'), true],
        ['after-load', at('load_end'), at('stop'), true],
      ]);
      expect(d.experiment.ready_seconds).toBeCloseTo((at('ready') - at('start')) / 1000, 9);

      // the load's counts: autocannon's own result (imported), and the server's access log
      expect(run.load).toEqual({ tool: 'autocannon', output: 'autocannon.json', files: ['autocannon.json'] });
      const ac = readJson<{
        statusCodeStats: Record<string, { count: number }>;
        errors: number;
        '4xx': number;
        '5xx': number;
      }>(join(out, d.name, 'autocannon.json'));
      const responses = Object.values(ac.statusCodeStats).reduce((s, c) => s + c.count, 0);
      expect(d.experiment.load).toEqual({
        tool: 'autocannon',
        responses,
        errors: ac['4xx'] + ac['5xx'] + ac.errors,
      });
      const logged = readFileSync(join(out, d.name, 'server.stdout'), 'utf8').match(
        /"GET \/work HTTP\/1\.1" 200/g,
      )!;
      // served but not counted: answers still on their way when the load stopped (≤ its 10 connections)
      expect(logged.length).toBeGreaterThanOrEqual(responses);
      expect(logged.length).toBeLessThanOrEqual(responses + 10);
      expect(responses).toBeGreaterThan(40 * 2);
      expect(responses).toBeLessThanOrEqual(40 * 3);
    }

    // `report <dir>` on the experiment's folder gives the same report again
    const again = cli(['report', out, '--format', 'json'], { env: { SOURCE_DATE_EPOCH: '1800000000' } });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(readFileSync(join(out, 'report.json'), 'utf8'));
  });

  it('a failing deployment is recorded, and the completed runs are still reported (load: wrk)', () => {
    const out = join(tmp.dir, 'failing');
    const port = 18022;
    const r = cli([
      'experiment',
      '--out',
      out,
      '--cwd',
      APP,
      '--deployment',
      uvicorn(port),
      '--deployment',
      'broken=/usr/bin/python3 -c "import sys; sys.exit(3)"',
      '--ready',
      `http://127.0.0.1:${port}/`,
      '--load',
      `wrk -t1 -c4 -d2s http://127.0.0.1:${port}/work`,
      '--idle',
      '0s',
      '--after',
      '500ms',
      '--interval',
      '250ms',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe(
      'trace-analyze: experiment stopped: broken: the server exited before it answered --ready (exit code 3); ' +
        `its output is in server.stderr; the report covers the 1 completed run(s) (${out})\n`,
    );
    expect(r.status).toBe(1);
    const timeline = readJson<Timeline>(join(out, 'timeline.json'));
    expect([timeline.outcome, ...timeline.runs.map((x) => x.outcome)]).toEqual([
      'failed',
      'completed',
      'failed',
    ]);
    expect(timeline.runs[1]!.events.map((e) => e.event)).toEqual(['start', 'stop', 'gone', 'failed']);
    const report = readJson<{ deployments: { name: string; experiment: { load: unknown } }[] }>(
      join(out, 'report.json'),
    );
    expect(report.deployments.map((d) => d.name)).toEqual(['uvicorn']);
    // wrk's summary, read independently here: "<n> requests in <t>s, <bytes> read"
    const { requests } = wrkSummary(join(out, 'uvicorn', 'load.stdout'));
    expect(requests).toBeGreaterThan(10);
    // imported with the wrk importer: responses of any status; errors none here
    expect(report.deployments[0]!.experiment.load).toEqual({ tool: 'wrk', responses: requests, errors: 0 });
    const logged = readFileSync(join(out, 'uvicorn', 'server.stdout'), 'utf8').match(
      /"GET \/work HTTP\/1\.1" 200/g,
    )!;
    expect(logged.length).toBeGreaterThanOrEqual(requests);
    expect(logged.length).toBeLessThanOrEqual(requests + 4); // wrk's 4 connections
    expect(runningWith(`--port ${port}`)).toEqual([]);
  });

  /**
   * Starts an experiment of `deployment` with `load`, sends SIGINT once its load runs, and checks
   * that the server and the load are gone and the timeline says so.
   */
  async function interruptDuringLoad(name: string, port: number, deployment: string, load: string[]) {
    const out = join(tmp.dir, name);
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/trace-analyze.js'),
        'experiment',
        '--out',
        out,
        '--cwd',
        APP,
        '--deployment',
        deployment,
        '--deployment',
        uvicorn(port),
        '--ready',
        `http://127.0.0.1:${port}/`,
        ...load,
        '--idle',
        '0s',
        '--interval',
        '250ms',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // wait (bounded) until the load is running, so the signal lands in the middle of it
    const loading = () =>
      existsSync(join(out, 'timeline.json')) &&
      readJson<Timeline>(join(out, 'timeline.json')).runs[0]?.events.some((e) => e.event === 'load_start');
    for (const deadline = Date.now() + 30_000; !loading() && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const running = runningWith(String(port)).filter((p) => !p.startsWith(`${child.pid}:`)); // not the CLI
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toBe(
      'trace-analyze: experiment stopped: interrupted (SIGINT/SIGTERM); every process started was stopped; ' +
        'no run completed, so there is no report\n',
    );
    expect(code).toBe(1);
    expect(runningWith(String(port))).toEqual([]);
    const timeline = readJson<Timeline>(join(out, 'timeline.json'));
    expect(timeline.outcome).toBe('interrupted');
    expect(timeline.runs.map((x) => [x.name, x.outcome])).toEqual([
      [deployment.split('=')[0], 'interrupted'],
    ]);
    expect(timeline.runs[0]!.events.map((e) => e.event)).toEqual([
      'start',
      'ready',
      'load_start',
      'load_end',
      'stop',
      'gone',
      'interrupted',
    ]);
    expect(groupMembers(eventOf(timeline.runs[0]!, 'start').pid!)).toEqual([]);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    return running;
  }

  it('Ctrl-C stops and reaps the server and the load command; nothing is left running', async () => {
    const port = 18023;
    const running = await interruptDuringLoad('interrupted-wrk', port, gunicorn(port), [
      '--load',
      `wrk -t1 -c2 -d60s http://127.0.0.1:${port}/`,
    ]);
    // what was running when the signal came: gunicorn's master and 2 workers, and wrk
    expect(running.filter((p) => p.includes('gunicorn')).length).toBe(3);
    expect(running.filter((p) => p.includes('wrk')).length).toBe(1);
  });

  it('Ctrl-C during the built-in load stops it and the server', async () => {
    const port = 18028;
    const running = await interruptDuringLoad(
      'interrupted-builtin',
      port,
      uvicorn(port).replace('uvicorn=', 'u='),
      ['--rate', '20', '--duration', '60s'],
    );
    // uvicorn's master and 2 spawned workers (their cmdline names no port), nothing else
    expect(running.length).toBe(1);
  });

  it('--runs interleaves the deployments; the findings compare the deployments over their runs', () => {
    const out = join(tmp.dir, 'runs');
    const port = 18125;
    const r = cli(
      compareArgs(out, port, [
        '--runs',
        '2',
        '--rate',
        '20',
        '--duration',
        '2s',
        '--idle',
        '1s',
        '--after',
        '1s',
      ]),
      { env: { SOURCE_DATE_EPOCH: '1800000000' } },
    );
    expect(r.status).toBe(0);
    expect(runningWith(`127.0.0.1:${port}`)).toEqual([]);
    expect(runningWith(`--port ${port}`)).toEqual([]);
    const timeline = readJson<Timeline>(join(out, 'timeline.json'));
    expect(timeline.runs.map((x) => [x.name, x.outcome])).toEqual([
      ['gunicorn-run1', 'completed'],
      ['uvicorn-run1', 'completed'],
      ['gunicorn-run2', 'completed'],
      ['uvicorn-run2', 'completed'],
    ]);
    for (const [i, x] of timeline.runs.entries())
      if (i > 0)
        expect(eventOf(x, 'start').t_ms).toBeGreaterThanOrEqual(eventOf(timeline.runs[i - 1]!, 'gone').t_ms);
    type Values = Record<string, number | string | null | number[]>;
    const report = readJson<{
      baseline: string;
      deployments: {
        name: string;
        cpu: { seconds: number };
        experiment: { load: { responses: number } };
        memory: { model: { phase: string; start: number; end: number; pss_bytes: number } | null };
      }[];
      runs: {
        deployment: string;
        runs: string[];
        figures: Record<string, { values: number[]; min: number; median: number; max: number }>;
      }[];
      findings: {
        id: string;
        severity: string;
        deployment: string;
        text: string;
        values: Values;
        answer?: string;
      }[];
      answer: { text: string; finding_ids: string[]; deployment: string | null }[];
    }>(join(out, 'report.json'));
    const names = ['gunicorn-run1', 'uvicorn-run1', 'gunicorn-run2', 'uvicorn-run2'];
    expect(report.deployments.map((d) => d.name)).toEqual(names);
    expect(report.baseline).toBe('gunicorn-run1');
    // rate 20 for 2 s: autocannon sends at most 40 (its total is capped at rate × duration; a
    // server slower than the rate on a busy machine is offered fewer)
    for (const d of report.deployments) {
      expect(d.experiment.load.responses).toBeLessThanOrEqual(40);
      expect(d.experiment.load.responses).toBeGreaterThan(20);
    }
    // the spread over runs: each run's figure, then min, median (of two: their mean) and max
    expect(report.runs.map((x) => [x.deployment, x.runs])).toEqual([
      ['gunicorn', ['gunicorn-run1', 'gunicorn-run2']],
      ['uvicorn', ['uvicorn-run1', 'uvicorn-run2']],
    ]);
    for (const spread of report.runs) {
      const runsOf = spread.runs.map((name) => report.deployments.find((d) => d.name === name)!);
      for (const [field, values] of [
        ['cpu.seconds', runsOf.map((d) => d.cpu.seconds)],
        ['experiment.load.responses', runsOf.map((d) => d.experiment.load.responses)],
      ] as const)
        expect(spread.figures[field]).toEqual({
          values,
          min: Math.min(...values),
          median: (values[0]! + values[1]!) / 2,
          max: Math.max(...values),
        });
    }

    // Per run, from the raw snapshots (test/helpers/procfs-reference.ts) and autocannon's own
    // result: CPU-seconds per 1000 requests of the load phase, and the pool's PSS (the median
    // over the snapshots of the phase the memory model read).
    type Figures = { cpuPer1000: number; pss: number };
    const perRun = new Map(
      names.map((name): [string, Figures] => {
        const run = timeline.runs.find((x) => x.name === name)!;
        const reference = new ProcfsReference(join(out, name, 'snapshots'));
        const [from, to] = [eventOf(run, 'load_start').t_ms, eventOf(run, 'load_end').t_ms];
        const ac = readJson<{ statusCodeStats: Record<string, { count: number }> }>(
          join(out, name, 'autocannon.json'),
        );
        const responses = Object.values(ac.statusCodeStats).reduce((s, c) => s + c.count, 0);
        const model = report.deployments.find((d) => d.name === name)!.memory.model!;
        const pss = reference
          .perSnapshot()
          .filter((x) => x.ms >= model.start * 1000 && x.ms <= model.end * 1000 && x.pss !== null)
          .map((x) => x.pss!)
          .sort((a, b) => a - b);
        const mid = Math.floor(pss.length / 2);
        return [
          name,
          {
            cpuPer1000: (1000 * reference.cpuSeconds(from, to)) / responses,
            pss: pss.length % 2 ? pss[mid]! : (pss[mid - 1]! + pss[mid]!) / 2,
          },
        ];
      }),
    );
    const [g1, u1, g2, u2] = names.map((n) => perRun.get(n)!) as [Figures, Figures, Figures, Figures];

    // the deployments are compared, never one run with another
    const compared = report.findings.filter((f) =>
      ['cpu-per-request', 'cpu-vs-baseline', 'memory-per-worker'].includes(f.id),
    );
    expect(compared.map((f) => [f.id, f.deployment]).sort()).toEqual([
      ['cpu-per-request', 'uvicorn'],
      ['cpu-vs-baseline', 'uvicorn'],
      ['memory-per-worker', 'uvicorn'],
    ]);
    // the others are about one run each
    for (const f of report.findings) if (!compared.includes(f)) expect(names).toContain(f.deployment);

    /** Welch's interval from the test's own formulas; t from tQuantile (checked against scipy). */
    const welch = (base: number[], other: number[]) => {
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const varOfMean = (v: number[]) => {
        const m = mean(v);
        return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1) / v.length;
      };
      const [v0, v1] = [varOfMean(base), varOfMean(other)];
      const df = (v0 + v1) ** 2 / (v0 ** 2 / (base.length - 1) + v1 ** 2 / (other.length - 1));
      const half = tQuantile(0.975, df) * Math.sqrt(v0 + v1);
      const d = mean(other) - mean(base);
      return { df, mean: mean(other), baseMean: mean(base), low: d - half, high: d + half };
    };
    const checkRuns = (
      f: (typeof report.findings)[number],
      key: string,
      base: number[],
      other: number[],
      tolerance: number,
    ) => {
      const v = f.values;
      expect(v.runs).toBe(2);
      expect(v.baseline_runs).toBe(2);
      const near = (got: number[], want: number[]) =>
        got.forEach((x, i) => expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(tolerance * want[i]!));
      near(v[`baseline_${key}_runs`] as number[], base);
      near(v[`${key}_runs`] as number[], other);
      const w = welch(v[`baseline_${key}_runs`] as number[], v[`${key}_runs`] as number[]);
      expect(v[key]).toBeCloseTo(w.mean, 9);
      expect(v[`baseline_${key}`]).toBeCloseTo(w.baseMean, 9);
      expect(v.degrees_of_freedom).toBeCloseTo(w.df, 9);
      expect(v.difference_low).toBeCloseTo(w.low, 9);
      expect(v.difference_high).toBeCloseTo(w.high, 9);
      expect(v.relative_change).toBeCloseTo(w.mean / w.baseMean - 1, 9);
      expect(v.interval_low).toBeCloseTo(w.low / w.baseMean, 9);
      expect(v.interval_high).toBeCloseTo(w.high / w.baseMean, 9);
      return w.low > 0 || w.high < 0;
    };

    // CPU per request in the load phase: 1000 × the phase's CPU ÷ autocannon's responses, per run
    // (the load tool's count is spread evenly over its duration: the phase holds it to 0.1 %)
    const perRequest = compared.find((f) => f.id === 'cpu-per-request')!;
    expect(perRequest.values.phase).toBe('load');
    const cpuMeasurable = checkRuns(
      perRequest,
      'cpu_seconds_per_1000_requests',
      [g1.cpuPer1000, g2.cpuPer1000],
      [u1.cpuPer1000, u2.cpuPer1000],
      0.002,
    );
    const pv = perRequest.values;
    const pct = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    const claim = cpuMeasurable
      ? `${pct(pv.relative_change as number)} (95 % interval ${pct(pv.interval_low as number)} to ${pct(pv.interval_high as number)})`
      : `no measurable difference (±${(Math.max(Math.abs(pv.interval_low as number), Math.abs(pv.interval_high as number)) * 100).toFixed(1)} %)`;
    const k = (x: unknown) => (x as number).toFixed(3);
    const runsOf = (x: unknown) => (x as number[]).map(k).join(', ');
    expect(perRequest.text).toContain(
      `uvicorn used ${k(pv.cpu_seconds_per_1000_requests)} CPU-seconds per 1000 requests in the load phase ` +
        `(mean of 2 runs: ${runsOf(pv.cpu_seconds_per_1000_requests_runs)}), against ` +
        `${k(pv.baseline_cpu_seconds_per_1000_requests)} for gunicorn (mean of 2 runs: ` +
        `${runsOf(pv.baseline_cpu_seconds_per_1000_requests_runs)}): ${claim}, from the spread over the runs.`,
    );
    expect(perRequest.severity).toBe(
      !cpuMeasurable ? 'info' : Math.abs(pv.relative_change as number) >= 0.1 ? 'major' : 'minor',
    );

    // the pool's PSS (both ran 2 workers in every run)
    const memory = compared.find((f) => f.id === 'memory-per-worker')!;
    expect(memory.values.basis).toBe('pool');
    // (the model's median leaves out moments of a worker's memory moving: within 1 %)
    const memoryMeasurable = checkRuns(memory, 'value_bytes', [g1.pss, g2.pss], [u1.pss, u2.pss], 0.01);
    expect(memory.values.measurable).toBe(memoryMeasurable ? 'yes' : 'no');

    // total CPU of each run's window
    const total = compared.find((f) => f.id === 'cpu-vs-baseline')!;
    const cpuOf = (name: string) => report.deployments.find((d) => d.name === name)!.cpu.seconds;
    checkRuns(
      total,
      'cpu_seconds',
      [cpuOf('gunicorn-run1'), cpuOf('gunicorn-run2')],
      [cpuOf('uvicorn-run1'), cpuOf('uvicorn-run2')],
      1e-12,
    );

    // the Answer speaks of the deployments: its CPU and memory verdicts over the runs
    expect(report.answer.slice(0, 2).map((a) => [a.deployment, a.finding_ids])).toEqual([
      ['uvicorn', ['cpu-per-request']],
      ['uvicorn', ['memory-per-worker']],
    ]);
    expect(report.answer[0]!.text).toBe(perRequest.answer);
    expect(perRequest.answer).toContain(' over 2 runs of each: ');
    expect(perRequest.answer).toContain(', from the spread over the runs).');
    for (const a of report.answer) {
      expect(names).not.toContain(a.deployment);
      // a finding about one run answers once for its deployment, saying in how many runs
      if (names.some((n) => a.text.includes(n)))
        expect(a.text).toMatch(/^In [12] of (gunicorn|uvicorn)'s 2 runs \(the figures are run [12]'s\): /);
    }

    // `--baseline` may name the experiment's deployment: its first run is the report's baseline
    const again = cli(['report', out, '--format', 'json', '--baseline', 'uvicorn']);
    expect(again.status).toBe(0);
    const reversed = JSON.parse(again.stdout) as typeof report;
    expect(reversed.baseline).toBe('uvicorn-run1');
    const reversedCpu = reversed.findings.find((f) => f.id === 'cpu-per-request')!;
    expect(reversedCpu.deployment).toBe('gunicorn');
    expect(reversedCpu.values.cpu_seconds_per_1000_requests_runs).toEqual(
      perRequest.values.baseline_cpu_seconds_per_1000_requests_runs,
    );
    expect(reversed.answer[0]!.deployment).toBe('gunicorn');
  });

  it('a port already in use before a start is a clear error', async () => {
    const out = join(tmp.dir, 'port-in-use');
    const port = 18024;
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const r = cli([
        'experiment',
        '--out',
        out,
        '--deployment',
        'a=sleep 30',
        '--ready',
        `http://127.0.0.1:${port}/`,
        '--rate',
        '1',
        '--duration',
        '1s',
      ]);
      expect(r.stderr).toBe(
        `trace-analyze: experiment stopped: a: 127.0.0.1:${port} is already in use before the start ` +
          '(another server, or a leftover one); stop it first; no run completed, so there is no report\n',
      );
      expect(r.status).toBe(1);
      const timeline = readJson<Timeline>(join(out, 'timeline.json'));
      expect(timeline.runs[0]!.events.map((e) => e.event)).toEqual(['failed']); // never started
    } finally {
      blocker.close();
    }
  });

  it('usage errors exit 2 before anything starts', () => {
    const base = ['experiment', '--out', join(tmp.dir, 'usage'), '--ready', 'http://127.0.0.1:18025/'];
    const cases: [string[], string][] = [
      [['--deployment', 'no command'], '--deployment: "no command" is not name=command'],
      [['--deployment', 'a=x', '--deployment', 'a=y', '--load', 'true'], '--deployment: "a" is given twice'],
      [['--deployment', 'a=x'], 'experiment needs a load'],
      [
        ['--deployment', 'a=x', '--load', 'true', '--rate', '5', '--duration', '1s'],
        'experiment needs a load',
      ],
      [
        ['--deployment', 'a=x', '--rate', '5', '--duration', '2s', '--kill-worker-at', '3s'],
        '--kill-worker-at 3s is not within the load',
      ],
      [
        ['--deployment', 'a=x', '--load', 'true', '--runs', '0'],
        '--runs: "0" is not a positive whole number',
      ],
    ];
    for (const [extra, message] of cases) {
      const r = cli([...base, ...extra]);
      expect(r.stderr).toContain(message);
      expect(r.status).toBe(2);
    }
    expect(existsSync(join(tmp.dir, 'usage'))).toBe(false);
  });
});
