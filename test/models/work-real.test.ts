import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolParameters, type PhaseSpec } from '../../src/cli/pool-options.js';
import { importPath } from '../../src/importers/index.js';
import { buildPoolReport } from '../../src/models/pool-report.js';
import type { DeploymentReport, PhaseReport } from '../../src/models/pool-types.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE2, event2Ms, reference2 } from '../helpers/capture2.js';
import { FIXTURES } from '../helpers/cli.js';
import { ProcfsReference, readRecording } from '../helpers/procfs-reference.js';
import { promNumber, readPromBody, type PromSeries } from '../helpers/prom.js';
import { wrkPercentile, wrkSummary } from '../helpers/wrk-reference.js';

// The work done per phase, checked against the raw files read here: the app's own request
// counters and duration histogram (Prometheus' raw samples, and the /metrics bodies the capture
// saved), wrk's output, /proc/stat and the /proc reference's CPU — never the models' SQL.

const CAPTURE3 = join(FIXTURES, 'real-capture-3');
const MODES3 = ['gunicorn', 'uvicorn'] as const;
type Mode3 = (typeof MODES3)[number];

const timeline3 = JSON.parse(readFileSync(join(CAPTURE3, 'timeline.json'), 'utf8')) as {
  modes: Record<Mode3, { events: { event: string; t: number }[] }>;
};
const event3Ms = (mode: Mode3, name: string) =>
  timeline3.modes[mode].events.find((e) => e.event === name)!.t * 1000;
const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** The app's series of one metric in Prometheus' raw export. */
function appSeries(mode: Mode3, metric: string): PromSeries[] {
  const body = readPromBody(join(CAPTURE3, 'prometheus', mode, 'raw_samples.json.gz'));
  return (body.result as PromSeries[]).filter((s) => s.metric.__name__ === metric);
}

/** Σ over series of the value at scrape time t (s); a series not yet exported counts 0 (created at its first request). */
function sumAt(series: PromSeries[], t: number): number {
  let total = 0;
  for (const s of series) {
    const v = s.values!.filter(([ts]) => ts <= t);
    if (v.length) total += promNumber(v[v.length - 1]![1]);
  }
  return total;
}

/** The scrape times of the app (every series is scraped at once). */
function scrapeTimes(mode: Mode3): number[] {
  return appSeries(mode, 'up')[0]!.values!.map(([t]) => t);
}

const wrkRequests = (path: string) => wrkSummary(path).requests;

/** A textbook histogram quantile: linear inside the first bucket whose cumulative count reaches q·total. */
function quantileOf(bounds: [number, number][], q: number): number {
  const total = bounds[bounds.length - 1]![1];
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    const [le, count] = bounds[i]!;
    if (count >= rank) {
      if (le === Infinity) return bounds[i - 1]![0];
      const [prevLe, prevCount] = i > 0 ? bounds[i - 1]! : [0, 0];
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
  }
  throw new Error('no bucket');
}

/** Bucket counts summed over the app's series between two scrape times. */
function bucketsBetween(mode: Mode3, a: number, b: number): [number, number][] {
  const series = appSeries(mode, 'http_request_duration_seconds_bucket');
  const les = [...new Set(series.map((s) => s.metric.le!))];
  return les
    .map((le): [number, number] => {
      const of = series.filter((s) => s.metric.le === le);
      return [le === '+Inf' ? Infinity : Number(le), sumAt(of, b) - sumAt(of, a)];
    })
    .sort((x, y) => x[0] - y[0]);
}

/** Host idle cores over [a, b] (ms, snapshot times) from the snapshots' own /proc/stat cpuN lines. */
function idleCores(mode: Mode3, a: number, b: number): { idle: number; cores: number } {
  const host = new ProcfsReference(join(CAPTURE3, 'procsnap', `procsnap-${mode}.tar.gz`)).hostIdle(a, b)!;
  return { idle: host.idleCores, cores: host.cores };
}

function snapshotTimes(mode: Mode3): number[] {
  const out = new Set<number>();
  for (const name of readRecording(join(CAPTURE3, 'procsnap', `procsnap-${mode}.tar.gz`)).keys()) {
    const m = /^[^/]+\/(\d+)\//.exec(name);
    if (m) out.add(Number(m[1]));
  }
  return [...out].sort((x, y) => x - y);
}

const near = (actual: number | null, expected: number, rel: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
};

async function report(db: TraceDatabase, phases: PhaseSpec[] = [], baseline?: string) {
  const r = await buildPoolReport(db, { baseline, parameters: poolParameters({ phases }) });
  return (name: string) => r.deployments.find((d) => d.name === name)! as DeploymentReport;
}

const phase = (deployment: string, name: string, a: number, b: number): PhaseSpec => ({
  deployment,
  name,
  start: iso(a),
  end: iso(b),
  text: `${deployment}/${name}`,
});

describe('requests from the app counters (real-capture-3: prometheus_client under gunicorn and uvicorn)', () => {
  let db: TraceDatabase;
  beforeAll(async () => {
    db = await TraceDatabase.open(':memory:');
    for (const mode of MODES3) {
      for (const file of [
        join(CAPTURE3, 'prometheus', mode, 'raw_samples.json.gz'),
        join(CAPTURE3, 'procsnap', `procsnap-${mode}.tar.gz`),
        join(CAPTURE3, 'modes', mode, 'wrk.txt'),
      ])
        await importPath(db, file, { deployment: mode, format: 'auto' });
    }
  }, 120_000);
  afterAll(() => db.close());

  it('counts exactly the counters’ increase between two scrapes, CPU per request as /proc says', async () => {
    const specs = MODES3.map((mode) => {
      const t = scrapeTimes(mode);
      const a = t.find((x) => x * 1000 >= event3Ms(mode, 'load_start'))!;
      const b = t.filter((x) => x * 1000 <= event3Ms(mode, 'load_end')).at(-1)!;
      return { mode, a, b };
    });
    const get = await report(
      db,
      specs.map((s) => phase(s.mode, 'load', s.a * 1000, s.b * 1000)),
    );
    for (const { mode, a, b } of specs) {
      const counters = appSeries(mode, 'http_requests_total');
      const expected = sumAt(counters, b) - sumAt(counters, a);
      const p = get(mode).phases[0]!;
      expect(p.requests_source).toBe('prometheus_client');
      expect(p.requests).toBeCloseTo(expected, 6);
      near(p.requests_per_second, expected / (b - a), 1e-7);
      const cpu = new ProcfsReference(join(CAPTURE3, 'procsnap', `procsnap-${mode}.tar.gz`)).cpuSeconds(
        a * 1000,
        b * 1000,
      );
      near(p.cpu_seconds_per_request, cpu / expected, 0.01);
      const buckets = bucketsBetween(mode, a, b);
      expect(p.latency_seconds.p50).toBeCloseTo(quantileOf(buckets, 0.5), 9);
      expect(p.latency_seconds.p99).toBeCloseTo(quantileOf(buckets, 0.99), 9);
    }
  });

  it('agrees with wrk and the app’s own /metrics over the load', async () => {
    const get = await report(
      db,
      MODES3.map((m) => phase(m, 'load', event3Ms(m, 'load_start'), event3Ms(m, 'load_end'))),
    );
    for (const mode of MODES3) {
      const own = (file: string) =>
        [
          ...readFileSync(join(CAPTURE3, 'modes', mode, file), 'utf8').matchAll(
            /^http_requests_total\{[^}]*\} (\S+)$/gm,
          ),
        ]
          .map((m) => Number(m[1]))
          .reduce((s, x) => s + x, 0);
      const served = own('metrics-after-load.txt') - own('metrics-before-load.txt');
      const p = get(mode).phases[0]!;
      // the counters are scraped once a second and an increase is spread over its interval:
      // at each edge of the load up to a second's requests land on the wrong side
      near(p.requests, served, 0.05);
      near(p.requests, wrkRequests(join(CAPTURE3, 'modes', mode, 'wrk.txt')), 0.05);
    }
  });

  it('counts the app’s requests once (the counter, not also the histogram or wrk)', async () => {
    const get = await report(db);
    for (const mode of MODES3) {
      const d = get(mode);
      const total = d.phases.reduce((s, p) => s + (p.requests ?? 0), 0);
      const counters = appSeries(mode, 'http_requests_total');
      const last = Math.max(...counters.flatMap((s) => s.values!.map(([t]) => t)));
      // every request the app counted, but those before the first phase (the readiness probe)
      expect(total).toBeLessThanOrEqual(sumAt(counters, last) + 1e-6);
      expect(total).toBeGreaterThanOrEqual(sumAt(counters, last) - 2);
    }
  });

  it('says the host was saturated where /proc/stat shows no idle CPU, and compares per request', async () => {
    const specs = MODES3.map((mode) => {
      const t = snapshotTimes(mode);
      return {
        mode,
        a: t.find((x) => x >= event3Ms(mode, 'load_start'))!,
        b: t.filter((x) => x <= event3Ms(mode, 'load_end')).at(-1)!,
      };
    });
    const get = await report(
      db,
      specs.map((s) => phase(s.mode, 'load', s.a, s.b)),
    );
    for (const { mode, a, b } of specs) {
      const ref = idleCores(mode, a, b);
      const p: PhaseReport = get(mode).phases[0]!;
      expect(p.host.cores).toBe(ref.cores);
      expect(p.host.idle_cores).toBeCloseTo(ref.idle, 6);
      expect(p.saturated).toBe(ref.idle < 0.05 * ref.cores);
      expect(get(mode).quality.some((q) => q.check === 'host_saturated')).toBe(p.saturated);
    }
    // this capture ran on a machine shared with other jobs: no core stayed idle under load
    expect(specs.every((s) => get(s.mode).phases[0]!.saturated)).toBe(true);
    const vs = get('uvicorn').phases[0]!.vs_baseline!;
    const base = get('gunicorn').phases[0]!;
    const mine = get('uvicorn').phases[0]!;
    expect(vs.cpu_seconds_per_request!.change).toBeCloseTo(
      mine.cpu_seconds_per_request! / base.cpu_seconds_per_request! - 1,
      12,
    );
    expect(vs.cpu_seconds_per_request!.low).toBeLessThanOrEqual(vs.cpu_seconds_per_request!.change);
    expect(vs.cpu_seconds_per_request!.high).toBeGreaterThanOrEqual(vs.cpu_seconds_per_request!.change);
  });
});

describe('requests from a wrk summary (real-capture-2)', () => {
  const MODE = 'gunicorn-recycle';
  const WRK = join(CAPTURE2, 'modes', MODE, 'wrk.txt');
  let placed: TraceDatabase;
  let unplaced: TraceDatabase;
  beforeAll(async () => {
    placed = await TraceDatabase.open(':memory:');
    unplaced = await TraceDatabase.open(':memory:');
    for (const db of [placed, unplaced])
      await importPath(db, join(CAPTURE2, 'procsnap', `procsnap-${MODE}.tar.gz`), {
        deployment: MODE,
        format: 'auto',
      });
    await importPath(placed, WRK, {
      deployment: MODE,
      format: 'auto',
      start: Math.round(event2Ms(MODE, 'load_start')),
    });
    await importPath(unplaced, WRK, { deployment: MODE, format: 'auto' });
  }, 120_000);
  afterAll(() => {
    placed.close();
    unplaced.close();
  });

  it('--start places the run: all of wrk’s requests in the load, CPU per request as /proc says', async () => {
    const a = event2Ms(MODE, 'load_start');
    const b = event2Ms(MODE, 'load_end');
    const get = await report(placed, [phase(MODE, 'load', a, b), phase(MODE, 'idle', a - 10_000, a)]);
    const load = get(MODE).phases.find((p) => p.name === 'load')!;
    const idle = get(MODE).phases.find((p) => p.name === 'idle')!;
    const n = wrkRequests(WRK);
    expect(load.requests).toBeCloseTo(n, 6);
    expect(load.requests_source).toBe('load-tool');
    expect(load.requests_attributed).toBe(false);
    expect(idle.requests).toBeCloseTo(0, 9);
    near(load.cpu_seconds_per_request, reference2(MODE).cpuSeconds(a, b) / n, 0.01);
    // wrk ran without --latency: no p50 or p99 in its output
    expect(load.latency_seconds).toEqual({ p50: null, p99: null });
  });

  it('without a clock time the run counts in the detected load phase, with a note', async () => {
    const get = await report(unplaced);
    const loads = get(MODE).phases.filter((p) => p.name === 'load');
    expect(loads.length).toBeGreaterThan(0);
    const n = wrkRequests(WRK);
    expect(loads.reduce((s, p) => s + p.requests!, 0)).toBeCloseTo(n, 6);
    expect(loads.every((p) => p.requests_attributed)).toBe(true);
    for (const p of get(MODE).phases.filter((x) => x.name !== 'load')) expect(p.requests).toBeNull();
    const note = get(MODE).quality.find((q) => q.check === 'requests_attributed')!;
    expect(note.message).toContain(`its ${n} requests are attributed to the load phase`);
  });
});

describe('load tool latency quantiles', () => {
  it('gives a wrk --latency run’s p50 and p99 to the phase it ran in', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const mode: Mode3 = 'gunicorn';
      const wrk = join(CAPTURE3, 'modes', mode, 'wrk.txt');
      await importPath(db, join(CAPTURE3, 'procsnap', `procsnap-${mode}.tar.gz`), {
        deployment: mode,
        format: 'auto',
      });
      await importPath(db, wrk, {
        deployment: mode,
        format: 'auto',
        start: Math.round(event3Ms(mode, 'load_start')),
      });
      const a = event3Ms(mode, 'load_start');
      const get = await report(db, [phase(mode, 'load', a, event3Ms(mode, 'load_end'))]);
      const p = get(mode).phases[0]!;
      expect(p.requests).toBeCloseTo(wrkRequests(wrk), 6);
      expect(p.latency_seconds.p50).toBeCloseTo(wrkPercentile(wrk, '50'), 9);
      expect(p.latency_seconds.p99).toBeCloseTo(wrkPercentile(wrk, '99'), 9);
    } finally {
      db.close();
    }
  });
});

describe('each phase against the baseline’s (real-capture-2)', () => {
  it('matches the phases that served requests, even after a startup taken for load', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      for (const mode of ['gunicorn-preload', 'uvicorn-spawn'] as const) {
        await importPath(db, join(CAPTURE2, 'procsnap', `procsnap-${mode}.tar.gz`), {
          deployment: mode,
          format: 'auto',
        });
        await importPath(db, join(CAPTURE2, 'modes', mode, 'wrk.txt'), {
          deployment: mode,
          format: 'auto',
          start: Math.round(event2Ms(mode, 'load_start')),
        });
      }
      // uvicorn's spawned workers import the app at startup, at a CPU level that phase detection
      // once took for a first "load" (the capture machine was starved): given here with --phase,
      // a first "load" without requests, before the load wrk ran; the baseline's are detected
      const spawnAt = (e: string) => event2Ms('uvicorn-spawn', e);
      const get = await report(
        db,
        [
          phase('uvicorn-spawn', 'load', spawnAt('server_launch'), spawnAt('server_launch') + 8000),
          phase('uvicorn-spawn', 'idle', spawnAt('server_launch') + 8000, spawnAt('load_start')),
          phase('uvicorn-spawn', 'load', spawnAt('load_start'), spawnAt('load_end')),
        ],
        'gunicorn-preload',
      );
      const base = get('gunicorn-preload');
      const spawn = get('uvicorn-spawn');
      expect(spawn.phases[0]!.name).toBe('load');
      expect(spawn.phases[0]!.requests).toBeNull();
      const served = spawn.phases.filter((p) => p.name === 'load' && (p.requests ?? 0) > 0);
      expect(served).toHaveLength(1);
      const baseServed = base.phases.find((p) => p.name === 'load' && (p.requests ?? 0) > 0)!;
      const vs = served[0]!.vs_baseline!;
      expect(vs.baseline_phase).toEqual({ start: baseServed.start, end: baseServed.end });
      expect(vs.cpu_seconds_per_request!.change).toBeCloseTo(
        served[0]!.cpu_seconds_per_request! / baseServed.cpu_seconds_per_request! - 1,
        12,
      );
      // wrk gives a total, not requests per second: no interval for the throughput
      expect(vs.requests_per_second).toBeNull();
      // every request wrk counted is in some phase
      const total = spawn.phases.reduce((s, p) => s + (p.requests ?? 0), 0);
      expect(total).toBeCloseTo(wrkRequests(join(CAPTURE2, 'modes', 'uvicorn-spawn', 'wrk.txt')), 6);
    } finally {
      db.close();
    }
  }, 60_000);
});
