import { readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writePromJson } from '../../bench/generate.js';
import { InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, MODES, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';
import { promNumber, readPromBody, type PromSeries } from '../helpers/prom.js';

const PROM_FILES = MODES.flatMap((mode) =>
  readdirSync(join(CAPTURE, 'prometheus', mode))
    .filter((f) => f !== 'queries.json')
    .map((f) => join(CAPTURE, 'prometheus', mode, f)),
).concat(
  MODES.flatMap((mode) =>
    readdirSync(join(CAPTURE, 'reference', mode))
      .filter((f) => f !== 'queries.json')
      .map((f) => join(CAPTURE, 'reference', mode, f)),
  ),
);

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Samples as the database holds them, keyed like the independent reading below. */
async function storedSamples(db: TraceDatabase): Promise<Map<string, [number, number][]>> {
  const rows = await db.rowsJS(
    `SELECT s.metric, to_json(s.labels)::VARCHAR AS labels, p.ts, p.value
     FROM samples p JOIN series s USING (series_id) ORDER BY s.series_id, p.ts`,
  );
  const out = new Map<string, [number, number][]>();
  for (const r of rows) {
    const labels = JSON.parse(r.labels as string) as Record<string, string>;
    const key = seriesKey({ ...labels, __name__: r.metric as string });
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push([Number(r.ts), r.value as number]);
  }
  return out;
}

function seriesKey(metric: Record<string, string>): string {
  const { __name__ = '', ...rest } = metric;
  return `${__name__}${JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

function expectedSamples(path: string): Map<string, [number, number][]> {
  const data = readPromBody(path);
  const out = new Map<string, [number, number][]>();
  if (data.resultType === 'scalar') {
    const [t, v] = data.result as [number, string];
    out.set(seriesKey({ __name__: 'scalar' }), [[Math.round(t * 1000), promNumber(v)]]);
    return out;
  }
  for (const s of data.result as PromSeries[]) {
    const pairs = s.values ?? (s.value ? [s.value] : []);
    out.set(
      seriesKey(s.metric),
      pairs.map(([t, v]) => [Math.round(t * 1000), promNumber(v)]),
    );
  }
  return out;
}

describe('prom-json importer on the real capture', () => {
  it.each(PROM_FILES.map((p) => [p.slice(CAPTURE.length + 1), p]))(
    '%s: every series and sample, bit-exact',
    async (_name, path) => {
      const db = await TraceDatabase.open(':memory:');
      try {
        const { outcomes } = await importPath(db, path, { deployment: 'd' });
        expect(outcomes).toHaveLength(1);
        expect(outcomes[0]!.format).toBe('prom-json');
        const expected = expectedSamples(path);
        const stored = await storedSamples(db);
        const expectedCount = [...expected.values()].reduce((n, v) => n + v.length, 0);
        expect(outcomes[0]!.result).toMatchObject({
          status: 'imported',
          series: expected.size,
          samples: expectedCount,
        });
        expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, samples] of expected) {
          const got = stored.get(key)!;
          expect(got.map(([t]) => t)).toEqual(samples.map(([t]) => t));
          // Object.is: bit-exact doubles, NaN equal to NaN.
          got.forEach(([, v], i) =>
            expect(Object.is(v, samples[i]![1]), `${key} #${i}: ${v} vs ${samples[i]![1]}`).toBe(true),
          );
        }
      } finally {
        db.close();
      }
    },
  );
});

/** JSON with every object's keys sorted, as Go's encoding/json writes a map (and `jq -S`, Python's sort_keys). */
function sortedKeysJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedKeysJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedKeysJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('prom-json bodies whose keys are sorted (status after data)', () => {
  it.each(['gunicorn/raw_samples_cpu_seconds_total.json', 'uvicorn-spawn/query_range_step1s.json.gz'])(
    'the real %s with sorted keys is recognised by --format auto and reads the same samples',
    async (name) => {
      const original = join(CAPTURE, 'prometheus', name);
      let raw = readFileSync(original);
      if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
      const sorted = sortedKeysJson(JSON.parse(raw.toString('utf8')));
      expect(sorted.startsWith('{"data":{"result":[{"metric":')).toBe(true);
      expect(sorted.indexOf('"status"')).toBeGreaterThan(4096); // past what detect reads
      const path = join(tmp.dir, `sorted-${name.replace(/\W/g, '_')}.json`);
      writeFileSync(path, sorted);
      const db = await TraceDatabase.open(':memory:');
      try {
        const { outcomes } = await importPath(db, path, { deployment: 'd' });
        expect(outcomes[0]!.format).toBe('prom-json');
        const expected = expectedSamples(original);
        const stored = await storedSamples(db);
        expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, samples] of expected) expect(stored.get(key)).toEqual(samples);
      } finally {
        db.close();
      }
    },
  );
});

describe('prom-json importer on generated bodies', () => {
  const write = (name: string, body: unknown, gzip = false): string => {
    const path = join(tmp.dir, name);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    writeFileSync(path, gzip ? gzipSync(text) : text);
    return path;
  };

  it('keeps NaN, +Inf, -Inf and extreme values exactly', async () => {
    const values: [number, string][] = [
      [1700000000, 'NaN'],
      [1700000000.001, '+Inf'],
      [1700000000.5, '-Inf'],
      [1700000001.999, '1.7976931348623157e+308'],
      [1700000002, '5e-324'],
      [1700000003, '-0'],
      [1700000004, '0.1'],
    ];
    const path = write('special.json', {
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: { __name__: 'x_total', a: 'é"\\\n' }, values }] },
    });
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      const rows = await db.rowsJS(
        `SELECT ts, value, labels['a'] AS a, kind FROM samples JOIN series USING (series_id) ORDER BY ts`,
      );
      expect(rows.map((r) => Number(r.ts))).toEqual([
        1700000000000, 1700000000001, 1700000000500, 1700000001999, 1700000002000, 1700000003000,
        1700000004000,
      ]);
      const got = rows.map((r) => r.value as number);
      const want = [NaN, Infinity, -Infinity, 1.7976931348623157e308, 5e-324, -0, 0.1];
      got.forEach((v, i) => expect(Object.is(v, want[i])).toBe(true));
      expect(rows[0]!.a).toBe('é"\\\n');
      expect(rows[0]!.kind).toBe('counter');
    } finally {
      db.close();
    }
  });

  it('reads instant vectors and scalars, gzip recognised by content not name', async () => {
    const vector = write(
      'vector.data',
      {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { __name__: 'up', job: 'a' }, value: [1700000000.25, '1'] },
            { metric: {}, value: [1700000000.25, '2'] },
          ],
        },
      },
      true,
    );
    const scalar = write('scalar.json', {
      status: 'success',
      data: { resultType: 'scalar', result: [1700000000, '42'] },
    });
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, vector, { deployment: 'd' });
      await importPath(db, scalar, { deployment: 'd' });
      const rows = await db.rowsJS(
        `SELECT metric, ts, value FROM samples JOIN series USING (series_id) ORDER BY metric, value`,
      );
      expect(rows).toEqual([
        { metric: '', ts: 1700000000250n, value: 2 },
        { metric: 'scalar', ts: 1700000000000n, value: 42 },
        { metric: 'up', ts: 1700000000250n, value: 1 },
      ]);
    } finally {
      db.close();
    }
  });

  it('accepts keys in any order (values before metric, resultType last)', async () => {
    const path = write(
      'order.json',
      '{"data":{"result":[{"values":[[1,"2"]],"metric":{"__name__":"m"}}],"resultType":"matrix"},"status":"success"}',
    );
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      expect(await db.rowsJS(`SELECT metric, ts, value FROM samples JOIN series USING (series_id)`)).toEqual([
        { metric: 'm', ts: 1000n, value: 2 },
      ]);
    } finally {
      db.close();
    }
  });

  it('records warnings on the import', async () => {
    const path = write('warn.json', {
      status: 'success',
      warnings: ['PromQL info: something'],
      data: { resultType: 'matrix', result: [] },
    });
    const db = await TraceDatabase.open(':memory:');
    try {
      const { outcomes } = await importPath(db, path, { deployment: 'd' });
      expect(outcomes[0]!.result).toMatchObject({
        status: 'imported',
        warnings: ['Prometheus warning: PromQL info: something', 'the input holds no samples'],
      });
      expect(await db.rowsJS(`SELECT warnings FROM imports`)).toEqual([
        { warnings: ['Prometheus warning: PromQL info: something', 'the input holds no samples'] },
      ]);
    } finally {
      db.close();
    }
  });

  it.each([
    [
      'error envelope',
      '{"status":"error","errorType":"bad_data","error":"parse error at char 5"}',
      'Prometheus API error (bad_data): parse error at char 5',
    ],
    [
      'truncated',
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]',
      'file ends early',
    ],
    [
      'bad value',
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"abc"]]}]}}',
      'cannot read sample value "abc"',
    ],
    [
      'bad pair',
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1]]}]}}',
      'bad sample',
    ],
    [
      'trailing data',
      '{"status":"success","data":{"resultType":"matrix","result":[]}} x',
      'unexpected data after the end',
    ],
    ['no data', '{"status":"success"}', 'not a Prometheus API response body'],
    [
      'string result',
      '{"status":"success","data":{"resultType":"string","result":[1,"a"]}}',
      'unsupported resultType "string"',
    ],
  ])('%s is a positioned InputError', async (_name, body, message) => {
    const path = write(`bad-${_name.replace(/ /g, '-')}.json`, body);
    const db = await TraceDatabase.open(':memory:');
    try {
      const error = await importPath(db, path, { deployment: 'd', format: 'prom-json' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(path);
      expect((error as InputError).message).toMatch(/\(byte \d+\)/);
      expect((error as InputError).message).toContain(message);
    } finally {
      db.close();
    }
  });

  it('a corrupted gzip file fails and leaves the database exactly as it was', async () => {
    const good = join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json');
    const raw = gzipSync(
      readFileSync(join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json')),
    );
    const broken = write('broken.json.gz', Buffer.concat([raw.subarray(0, raw.length / 2)]));
    const db = await TraceDatabase.open(join(tmp.dir, 'corrupt.duckdb'), { create: true });
    try {
      await importPath(db, good, { deployment: 'd' });
      const before = await contentHash(db);
      await expect(importPath(db, broken, { deployment: 'd' })).rejects.toBeInstanceOf(InputError);
      expect(await contentHash(db)).toBe(before);
    } finally {
      db.close();
    }
  });
});

describe('prom-json fast path', () => {
  /** Imports a body and returns its samples as [metric, ts, value] rows. */
  async function importBody(body: string): Promise<[string, number, number][]> {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'body.json');
    writeFileSync(path, body);
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      const rows = await db.rowsJS(
        `SELECT metric, ts, value FROM samples JOIN series USING (series_id) ORDER BY series_id, ts`,
      );
      return rows.map((r) => [r.metric as string, Number(r.ts), r.value as number]);
    } finally {
      db.close();
      cleanup();
    }
  }

  it('reads any double and any millisecond timestamp exactly, like the token-by-token path', async () => {
    const sample = fc.tuple(
      fc.integer({ min: 0, max: 4_000_000_000_000 }),
      fc.oneof(
        fc.double(),
        fc.integer().map((i) => i / 100),
        fc.constantFrom(0, -0, 0.1, 1e21, 5e-324),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(sample, { minLength: 1, maxLength: 40 }), async (samples) => {
        const unique = [...new Map(samples.map(([t, v]) => [t, v])).entries()].sort((a, b) => a[0] - b[0]);
        const values = unique.map(([t, v]) => `[${(t / 1000).toFixed(3)},"${promText(v)}"]`).join(',');
        // "metric" first takes the fast path; "values" first is read token by token.
        const fast = await importBody(
          `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[${values}]}]}}`,
        );
        const slow = await importBody(
          `{"status":"success","data":{"resultType":"matrix","result":[{"values":[${values}],"metric":{"__name__":"m"}}]}}`,
        );
        expect(fast).toHaveLength(unique.length);
        fast.forEach(([, t, v], i) => {
          expect(t).toBe(unique[i]![0]);
          expect(Object.is(v, unique[i]![1]), `${v} vs ${unique[i]![1]}`).toBe(true);
          expect(Object.is(v, slow[i]![2])).toBe(true);
        });
      }),
      { numRuns: 30 },
    );
  });

  it('imports bodies much larger than one batch and one read chunk', async () => {
    const path = join(tmp.dir, 'large.json');
    const count = await writePromJson(path, { series: 6, points: 40_000 });
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      const expected = expectedSamples(path);
      const stored = await storedSamples(db);
      expect([...stored.values()].reduce((n, s) => n + s.length, 0)).toBe(count);
      for (const [key, samples] of expected) expect(stored.get(key)).toEqual(samples);
    } finally {
      db.close();
    }
  });
});

/** Values as Prometheus writes them (strconv.FormatFloat 'f', -1): NaN and infinities spelled out. */
function promText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

describe('prom-json hostile input (found by test/fuzz)', () => {
  const tmp2 = tempDir();
  afterAll(tmp2.cleanup);
  const body = (pairs: string, metric = '{"__name__":"m"}') =>
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":${metric},"values":[${pairs}]}]}}`;

  it.each([
    ['17 digits of seconds', '[99999999999999999,"1"]'],
    ['13 digits of seconds (fast path bound)', '[9999999999999,"1"]'],
    ['exponent', '[1e300,"1"]'],
    ['negative exponent form beyond range', '[-9.1e12,"1"]'],
  ])('a timestamp beyond ±2^53 ms (%s) is an error, never a wrapped int64', async (_name, pairs) => {
    const path = join(tmp2.dir, 'ts.json');
    writeFileSync(path, body(pairs));
    const db = await TraceDatabase.open(':memory:');
    try {
      const before = await contentHash(db);
      const error = await importPath(db, path, { deployment: 'd' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain('cannot read sample timestamp');
      expect(await contentHash(db)).toBe(before);
    } finally {
      db.close();
    }
  });

  it('the largest exact timestamps still import exactly', async () => {
    const path = join(tmp2.dir, 'ts-max.json');
    writeFileSync(path, body('[9007199254740.991,"1"],[-9007199254740.991,"2"]'));
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      const rows = await db.rowsJS(`SELECT ts::VARCHAR AS ts FROM samples ORDER BY ts`);
      expect(rows.map((r) => r.ts)).toEqual(['-9007199254740991', '9007199254740991']);
    } finally {
      db.close();
    }
  });

  it('labels named __proto__ and constructor are kept as labels', async () => {
    const path = join(tmp2.dir, 'proto.json');
    writeFileSync(path, body('[1,"1"]', '{"__name__":"m","__proto__":"p","constructor":"c"}'));
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, path, { deployment: 'd' });
      const rows = await db.rowsJS(`SELECT to_json(labels)::VARCHAR AS l FROM series`);
      expect(JSON.parse(rows[0]!.l as string)).toEqual(JSON.parse('{"__proto__":"p","constructor":"c"}'));
    } finally {
      db.close();
    }
  });
});
