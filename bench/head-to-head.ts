/**
 * The PromQL head-to-head of `npm run bench`: the same queries over the same samples, asked of
 * Debian's Prometheus through its HTTP API (bench/prometheus.ts) and of `trace-analyze promql`,
 * each side's wall time including its start-up, and the two answers compared value by value
 * (bench/answers.ts). A query our planner refuses as unsupported is reported as such, not
 * skipped silently, so it shows up once the language supports it.
 */
import { fileURLToPath } from 'node:url';
import { compareAnswers, type Comparison } from './answers.js';
import { measure, type Measurement } from './measure.js';
import { askPrometheus, prometheusVersion } from './prometheus.js';

const CPU = 'namedprocess_namegroup_cpu_seconds_total';
const MEMORY = 'namedprocess_namegroup_memory_bytes';

/** The queries, each asked as a range query over the whole input and as an instant query at its end. */
export const HEAD_TO_HEAD_QUERIES: { name: string; query: string }[] = [
  { name: 'sum rate', query: `sum(rate(${CPU}[1m]))` },
  { name: 'sum by groupname rate', query: `sum by (groupname) (rate(${CPU}[1m]))` },
  { name: 'sum by mode increase', query: `sum by (mode) (increase(${CPU}[5m]))` },
  { name: 'topk rate', query: `topk(5, rate(${CPU}[1m]))` },
  { name: 'max_over_time', query: `max_over_time(${MEMORY}{memtype="resident"}[5m])` },
  { name: 'selector', query: `${MEMORY}{memtype="resident"}` },
  {
    name: 'label_replace pool sum',
    query: `sum by (app) (label_replace(rate(${CPU}[1m]), "app", "$1", "groupname", "([^:]*):.*"))`,
  },
];

export type Kind = 'range' | 'instant';

export interface HeadToHeadRow {
  name: string;
  query: string;
  kind: Kind;
  /** 'unsupported here': our planner refused it (exit 2, "unsupported PromQL"); 'failed': ours exited otherwise. */
  status: 'compared' | 'unsupported here' | 'failed';
  /** Why, when not compared: our first line of stderr. */
  note?: string;
  /** Prometheus, the run with the median wall time: start-up to /-/ready and the HTTP query. */
  prometheus?: { startupMs: number; queryMs: number; wallMs: number; cpuMs: number; peakRssBytes: number };
  /** Ours, the run with the median wall time (a fresh `trace-analyze promql` process). */
  ours?: Measurement;
  comparison?: Comparison;
}

export interface HeadToHeadOptions {
  /** Our database (the bench's import) and Prometheus' TSDB with the same samples. */
  db: string;
  blocks: string;
  workDir: string;
  /** Range queries: start and end (unix s), step (e.g. "60s"); instant queries at the end. */
  startS: number;
  endS: number;
  step: string;
  runs: number;
  queries?: { name: string; query: string }[];
  kinds?: Kind[];
  log: (line: string) => void;
}

/** --semantics matching the installed Prometheus (its --version line). */
export function semanticsFor(version: string): string {
  const m = /version (\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`cannot read the Prometheus version from "${version}"`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major >= 3) return 'prometheus-3';
  return minor >= 51 ? 'prometheus-2.51' : 'prometheus-2.42';
}

const CLI = fileURLToPath(new URL('../bin/trace-analyze.js', import.meta.url));

function median<T>(items: T[], wall: (t: T) => number): T {
  return [...items].sort((a, b) => wall(a) - wall(b))[Math.floor((items.length - 1) / 2)]!;
}

export async function runHeadToHead(options: HeadToHeadOptions): Promise<HeadToHeadRow[]> {
  const { log } = options;
  const semantics = semanticsFor(prometheusVersion());
  const rows: HeadToHeadRow[] = [];
  for (const { name, query } of options.queries ?? HEAD_TO_HEAD_QUERIES) {
    for (const kind of options.kinds ?? (['range', 'instant'] as const)) {
      log(`head-to-head: ${name} (${kind})`);
      const times =
        kind === 'range'
          ? ['--start', String(options.startS), '--end', String(options.endS), '--step', options.step]
          : ['--time', String(options.endS)];
      const ours: Measurement[] = [];
      for (let i = 0; i < options.runs; i++) {
        const m = await measure(process.execPath, [
          CLI,
          'promql',
          query,
          '--db',
          options.db,
          ...times,
          '--semantics',
          semantics,
        ]);
        ours.push(m);
        if (m.exitCode !== 0) break;
      }
      const last = ours.at(-1)!;
      if (last.exitCode !== 0) {
        const note = last.stderr.trim().split('\n')[0] ?? '';
        const unsupported = last.exitCode === 2 && /unsupported PromQL/.test(note);
        rows.push({ name, query, kind, status: unsupported ? 'unsupported here' : 'failed', note });
        continue;
      }
      const params = new URLSearchParams(
        kind === 'range'
          ? { query, start: String(options.startS), end: String(options.endS), step: options.step }
          : { query, time: String(options.endS) },
      );
      const path = `/api/v1/${kind === 'range' ? 'query_range' : 'query'}?${params}`;
      const theirs: NonNullable<HeadToHeadRow['prometheus']>[] = [];
      let body = '';
      for (let i = 0; i < options.runs; i++) {
        const run = await askPrometheus(options.blocks, options.workDir, [path]);
        const answer = run.answers[0]!;
        body = answer.body;
        theirs.push({
          startupMs: run.startupMs,
          queryMs: answer.queryMs,
          wallMs: run.startupMs + answer.queryMs,
          cpuMs: run.cpuMs,
          peakRssBytes: run.peakRssBytes,
        });
      }
      const mine = median(ours, (m) => m.wallMs);
      rows.push({
        name,
        query,
        kind,
        status: 'compared',
        prometheus: median(theirs, (p) => p.wallMs),
        ours: mine,
        comparison: compareAnswers(mine.stdout, body),
      });
    }
  }
  return rows;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/**
 * One line per query and kind: both sides' wall and CPU times, ours : Prometheus for each, our
 * peak memory, and whether the answers agree.
 */
export function renderHeadToHead(rows: HeadToHeadRow[], version: string): string {
  const header = [
    'query',
    'kind',
    'Prometheus: start + query = wall',
    'cpu',
    'ours: wall',
    'cpu',
    'peak RSS',
    'ours : Prometheus wall',
    'cpu',
    'answers',
  ];
  const cells = rows.map((r) => {
    if (r.status !== 'compared') return [r.name, r.kind, '-', '-', '-', '-', '-', '-', '-', r.status];
    const p = r.prometheus!;
    const o = r.ours!;
    const c = r.comparison!;
    return [
      r.name,
      r.kind,
      `${seconds(p.startupMs)} + ${seconds(p.queryMs)} = ${seconds(p.wallMs)}`,
      seconds(p.cpuMs),
      seconds(o.wallMs),
      o.cpuMs === null ? '-' : seconds(o.cpuMs),
      mib(o.peakRssBytes),
      (o.wallMs / p.wallMs).toFixed(2),
      o.cpuMs === null ? '-' : (o.cpuMs / p.cpuMs).toFixed(2),
      c.difference ? `DIFFER: ${c.difference}` : `equal (${c.series} series, ${c.points} points)`,
    ];
  });
  const all = [header, ...cells];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const table = all
    .map((r) =>
      r.map((cell, c) => (c < 2 || c === 9 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .map((line) => line.trimEnd())
    .join('\n');
  const queries = [...new Map(rows.map((r) => [r.name, r.query])).entries()]
    .map(([name, query]) => `  ${name}: ${query}`)
    .join('\n');
  return `PromQL head-to-head against ${version}\n${table}\n${queries}`;
}
