/**
 * `trace-analyze pull` against a real Prometheus (Debian's 2.42 package; .ci/run installs it).
 * Generated data is backfilled with promtool, the server runs on 127.0.0.1 with a temporary
 * data folder, and the pulled samples are compared with the generated data and with the
 * server's own answer for the whole window in one query.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDatabase } from '../../src/store/database.js';
import { cli, tempDir } from '../helpers/cli.js';
import { promNumber } from '../helpers/prom.js';
import {
  HAVE_PROMETHEUS,
  backfill,
  startPrometheus,
  waitFor,
  type RunningPrometheus,
} from '../helpers/prometheus.js';

const HOUR = 3_600_000;
const STEP = 10_000;
const POINTS = 4 * 360; // four hours every 10 s
/** Start of the generated data: whole hours, well in the past (promtool writes blocks, not head data). */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 8 * HOUR;
/** The pulled window: both ends are sample timestamps, and both must arrive. */
const START = T0 + 10 * 60_000;
const END = T0 + 3.5 * HOUR;
/**
 * With --chunk 1h the chunk borders are START + k·1h, where every grid series has a sample (the
 * gauge's jittered grid gets extra ones), which 2.x's closed ranges return in both chunks.
 */
const BORDERS = [1, 2, 3].map((k) => START + k * HOUR);

type Sample = [number, number];
interface GeneratedSeries {
  name: string;
  labels: Record<string, string>;
  samples: Sample[];
}

/** The generated data, written by plain code: counters with float steps and a reset, a gauge with NaN, ±Inf and ms timestamps, a summary. */
function generate(): GeneratedSeries[] {
  const grid = (f: (i: number) => number, jitter = (_i: number) => 0): Sample[] =>
    Array.from({ length: POINTS }, (_, i) => [T0 + i * STEP + jitter(i), f(i)]);
  const inflight = grid(
    (i) => (i === 100 ? NaN : i === 200 ? Infinity : i === 300 ? -Infinity : (i % 7) - 3),
    (i) => (i * 37) % 1000,
  );
  inflight.push(...BORDERS.map((ts, k): Sample => [ts, 1000 + k]));
  inflight.sort((a, b) => a[0] - b[0]);
  return [
    { name: 'ta_requests_total', labels: { instance: 'a' }, samples: grid((i) => i * 0.1) },
    {
      name: 'ta_requests_total',
      labels: { instance: 'b' },
      samples: grid((i) => (i < 700 ? i * 3 : (i - 700) * 3)),
    },
    { name: 'ta_inflight', labels: {}, samples: inflight },
    { name: 'ta_latency_seconds', labels: { quantile: '0.5' }, samples: grid((i) => (i % 13) / 100) },
    { name: 'ta_latency_seconds_count', labels: {}, samples: grid((i) => i * 2) },
    { name: 'ta_latency_seconds_sum', labels: {}, samples: grid((i) => i * 0.013) },
  ];
}

function omValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

function openMetrics(series: GeneratedSeries[]): string {
  const lines: string[] = [];
  for (const name of [...new Set(series.map((s) => s.name))]) {
    lines.push(`# TYPE ${name} unknown`);
    for (const s of series.filter((x) => x.name === name)) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      for (const [ts, v] of s.samples)
        lines.push(`${name}{${labels}} ${omValue(v)} ${(ts / 1000).toFixed(3)}`);
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

/** What a scrape target exposes, so /api/v1/metadata knows the families' TYPE, HELP and UNIT. */
interface PromBody {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

const EXPOSITION = `# TYPE ta_requests counter
# HELP ta_requests Requests served.
ta_requests_total{instance="a"} 1
# TYPE ta_inflight gauge
# HELP ta_inflight Requests in flight.
ta_inflight 2
# TYPE ta_latency_seconds summary
# UNIT ta_latency_seconds seconds
# HELP ta_latency_seconds Request latency.
ta_latency_seconds{quantile="0.5"} 0.1
ta_latency_seconds_count 3
ta_latency_seconds_sum 0.3
# EOF
`;
/** The kinds those TYPE lines mean (OpenMetrics spec), written out independently of the code. */
const EXPECTED_KINDS: Record<string, string> = {
  ta_requests_total: 'counter',
  ta_inflight: 'gauge', // its name alone says nothing: only the metadata makes it a gauge
  ta_latency_seconds: 'gauge',
  ta_latency_seconds_count: 'counter',
  ta_latency_seconds_sum: 'counter',
};

const key = (name: string, labels: Record<string, string>) =>
  `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;

function expectedInWindow(series: GeneratedSeries[]): Map<string, Sample[]> {
  return new Map(
    series.map((s) => [key(s.name, s.labels), s.samples.filter(([ts]) => ts >= START && ts <= END)]),
  );
}

interface BodySeries {
  metric: Record<string, string>;
  values: [number, string][];
}
function fromBody(result: BodySeries[]): Map<string, Sample[]> {
  return new Map(
    result.map(({ metric: { __name__, ...labels }, values }) => [
      key(__name__!, labels),
      values.map(([t, v]): Sample => [Math.round(t * 1000), promNumber(v)]),
    ]),
  );
}

async function fromDb(
  path: string,
  deployment: string,
): Promise<{ samples: Map<string, Sample[]>; kinds: Map<string, string> }> {
  const db = await TraceDatabase.open(path, { readOnly: true });
  try {
    const rows = await db.rowsJS(
      `SELECT s.metric, to_json(s.labels)::VARCHAR AS labels, p.ts, p.value
       FROM samples p JOIN series s USING (series_id) WHERE s.deployment = $d ORDER BY s.series_id, p.ts`,
      { d: deployment },
    );
    const samples = new Map<string, Sample[]>();
    for (const r of rows) {
      const k = key(r.metric as string, JSON.parse(r.labels as string) as Record<string, string>);
      if (!samples.has(k)) samples.set(k, []);
      samples.get(k)!.push([Number(r.ts), r.value as number]);
    }
    const kinds = new Map(
      (
        await db.rowsJS(`SELECT DISTINCT metric, kind FROM series WHERE deployment = $d`, { d: deployment })
      ).map((r) => [r.metric as string, r.kind as string]),
    );
    return { samples, kinds };
  } finally {
    db.close();
  }
}

/** Equality that treats NaN as equal to NaN (Object.is), sample by sample. */
function expectSameSamples(actual: Map<string, Sample[]>, expected: Map<string, Sample[]>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [k, want] of expected) {
    const got = actual.get(k)!;
    expect(got.length, k).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      if (got[i]![0] !== want[i]![0] || !Object.is(got[i]![1], want[i]![1]))
        expect({ series: k, index: i, sample: got[i] }).toEqual({ series: k, index: i, sample: want[i] });
    }
  }
}

/** CI installs prometheus (.ci/run), so this suite runs there; elsewhere its title says why it was skipped. */
const SUITE = HAVE_PROMETHEUS
  ? 'pull from a real Prometheus'
  : 'pull from a real Prometheus: SKIPPED, /usr/bin/prometheus or /usr/bin/promtool missing (apt-get install prometheus)';

describe.skipIf(!HAVE_PROMETHEUS)(SUITE, () => {
  const tmp = tempDir();
  const generated = generate();
  const expected = expectedInWindow(generated);
  let prometheus: RunningPrometheus | undefined;
  let exposition: Server | undefined;

  beforeAll(async () => {
    backfill(openMetrics(generated), join(tmp.dir, 'data'));
    exposition = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(EXPOSITION);
    });
    await new Promise<void>((resolve) => exposition!.listen(0, '127.0.0.1', resolve));
    const port = (exposition.address() as { port: number }).port;
    prometheus = await startPrometheus({
      dir: tmp.dir,
      dataDir: join(tmp.dir, 'data'),
      scrapeTargets: [`127.0.0.1:${port}`],
      // Small enough that a 3h20m chunk of all six series is refused, large enough for one series' whole window.
      args: ['--query.max-samples=3000'],
    });
    await waitFor(
      async () => {
        const r = (await (await fetch(`${prometheus!.url}/api/v1/metadata`)).json()) as { data: object };
        return 'ta_inflight' in r.data && 'ta_latency_seconds' in r.data;
      },
      30_000,
      'metadata from the scrape target',
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => (exposition ? exposition.close(resolve) : resolve(undefined)));
    tmp.cleanup();
  });

  const window = ['--start', String(START / 1000), '--end', new Date(END).toISOString()];

  it('the generated data really is in the server, and the chunk borders really hit samples', async () => {
    const r = (await (
      await fetch(
        `${prometheus!.url}/api/v1/query?query=${encodeURIComponent('count_over_time(ta_inflight[10y])')}&time=${END / 1000}`,
      )
    ).json()) as { data: { result: { value: [number, string] }[] } };
    const inflight = generated.find((s) => s.name === 'ta_inflight')!.samples;
    expect(Number(r.data.result[0]!.value[1])).toBe(inflight.filter(([ts]) => ts <= END).length);
    for (const b of BORDERS) expect(inflight.some(([ts]) => ts === b)).toBe(true);
  });

  it('pulls a window of several chunks into a file: every stored sample exactly once, as the server answers the whole window', async () => {
    const out = join(tmp.dir, 'pulled.json');
    const r = cli([
      'pull',
      '--url',
      prometheus!.url,
      '--match',
      '{__name__=~"ta_.*"}',
      ...window,
      '--chunk',
      '1h',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('(4 chunks)');
    expect(r.stderr).not.toContain('\r'); // no progress line when stderr is not a terminal
    const body = JSON.parse(readFileSync(out, 'utf8')) as {
      status: string;
      data: { resultType: string; result: BodySeries[] };
      trace_analyze_metadata: Record<string, { type: string; help: string; unit: string }[]>;
    };
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('matrix');
    const pulled = fromBody(body.data.result);
    expectSameSamples(pulled, expected);

    // The server's own answer for the whole window in one query, per metric name.
    const server = new Map<string, Sample[]>();
    for (const name of Object.keys(EXPECTED_KINDS)) {
      const query = `${name}[${END - START}ms]`;
      const answer = (await (
        await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(query)}&time=${END / 1000}`)
      ).json()) as { status: string; data: { result: BodySeries[] } };
      expect(answer.status).toBe('success');
      // Prometheus 2.x ranges are closed: [END - range, END] = [START, END].
      for (const [k, v] of fromBody(answer.data.result)) server.set(k, v);
    }
    expectSameSamples(pulled, server);

    // Metadata as the server reports it, for the pulled families only.
    const metadata = (await (await fetch(`${prometheus!.url}/api/v1/metadata`)).json()) as {
      data: Record<string, unknown>;
    };
    expect(Object.keys(body.trace_analyze_metadata).sort()).toEqual([
      'ta_inflight',
      'ta_latency_seconds',
      'ta_requests',
    ]);
    for (const family of Object.keys(body.trace_analyze_metadata))
      expect(body.trace_analyze_metadata[family]).toEqual(metadata.data[family]);

    // The importer reads the file, metadata included.
    const db = join(tmp.dir, 'from-file.duckdb');
    const imported = cli(['import', out, '--db', db, '--deployment', 'f']);
    expect(imported.status, imported.stderr).toBe(0);
    const stored = await fromDb(db, 'f');
    expectSameSamples(stored.samples, expected);
    expect(Object.fromEntries(stored.kinds)).toEqual(EXPECTED_KINDS);
  });

  it('imports directly with --db, halving chunks the server refuses (--query.max-samples), and a second pull is a no-op', async () => {
    const db = join(tmp.dir, 'direct.duckdb');
    const args = [
      'pull',
      '--url',
      prometheus!.url,
      '--match',
      '{__name__=~"ta_.*"}',
      ...window,
      '--chunk',
      '4h',
    ];
    const r = cli([...args, '--db', db, '--deployment', 'live']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('halving it');
    expect(r.stderr).toContain('(4 chunks)'); // 3h20m → 2 × 1h40m (refused) → 4 × 50m
    const stored = await fromDb(db, 'live');
    expectSameSamples(stored.samples, expected);
    expect(Object.fromEntries(stored.kinds)).toEqual(EXPECTED_KINDS);
    const again = cli([...args, '--db', db, '--deployment', 'live']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('identical content already imported');
  });

  it('promql over the pulled data prints what the live server answers for the same queries', async () => {
    const db = join(tmp.dir, 'direct.duckdb'); // pulled by the test above
    const [from, to] = [(START + 30 * 60_000) / 1000, (END - 30 * 60_000) / 1000];
    for (const query of [
      'rate(ta_requests_total[5m])',
      'sum(increase(ta_requests_total[10m]))',
      'irate(ta_requests_total[1m])',
      'sum by (instance) (rate(ta_requests_total[2m])) * 60',
      'ta_inflight',
      'ta_latency_seconds_sum / ta_latency_seconds_count',
    ]) {
      const ours = cli([
        'promql',
        query,
        '--db',
        db,
        '--start',
        String(from),
        '--end',
        String(to),
        '--step',
        '5m',
        '--semantics',
        'prometheus-2.42',
      ]);
      expect(ours.status, ours.stderr).toBe(0);
      const params = new URLSearchParams({ query, start: String(from), end: String(to), step: '300' });
      const server = (await (
        await fetch(`${prometheus!.url}/api/v1/query_range?${params}`)
      ).json()) as PromBody;
      // Our series carry the import's deployment label (aggregations drop it, as they drop every
      // label not kept by `by`); the server's never do.
      const body = JSON.parse(ours.stdout) as PromBody;
      for (const r of body.data.result) {
        expect([undefined, 'live']).toContain(r.metric.deployment);
        delete r.metric.deployment;
      }
      expect(server.data.result.length, query).toBeGreaterThan(0);
      expect(body, query).toEqual(server);
    }
  });

  it('two selectors that overlap still give each sample once (written gzip-compressed for a .gz name)', async () => {
    const out = join(tmp.dir, 'overlap.json.gz');
    const r = cli([
      'pull',
      '--url',
      prometheus!.url,
      '--match',
      'ta_requests_total',
      '--match',
      'ta_requests_total{instance="b"}',
      '--match',
      'ta_inflight',
      ...window,
      '--chunk',
      '45m',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const body = JSON.parse(gunzipSync(readFileSync(out)).toString('utf8')) as {
      data: { result: BodySeries[] };
    };
    const want = new Map(
      [...expected].filter(([k]) => k.startsWith('ta_requests_total') || k.startsWith('ta_inflight')),
    );
    expectSameSamples(fromBody(body.data.result), want);
  });

  it("a server's error body becomes one line, exit 1, and nothing is written", () => {
    const out = join(tmp.dir, 'bad.json');
    const r = cli(['pull', '--url', prometheus!.url, '--match', 'ta_inflight{', ...window, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/api\/v1\/query: Prometheus answered 400 \(bad_data\): .*parse error/);
    expect(() => readFileSync(out)).toThrow();
  });
});
