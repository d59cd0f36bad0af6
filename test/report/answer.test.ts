import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { ANSWER_MAX, composeAnswer } from '../../src/report/answer.js';
import { SEVERITIES } from '../../src/report/findings.js';
import { cpuFindings } from '../../src/report/findings/cpu.js';
import { lifecycleFindings } from '../../src/report/findings/lifecycle.js';
import { memoryFindings } from '../../src/report/findings/memory.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport, type BuiltReport } from '../../src/report/report.js';
import {
  SUBJECTS,
  type DeploymentSummary,
  type Finding,
  type RankedFinding,
} from '../../src/report/summary.js';
import { TraceDatabase } from '../../src/store/database.js';
import { ratioChangeInterval } from '../../src/models/interval.js';
import { eventMs, killedPid } from '../helpers/capture.js';
import { CAPTURE2, MODES2, event2Ms, mode2, type Mode2 } from '../helpers/capture2.js';
import { CAPTURE, ROOT } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import { deploymentModelReference, expectInterval, referenceChange } from '../helpers/memory-reference.js';
import { ProcfsReference } from '../helpers/procfs-reference.js';
import { wrkSummary } from '../helpers/wrk-reference.js';

const MIB = 1024 * 1024;

/** The numbers a sentence states, with the unit after each (deployment names taken out first). */
function statedNumbers(text: string, names: string[]): { number: string; unit: string }[] {
  let rest = text;
  for (const n of [...names].sort((a, b) => b.length - a.length)) rest = rest.split(n).join(' ');
  // the constants of the sentences: an interval's level, the unit of CPU per request
  rest = rest.split('95 % interval').join(' ').split('per 1000 requests').join(' ');
  return [...rest.matchAll(/([-+]?\d+(?:\.\d+)?)\s*(MiB|%|×|s\b|CPU-seconds)?/g)].map((m) => ({
    number: m[1]!,
    unit: m[2] ?? '',
  }));
}

/** Whether a stated number is one of the values, as the unit shows it (rounded to the digits stated). */
function statesOneOf(stated: { number: string; unit: string }, values: number[]): boolean {
  const digits = stated.number.split('.')[1]?.length ?? 0;
  const shown = (v: number) => Number(v.toFixed(digits));
  const n = Number(stated.number);
  if (stated.unit === 'MiB') return values.some((v) => shown(v / MIB) === n);
  // a change in % is stated as "x % more/less" (its size) or signed ("-37.2 %")
  if (stated.unit === '%') return values.some((v) => shown(v * 100) === n || shown(Math.abs(v) * 100) === n);
  return values.some((v) => shown(v) === n);
}

function finding(over: Partial<RankedFinding> & Pick<RankedFinding, 'id' | 'severity'>): RankedFinding {
  return { deployment: 'b', text: over.id, values: {}, subject: 'cpu', ...over };
}

describe('composeAnswer', () => {
  const deployment = (name: string) => ({ name }) as DeploymentSummary;

  it('with one deployment says there is nothing to compare, citing no finding', () => {
    const a = composeAnswer(
      'solo',
      [deployment('solo')],
      [finding({ id: 'rss-overstates', severity: 'info', answer: 'x' })],
    );
    expect(a).toEqual([
      {
        text: 'The data holds one deployment, solo, and no other to compare it with: this report cannot say whether a process model cost more CPU or memory.',
        finding_ids: [],
        deployment: null,
      },
    ]);
  });

  it('says so when no finding answers', () => {
    const a = composeAnswer(
      'a',
      [deployment('a'), deployment('b'), deployment('c')],
      [finding({ id: 'throttling-in-startup', severity: 'minor' })],
    );
    expect(a.map((s) => s.text)).toEqual([
      'No finding of this report answers whether b or c cost more CPU or memory than the baseline, a.',
    ]);
  });

  it('takes the answers most severe first, the subjects in turn within a severity, at most ANSWER_MAX', () => {
    const ranked = [
      finding({ id: 'c0', severity: 'critical', subject: 'containers', answer: 'c0.' }),
      finding({ id: 'cpu1', severity: 'major', subject: 'cpu', answer: 'cpu1.' }),
      finding({ id: 'cpu2', severity: 'major', subject: 'cpu', answer: 'cpu2.' }),
      finding({ id: 'cpu3', severity: 'major', subject: 'cpu', answer: 'cpu3.' }),
      finding({ id: 'mem1', severity: 'major', subject: 'memory', answer: 'mem1.' }),
      finding({ id: 'life1', severity: 'major', subject: 'lifecycle', answer: 'life1.' }),
      finding({ id: 'silent', severity: 'major', subject: 'memory' }),
      finding({ id: 'info1', severity: 'info', subject: 'memory', answer: 'info1.' }),
    ];
    const a = composeAnswer('a', [deployment('a'), deployment('b')], ranked);
    expect(a.map((s) => s.finding_ids[0])).toEqual(['c0', 'cpu1', 'mem1', 'life1', 'cpu2', 'cpu3']);
    expect(a).toHaveLength(ANSWER_MAX);
    expect(a[1]).toEqual({ text: 'cpu1.', finding_ids: ['cpu1'], deployment: 'b' });
  });
});

describe('composeAnswer: the verdicts of each deployment', () => {
  const deployment = (name: string) => ({ name }) as DeploymentSummary;

  it('puts each compared deployment’s CPU and memory verdicts after the critical findings, whatever their severity, and one sentence per other finding id', () => {
    const ranked = [
      finding({
        id: 'worker-lost',
        severity: 'critical',
        subject: 'lifecycle',
        deployment: 'c',
        answer: 'lost.',
      }),
      finding({ id: 'host-saturated', severity: 'major', subject: 'cpu', deployment: 'b', answer: 'sat b.' }),
      finding({ id: 'host-saturated', severity: 'major', subject: 'cpu', deployment: 'c', answer: 'sat c.' }),
      finding({ id: 'cpu-vs-baseline', severity: 'major', subject: 'cpu', deployment: 'b' }),
      finding({ id: 'cpu-per-request', severity: 'info', subject: 'cpu', deployment: 'b', answer: 'cpu b.' }),
      finding({
        id: 'cpu-vs-baseline',
        severity: 'major',
        subject: 'cpu',
        deployment: 'c',
        answer: 'total c.',
      }),
      finding({
        id: 'memory-per-worker',
        severity: 'info',
        subject: 'memory',
        deployment: 'c',
        answer: 'mem c.',
      }),
      finding({
        id: 'memory-per-worker',
        severity: 'minor',
        subject: 'memory',
        deployment: 'b',
        answer: 'mem b.',
      }),
    ];
    const a = composeAnswer('a', [deployment('a'), deployment('b'), deployment('c')], ranked);
    expect(a.map((s) => s.text)).toEqual(['lost.', 'cpu b.', 'mem b.', 'total c.', 'mem c.', 'sat b.']);
  });
});

/** A file to import, placed at `start` (unix ms) when its format has no clock time (wrk). */
type Input = string | { path: string; start: number };

/** A capture's report built in-process from its files, one deployment per mode. */
function capture(files: (mode: string) => Input[], modes: readonly string[], baseline?: string) {
  const state = { report: undefined as BuiltReport | undefined, db: undefined as TraceDatabase | undefined };
  beforeAll(async () => {
    state.db = await TraceDatabase.open(':memory:');
    for (const mode of modes)
      for (const f of files(mode))
        if (typeof f === 'string') await importPath(state.db, f, { deployment: mode });
        else await importPath(state.db, f.path, { deployment: mode, start: f.start });
    state.report = await buildReport(state.db, {
      format: 'md',
      baseline,
      version: 'test',
      generatedAt: new Date(0),
    });
  }, 300_000);
  afterAll(() => state.db?.close());
  return () => state.report!;
}

/** The Markdown report's Answer section, heading to the next heading. */
function answerSection(md: string): string {
  const from = md.indexOf('## Answer\n');
  expect(from).toBeGreaterThanOrEqual(0);
  const to = md.indexOf('\n## ', from + 1);
  return `${md.slice(from, to).trimEnd()}\n`;
}

const SAMPLE_MODES = ['gunicorn', 'gunicorn-preload', 'uvicorn-spawn'];

describe.each([
  {
    name: 'real-capture-1',
    modes: SAMPLE_MODES,
    // the bundled sample: its folders, in the order `report samples/real-capture-1` imports them
    files: (m: string) => [
      join(ROOT, 'samples/real-capture-1', m, 'raw_samples.json.gz'),
      join(ROOT, 'samples/real-capture-1', m, `procsnap-${m}.tar.gz`),
      join(ROOT, 'samples/real-capture-1', m, 'wrk.txt'),
    ],
    procsnap: (m: string) => join(CAPTURE, 'procsnap', `procsnap-${m}.tar.gz`),
    // wrk.txt has no clock time: imported without --start, its run is placed over the load phase
    wrk: (m: string) => ({
      ...wrkSummary(join(ROOT, 'samples/real-capture-1', m, 'wrk.txt')),
      startMs: null,
    }),
    killed: killedPid,
    term: (m: string) => eventMs(m, 'sigterm_master'),
    baseline: undefined,
  },
  {
    name: 'real-capture-2',
    modes: [...MODES2],
    files: (m: string) => [
      join(CAPTURE2, 'prometheus', m, 'raw_samples.json.gz'),
      join(CAPTURE2, 'procsnap', `procsnap-${m}.tar.gz`),
      // wrk's own run, placed at its start in the capture's timeline
      { path: join(CAPTURE2, 'modes', m, 'wrk.txt'), start: Math.round(event2Ms(m as Mode2, 'load_start')) },
    ],
    procsnap: (m: string) => join(CAPTURE2, 'procsnap', `procsnap-${m}.tar.gz`),
    wrk: (m: string) => ({
      ...wrkSummary(join(CAPTURE2, 'modes', m, 'wrk.txt')),
      startMs: Math.round(event2Ms(m as Mode2, 'load_start')),
    }),
    killed: (m: string) => mode2(m as Mode2).kill.killed_pid,
    term: (m: string) => event2Ms(m as Mode2, 'sigterm_master'),
    baseline: 'gunicorn-recycle',
  },
])('the Answer on $name', ({ name, modes, files, procsnap, wrk, killed, term, baseline }) => {
  const report = capture(files, modes, baseline);

  it('matches its golden files (Markdown section and JSON answer)', () => {
    const { summary } = report();
    golden(`answer-${name}.md`, answerSection(renderMarkdown(report())));
    golden(`answer-${name}.json`, `${JSON.stringify(summary.answer, null, 2)}\n`);
  });

  it('ranks the findings by severity, then CPU before memory before the lifecycle before the containers', () => {
    const { summary } = report();
    const made = (list: Finding[], f: Finding) =>
      list.some((x) => x.id === f.id && x.deployment === f.deployment);
    const cpu = cpuFindings(summary.deployments);
    const memory = memoryFindings(summary.deployments);
    const lifecycle = lifecycleFindings(summary.deployments);
    for (const f of summary.findings)
      expect(f.subject, f.id).toBe(
        made(cpu, f) ? 'cpu' : made(memory, f) ? 'memory' : made(lifecycle, f) ? 'lifecycle' : 'containers',
      );
    const rank = (f: RankedFinding) => [SEVERITIES.indexOf(f.severity), SUBJECTS.indexOf(f.subject)];
    summary.findings.slice(1).forEach((f, i) => {
      const [s0, j0] = rank(summary.findings[i]!);
      const [s1, j1] = rank(f);
      expect(s0! < s1! || (s0 === s1 && j0! <= j1!)).toBe(true);
    });
  });

  it('has three to six sentences, each citing findings of the report', () => {
    const { summary } = report();
    expect(summary.answer.length).toBeGreaterThanOrEqual(3);
    expect(summary.answer.length).toBeLessThanOrEqual(ANSWER_MAX);
    for (const s of summary.answer) {
      expect(s.finding_ids.length, s.text).toBeGreaterThan(0);
      for (const id of s.finding_ids)
        expect(
          summary.findings.some((f) => f.id === id && f.deployment === s.deployment && f.answer === s.text),
        ).toBe(true);
    }
  });

  it('states in each sentence only numbers of the findings it cites', () => {
    const { summary } = report();
    const names = summary.deployments.map((d) => d.name);
    for (const s of summary.answer) {
      const cited = summary.findings.filter(
        (f) => s.finding_ids.includes(f.id) && f.deployment === s.deployment,
      );
      const values = cited.flatMap((f) =>
        Object.values(f.values).filter((v): v is number => typeof v === 'number'),
      );
      const stated = statedNumbers(s.text, names);
      expect(stated.length, s.text).toBeGreaterThan(0);
      for (const n of stated)
        expect(statesOneOf(n, values), `${n.number} ${n.unit} in: ${s.text}`).toBe(true);
    }
  });

  it('cites findings whose figures hold against the raw files, each id with its own check', () => {
    const { summary } = report();
    const byName = new Map(summary.deployments.map((d) => [d.name, d]));
    const base = byName.get(summary.baseline)!;
    const ref = new Map<string, ProcfsReference>();
    const reference = (name: string) => {
      if (!ref.has(name)) ref.set(name, new ProcfsReference(procsnap(name)));
      return ref.get(name)!;
    };
    const cited = summary.findings.filter((f) =>
      summary.answer.some((s) => s.finding_ids.includes(f.id) && s.deployment === f.deployment),
    );
    expect(cited.length).toBeGreaterThan(0);
    const checks: Record<string, (f: Finding, d: DeploymentSummary) => void> = {
      'worker-lost': (f, d) => checkWorkerLost(f, d, reference(d.name), killed(d.name), term(d.name)),
      'cpu-per-request': (f, d) =>
        checkCpuPerRequest(
          f,
          [d, reference(d.name), wrk(d.name)],
          [base, reference(base.name), wrk(base.name)],
        ),
      'memory-per-worker': (f, d) =>
        checkMemoryPerWorker(
          f,
          [d, reference(d.name), term(d.name)],
          [base, reference(base.name), term(base.name)],
        ),
      'host-saturated': (f, d) => checkHostSaturated(f, d, reference(d.name)),
    };
    for (const f of cited) {
      // an id cited without a check here fails: each sentence's figures are checked, none skipped
      expect(Object.keys(checks), `no check against the raw files for the cited finding ${f.id}`).toContain(
        f.id,
      );
      checks[f.id]!(f, byName.get(f.deployment)!);
    }
  });
});

describe('the Answer on real-capture-2: throughput from wrk’s totals', () => {
  const report = capture(
    (m) => [
      join(CAPTURE2, 'prometheus', m, 'raw_samples.json.gz'),
      join(CAPTURE2, 'procsnap', `procsnap-${m}.tar.gz`),
      { path: join(CAPTURE2, 'modes', m, 'wrk.txt'), start: Math.round(event2Ms(m as Mode2, 'load_start')) },
    ],
    [...MODES2],
    'gunicorn-recycle',
  );

  it('says each figure is one run’s total, with no interval, and counts no more than wrk did', () => {
    const { summary } = report();
    const wrkTotal = (m: string) => wrkSummary(join(CAPTURE2, 'modes', m, 'wrk.txt')).requests;
    const sentences = summary.answer.filter((s) => s.finding_ids.includes('cpu-per-request'));
    expect(sentences).toHaveLength(2);
    for (const s of sentences) {
      expect(s.text).toContain(
        "(each from one load-tool run's total, with no per-second series: no interval).",
      );
      const f = summary.findings.find((x) => x.id === 'cpu-per-request' && x.deployment === s.deployment)!;
      expect(f.values).toMatchObject({
        requests_source: 'load-tool',
        baseline_requests_source: 'load-tool',
        throughput_interval_low: null,
        throughput_interval_high: null,
      });
      // the load phase's share of the run's count: the whole run when the phase holds it, else less
      for (const [m, requests] of [
        [s.deployment!, f.values.requests],
        [summary.baseline, f.values.baseline_requests],
      ] as const) {
        expect(requests as number).toBeLessThanOrEqual(wrkTotal(m));
        expect(requests as number).toBeGreaterThan(0.95 * wrkTotal(m));
      }
    }
  });
});

describe('the Answer on one deployment', () => {
  const report = capture(
    (m) => [
      join(ROOT, 'samples/real-capture-1', m, 'raw_samples.json.gz'),
      join(ROOT, 'samples/real-capture-1', m, `procsnap-${m}.tar.gz`),
      join(ROOT, 'samples/real-capture-1', m, 'wrk.txt'),
    ],
    ['uvicorn-spawn'],
  );

  it('says there is nothing to compare, in the JSON and the Markdown', () => {
    const { summary } = report();
    const text =
      'The data holds one deployment, uvicorn-spawn, and no other to compare it with: this report cannot say whether a process model cost more CPU or memory.';
    expect(summary.answer).toEqual([{ text, finding_ids: [], deployment: null }]);
    expect(answerSection(renderMarkdown(report()))).toContain(`- ${text}\n`);
  });
});

type WrkRun = ReturnType<typeof wrkSummary> & { startMs: number | null };

/** Relative closeness, with the reason for `rel` given where it is used. */
function near(actual: unknown, expected: number, rel: number, what: string): void {
  expect(typeof actual, what).toBe('number');
  expect(Math.abs((actual as number) - expected), what).toBeLessThanOrEqual(rel * Math.abs(expected));
}

/**
 * worker-lost against the /proc snapshots: the SIGKILLed worker of the capture's own record, no
 * worker started after its last live snapshot before the stop (never replaced), the pool's size
 * before it and at the stop, and the time short from its last live snapshot to the stop's first
 * worker exit — the same snapshots the report reads, so to the millisecond.
 */
function checkWorkerLost(
  f: Finding,
  d: DeploymentSummary,
  r: ProcfsReference,
  killed: number,
  termMs: number,
): void {
  const v = f.values;
  const w = r.byPid(killed);
  expect(v.pids).toBe(String(killed));
  expect(d.lifecycle.lost.map((e) => [e.pid, e.at, e.replaced])).toEqual([[killed, v.at, null]]);
  expect(v.workers_lost).toBe(1);
  expect((v.at as number) * 1000).toBe(w.lastAliveMs);
  expect(r.workers().filter((x) => x.startMs > w.lastAliveMs! && x.startMs < termMs)).toEqual([]);
  const snaps = r.perSnapshot();
  expect(v.workers).toBe(snaps.filter((s) => s.ms <= w.lastAliveMs!).at(-1)!.workersAlive);
  expect(v.workers_at_stop).toBe(snaps.filter((s) => s.ms < termMs).at(-1)!.workersAlive);
  expect(v.workers_at_stop).toBe((v.workers as number) - 1);
  // the stop: the first final worker's last snapshot (the last before the SIGTERM may be 1 s earlier)
  const stop = Math.min(
    ...r
      .workers()
      .filter((x) => (x.lastAliveMs ?? 0) >= termMs - 1500)
      .map((x) => x.lastAliveMs!),
  );
  expect(Math.abs((v.fewest_workers_seconds as number) - (stop - w.lastAliveMs!) / 1000)).toBeLessThanOrEqual(
    0.001,
  );
  expect(v.short_seconds).toBe(v.fewest_workers_seconds);
}

/**
 * cpu-per-request against wrk's summary and the /proc snapshots: each phase's requests are wrk's
 * count spread evenly over its run (placed at its start, else over the deployment's load phase,
 * as the importer is told), its CPU the reference's over the phase. The change and its interval
 * are drawn again here from those per-second figures.
 */
function checkCpuPerRequest(
  f: Finding,
  [d, r, run]: [DeploymentSummary, ProcfsReference, WrkRun],
  [b, rb, runB]: [DeploymentSummary, ProcfsReference, WrkRun],
): void {
  const v = f.values;
  const figures = (
    x: DeploymentSummary,
    xr: ProcfsReference,
    xrun: WrkRun,
    startS: unknown,
    seconds: unknown,
  ) => {
    const a = (startS as number) * 1000;
    const end = a + (seconds as number) * 1000;
    const load = x.phases.find((p) => p.name === 'load')!;
    const [ra, rbEnd] =
      xrun.startMs === null
        ? [load.start * 1000, load.end * 1000]
        : [xrun.startMs, xrun.startMs + xrun.seconds * 1000];
    const requestsIn = (t0: number, t1: number) =>
      (xrun.requests * Math.max(0, Math.min(t1, rbEnd) - Math.max(t0, ra))) / (rbEnd - ra);
    // the phase's whole seconds: the values its interval resamples
    const cpu: number[] = [];
    const requests: number[] = [];
    for (let t = a; t + 1000 <= end + 1e-6; t += 1000) {
      cpu.push(xr.cpuSeconds(t, t + 1000));
      requests.push(requestsIn(t, t + 1000));
    }
    return {
      requests: requestsIn(a, end),
      cpu: xr.cpuSeconds(a, end),
      series: { numerator: cpu, denominator: requests },
    };
  };
  // the figures are those of the deployments' phases in the JSON
  for (const [x, start, seconds] of [
    [d, v.phase_start, v.phase_seconds],
    [b, v.baseline_phase_start, v.baseline_phase_seconds],
  ] as const) {
    const p = x.phases.find((q) => q.start === start)!;
    expect([p.name, p.seconds], x.name).toEqual([v.phase, seconds]);
  }
  const p = d.phases.find((q) => q.start === v.phase_start)!;
  expect(v.requests).toBe(p.requests);
  expect(v.cpu_seconds_per_1000_requests).toBeCloseTo(1000 * p.cpu_seconds_per_request!, 9);
  const mine = figures(d, r, run, v.phase_start, v.phase_seconds);
  const theirs = figures(b, rb, runB, v.baseline_phase_start, v.baseline_phase_seconds);
  // the requests: wrk's count and the phases' edges, so to a request
  expect(Math.abs((v.requests as number) - mine.requests), `${d.name} requests`).toBeLessThanOrEqual(1);
  expect(
    Math.abs((v.baseline_requests as number) - theirs.requests),
    `${b.name} requests`,
  ).toBeLessThanOrEqual(1);
  // the CPU: within 3 %, as report-reference.test.ts holds each phase's CPU against the same reference
  near(v.cpu_seconds_per_1000_requests, (1000 * mine.cpu) / mine.requests, 0.03, `${d.name} CPU per request`);
  near(
    v.baseline_cpu_seconds_per_1000_requests,
    (1000 * theirs.cpu) / theirs.requests,
    0.03,
    `${b.name} CPU per request`,
  );
  // the change, within the two 3 % each side: 6 % of the ratio
  const change = mine.cpu / mine.requests / (theirs.cpu / theirs.requests) - 1;
  near(1 + (v.relative_change as number), 1 + change, 0.06, 'change of CPU per request');
  const i = ratioChangeInterval(theirs.series, mine.series)!;
  expectInterval(
    v.interval_low,
    v.interval_high,
    (v.interval_low as number) > 0 || (v.interval_high as number) < 0,
    { low: change - (i.change - i.low), high: change + (i.high - i.change), measurable: i.measurable },
    'CPU per request interval',
  );
}

/**
 * memory-per-worker against the memory model computed from the /proc snapshots
 * (memory-reference.ts) over the same load phases: the pools' PSS when they ran as many workers,
 * else each worker's private memory; medians within 1 % (as memory.test.ts: the report's moments
 * are its grid's buckets, the reference's the snapshots), the interval as memory.test.ts holds it.
 */
function checkMemoryPerWorker(
  f: Finding,
  [d, r, term]: [DeploymentSummary, ProcfsReference, number],
  [b, rb, termB]: [DeploymentSummary, ProcfsReference, number],
): void {
  const v = f.values;
  expect(v.phase).toBe('load');
  expect([v.pss_bytes, v.baseline_pss_bytes]).toEqual([
    d.memory.load_model!.pss_bytes,
    b.memory.load_model!.pss_bytes,
  ]);
  const dm = deploymentModelReference(r, d, 'load', term);
  const bm = deploymentModelReference(rb, b, 'load', termB);
  expect([v.workers_alive, v.baseline_workers_alive]).toEqual([dm.workersAlive, bm.workersAlive]);
  // the pools compared whole when they ran as many workers, none short of its size; else per worker
  const whole =
    dm.workersAlive === bm.workersAlive && dm.workersAlive >= d.workers && bm.workersAlive >= b.workers;
  expect(v.basis).toBe(whole ? 'pool' : 'per_live_worker');
  const pool = v.basis === 'pool';
  near(v.value_bytes, pool ? dm.pssBytes : dm.privateBytes, 0.01, `${d.name} value`);
  near(v.baseline_value_bytes, pool ? bm.pssBytes : bm.privateBytes, 0.01, `${b.name} value`);
  near(v.private_bytes_per_worker, dm.privateBytes, 0.01, `${d.name} private per worker`);
  near(v.baseline_private_bytes_per_worker, bm.privateBytes, 0.01, `${b.name} private per worker`);
  const c = pool
    ? referenceChange(bm.pssSeries, dm.pssSeries)
    : referenceChange(bm.privateSeries, dm.privateSeries);
  expect(Math.abs((v.relative_change as number) - c.change)).toBeLessThanOrEqual(0.02);
  expectInterval(v.interval_low, v.interval_high, v.measurable === 'yes', c, `${d.name} memory change`);
  // the shares of the workers' resident pages at the load and before it (the reason the Answer
  // gives), to the percentage point the sentences state
  const before = [
    deploymentModelReference(r, d, 'before', term),
    deploymentModelReference(rb, b, 'before', termB),
  ];
  const shares: [unknown, number][] = [
    [v.worker_shared_fraction, dm.workerSharedFraction],
    [v.baseline_worker_shared_fraction, bm.workerSharedFraction],
    [v.worker_shared_fraction_before_load, before[0]!.workerSharedFraction],
    [v.baseline_worker_shared_fraction_before_load, before[1]!.workerSharedFraction],
  ];
  for (const [actual, expected] of shares)
    expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(0.01);
}

/**
 * host-saturated against the snapshots' own /proc/stat: the phases in which the host had under
 * 5 % of its cores idle on average (the rule the finding states), its CPUs, and the most idle of
 * those phases to half the last digit the sentence prints (0.005 cores).
 */
function checkHostSaturated(f: Finding, d: DeploymentSummary, r: ProcfsReference): void {
  const v = f.values;
  const idle = d.phases.map((p) => r.hostIdle(p.start * 1000, p.end * 1000)!);
  const saturated = d.phases.filter((_, i) => idle[i]!.idleCores < 0.05 * idle[i]!.cores);
  expect(v.phases).toBe(saturated.map((p) => p.name).join(', '));
  expect(d.phases.filter((p) => p.saturated)).toEqual(saturated);
  // the Answer says so of the load
  expect(saturated.map((p) => p.name)).toContain('load');
  expect(v.host_cores).toBe(idle[0]!.cores);
  const most = Math.max(...idle.filter((x) => x.idleCores < 0.05 * x.cores).map((x) => x.idleCores));
  expect(Math.abs((v.host_idle_cores_max as number) - most)).toBeLessThanOrEqual(0.005);
}
