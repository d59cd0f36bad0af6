import { readFileSync } from 'node:fs';
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
import { CAPTURE2, MODES2, event2Ms, type Mode2 } from '../helpers/capture2.js';
import { CAPTURE, ROOT } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import { ProcfsReference } from '../helpers/procfs-reference.js';

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
    baseline: 'gunicorn-recycle',
  },
])('the Answer on $name', ({ name, modes, files, procsnap, baseline }) => {
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

  it('cites values that are the JSON fields of the deployments, checked against the raw /proc files', () => {
    const { summary } = report();
    const byName = new Map(summary.deployments.map((d) => [d.name, d]));
    const base = byName.get(summary.baseline)!;
    const within = (actual: unknown, expected: number | null, what: string) => {
      expect(typeof actual, what).toBe('number');
      expect(expected, what).not.toBeNull();
      expect(Math.abs((actual as number) - expected!), what).toBeLessThanOrEqual(0.03 * Math.abs(expected!));
    };
    const ref = new Map<string, ProcfsReference>();
    const reference = (d: DeploymentSummary) => {
      if (!ref.has(d.name)) ref.set(d.name, new ProcfsReference(procsnap(d.name)));
      return ref.get(d.name)!;
    };
    const cited = summary.findings.filter((f) =>
      summary.answer.some((s) => s.finding_ids.includes(f.id) && s.deployment === f.deployment),
    );
    expect(cited.length).toBeGreaterThan(0);
    for (const f of cited) {
      const d = byName.get(f.deployment)!;
      const v = f.values;
      if (f.id === 'cpu-vs-baseline') {
        expect(v.cpu_seconds).toBe(d.cpu.seconds);
        expect(v.baseline_cpu_seconds).toBe(base.cpu.seconds);
        expect(v.window_seconds).toBe(d.duration_seconds);
        for (const [x, cpu] of [
          [d, v.cpu_seconds],
          [base, v.baseline_cpu_seconds],
        ] as const)
          within(cpu, reference(x).cpuSeconds(x.start * 1000, x.end * 1000), `${x.name} window CPU`);
      } else if (f.id === 'pss-vs-baseline') {
        expect(v.steady_pss_bytes).toBe(d.memory.pss_bytes);
        expect(v.pss_bytes_per_worker).toBe(d.memory.per_worker.pss_bytes);
        expect(v.baseline_pss_bytes_per_worker).toBe(base.memory.per_worker.pss_bytes);
        for (const [x, pss, uss, workers] of [
          [d, v.steady_pss_bytes, v.steady_uss_bytes, v.workers_alive],
          [base, v.baseline_steady_pss_bytes, v.baseline_steady_uss_bytes, v.baseline_workers_alive],
        ] as const) {
          const w = reference(x).window(x.steady.start * 1000, x.steady.end * 1000);
          within(pss, w.pss.median, `${x.name} steady PSS median`);
          within(uss, w.uss.median, `${x.name} steady USS median`);
          expect(workers, `${x.name} workers alive`).toBe(w.workersAlive.median);
        }
      } else if (f.id === 'rss-overstates') {
        expect(v.rss_over_pss).toBe(d.memory.rss_over_pss);
        const w = reference(d).window(d.steady.start * 1000, d.steady.end * 1000);
        within(v.pss_bytes, w.pss.peak, `${d.name} PSS peak`);
      }
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
    // wrk's own summary line, read here: "2284 requests in 30.12s"
    const wrkTotal = (m: string) =>
      Number(/(\d+) requests in/.exec(readFileSync(join(CAPTURE2, 'modes', m, 'wrk.txt'), 'utf8'))![1]);
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
