import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readSql } from '../../src/base/sql-files.js';
import { STALE_NAN } from '../../src/store/batch.js';
import { TraceDatabase } from '../../src/store/database.js';
import { loadImport } from '../../src/store/loader.js';
import { CHECKPOINT_STRIDE, CHECKPOINTS, INTERVAL_BINS } from '../../src/store/series-intervals.js';
import { tempDir } from '../helpers/cli.js';
import { gaugeBatch } from '../helpers/samples.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** The report's statement that reads the loader's intervals (or sorts the samples it must). */
const INTERVAL_COUNTS = /CREATE OR REPLACE TEMP TABLE pool_interval_counts AS[^;]*;/.exec(
  readSql('models/pool/130-lifetimes.sql'),
)![0];

/** A sample as an importer hands it over: [series ref, ms, value]. */
type Sample = [number, number, number];
/** A series chosen for a process that was alive up to alive_to (null: never alive). */
type Chosen = { series: number; alive_to: number | null };
type Histogram = { series: number; interval_ms: number; n: number; n_alive: number }[];

async function importAll(db: TraceDatabase, imports: Sample[][], first = 0): Promise<void> {
  for (const [n, samples] of imports.entries()) {
    const i = first + n;
    async function* batches() {
      yield gaugeBatch(samples);
    }
    await loadImport(db, { deployment: 'd', path: `p${i}`, format: 'prom-json', sha256: `h${i}` }, batches());
  }
}

/**
 * The histogram from the raw samples, in plain JS: of the samples at one time of a series the
 * first to arrive is the one kept (as Prometheus keeps it); the finite ones in time order; the
 * intervals between neighbours, and those ending at or before each process's alive_to.
 */
function reference(imports: Sample[][], chosen: Chosen[]): Histogram {
  const kept = new Map<number, Map<number, number>>();
  for (const [ref, t, v] of imports.flat()) {
    const times = kept.get(ref) ?? kept.set(ref, new Map()).get(ref)!;
    if (!times.has(t)) times.set(t, v);
  }
  const bins = new Map<string, Histogram[number]>();
  for (const { series, alive_to } of chosen) {
    const times = [...(kept.get(series) ?? new Map<number, number>())]
      .filter(([, v]) => Number.isFinite(v))
      .map(([t]) => t)
      .sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      const interval_ms = times[i]! - times[i - 1]!;
      const key = `${series}/${interval_ms}`;
      const bin = bins.get(key) ?? bins.set(key, { series, interval_ms, n: 0, n_alive: 0 }).get(key)!;
      bin.n++;
      if (alive_to !== null && times[i]! <= alive_to) bin.n_alive++;
    }
  }
  return sortHistogram([...bins.values()]);
}

const sortHistogram = (h: Histogram) =>
  h.sort((a, b) => a.series - b.series || a.interval_ms - b.interval_ms);

/** pool_interval_counts over the chosen series, each its own process (series m0–m3 by their refs). */
async function fromModel(db: TraceDatabase, chosen: Chosen[]): Promise<Histogram> {
  await db.run(`CREATE OR REPLACE TEMP TABLE pool_process_series (deployment VARCHAR, process VARCHAR,
                  series_id INTEGER, chosen BOOLEAN)`);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE pool_lifetimes (deployment VARCHAR, process VARCHAR, alive_to BIGINT)`,
  );
  for (const [i, { series, alive_to }] of chosen.entries()) {
    await db.run(
      `INSERT INTO pool_process_series SELECT 'd', $p, series_id, true FROM series WHERE metric = $m`,
      { p: `p${i}`, m: `m${series}` },
    );
    await db.run(`INSERT INTO pool_lifetimes VALUES ('d', $p, $a)`, { p: `p${i}`, a: alive_to });
  }
  await db.connection.run(INTERVAL_COUNTS);
  const rows = await db.rowsJS(
    `SELECT s.metric, c.interval_ms, c.n, c.n_alive FROM pool_interval_counts c JOIN series s USING (series_id)`,
  );
  return sortHistogram(
    rows.map((r) => ({
      series: Number((r.metric as string).slice(1)),
      interval_ms: Number(r.interval_ms),
      n: Number(r.n),
      n_alive: Number(r.n_alive),
    })),
  );
}

const value = fc.oneof(
  { weight: 9, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, STALE_NAN) },
);
/**
 * A sample of series 0–3 at step k of a 10 ms scrape; series 3 scrapes with jitter, so has many
 * distinct intervals.
 */
const at = (ref: number, k: number, jitter: number, v: number): Sample => [
  ref,
  10 * k + (ref === 3 ? jitter : 0),
  v,
];
/** Steps of a scrape (checkpoints, every CHECKPOINT_STRIDE samples, have a test of their own). */
const STEPS = 3000;
/** An import after the ones before starts this much later. */
const LATER = 10 * (STEPS + 200);
/**
 * A series scraped from step `from` for `count` steps, but for those it misses (`gaps`, and
 * every `every`-th one); values and jitter repeat every 90 steps.
 */
const scrape = fc
  .record({
    ref: fc.nat({ max: 3 }),
    from: fc.nat({ max: 60 }),
    count: fc.noBias(fc.nat({ max: STEPS })),
    gaps: fc.array(fc.nat({ max: STEPS }), { maxLength: 25 }),
    every: fc.constantFrom(0, 0, 3, 4),
    jitter: fc.array(fc.nat({ max: 6 }), { minLength: 90, maxLength: 90 }),
    values: fc.array(value, { minLength: 90, maxLength: 90 }),
  })
  .map(({ ref, from, count, gaps, every, jitter, values }) => {
    const missed = new Set(gaps);
    return Array.from({ length: count }, (_, i) => i)
      .filter((i) => !missed.has(i) && (every === 0 || i % every !== every - 1))
      .map((i) => at(ref, from + i, jitter[i % 90]!, values[i % 90]!));
  });
/** Samples anywhere (times repeat, or come out of order). */
const stray = fc
  .tuple(fc.nat({ max: 3 }), fc.nat({ max: STEPS }), fc.nat({ max: 6 }), value)
  .map(([ref, k, jitter, v]) => at(ref, k, jitter, v));
/**
 * Up to three imports into one deployment (the same series names: they append): samples in
 * time order or as generated; an import after the ones before or interleaved with them.
 */
const imports = fc.array(
  fc.record({
    samples: fc
      .tuple(fc.array(scrape, { minLength: 1, maxLength: 4 }), fc.array(stray, { maxLength: 3 }))
      .map(([scrapes, strays]) => [...scrapes.flat(), ...strays]),
    sorted: fc.boolean(),
    after: fc.constantFrom(true, true, false),
  }),
  { minLength: 1, maxLength: 3 },
);
/** alive_to: none, anywhere, or at (or next to) one of the series' times. */
const aliveTo = fc.oneof(fc.constant(null), fc.integer({ min: -10, max: 3 * LATER }), {
  weight: 3,
  arbitrary: fc.tuple(fc.nat(), fc.integer({ min: -1, max: 1 })),
});

describe('series_intervals: the histogram of scrape intervals without a sort', () => {
  it('gives pool_interval_counts of the raw samples for any alive_to: NaN, ±Inf, stale, unordered, repeats, appends', async () => {
    const seen = { stored: 0, sorted: 0, cut: 0 };
    await fc.assert(
      fc.asyncProperty(imports, fc.array(aliveTo, { minLength: 5, maxLength: 5 }), async (list, alive) => {
        const raw = list.map(({ samples, sorted, after }, i) => {
          const shifted = samples.map(([r, t, v]): Sample => [r, t + (after ? LATER * i : 3 * i), v]);
          return sorted ? shifted.sort((a, b) => a[1] - b[1]) : shifted;
        });
        const times = raw
          .flat()
          .map(([, t]) => t)
          .sort((a, b) => a - b);
        const aliveAt = (a: (typeof alive)[number]) =>
          a === null || typeof a === 'number' ? a : (times[a[0] % Math.max(1, times.length)] ?? 0) + a[1];
        // each series chosen for its own process; series 0 for a second one too (another alive_to)
        const chosen: Chosen[] = [0, 1, 2, 3, 0].map((series, i) => ({
          series,
          alive_to: aliveAt(alive[i]!),
        }));
        const db = await TraceDatabase.open(':memory:');
        try {
          await importAll(db, raw);
          expect(await fromModel(db, chosen)).toEqual(reference(raw, chosen));
          const [row] = await db.rowsJS(
            `SELECT count(*) FILTER (WHERE complete) AS stored, count(*) FILTER (WHERE NOT complete) AS sorted,
                    (SELECT count(*) FROM series_intervals b
                     JOIN pool_process_series USING (series_id) JOIN pool_lifetimes l USING (deployment, process)
                     WHERE l.alive_to >= b.first_end AND l.alive_to < b.last_end) AS cut
             FROM series_interval_state`,
          );
          seen.stored += Number(row!.stored);
          seen.sorted += Number(row!.sorted);
          seen.cut += Number(row!.cut);
        } finally {
          db.close();
        }
      }),
      { numRuns: 50 },
    );
    // each way is taken: from the store, by the sort, an alive_to between an interval's first and
    // last end
    expect(seen.stored).toBeGreaterThan(20);
    expect(seen.sorted).toBeGreaterThan(20);
    expect(seen.cut).toBeGreaterThan(10);
  });

  it('sorts the samples of an out-of-order series only; reads the others from the store', async () => {
    const inOrder: Sample[] = [10, 20, 30, 50, 60].map((t) => [0, t, 1]);
    const outOfOrder: Sample[] = [10, 30, 20, 40, 50].map((t) => [1, t, 1]);
    const raw = [[...inOrder, ...outOfOrder]];
    const chosen: Chosen[] = [
      { series: 0, alive_to: 35 },
      { series: 1, alive_to: 35 },
    ];
    const db = await TraceDatabase.open(':memory:');
    try {
      await importAll(db, raw);
      expect(await db.rowsJS(`SELECT series_id, complete FROM series_interval_state ORDER BY 1`)).toEqual([
        { series_id: 1, complete: true },
        { series_id: 2, complete: false },
      ]);
      const expected = reference(raw, chosen);
      expect(expected).toEqual([
        { series: 0, interval_ms: 10, n: 3, n_alive: 2 },
        { series: 0, interval_ms: 20, n: 1, n_alive: 0 },
        { series: 1, interval_ms: 10, n: 4, n_alive: 2 },
      ]);
      expect(await fromModel(db, chosen)).toEqual(expected);
      // The in-order series is answered from the store (alive_to past its last sample: no sample
      // read): without its samples, the same rows. The other by the sort: rows the store might
      // hold for it are not read.
      const late: Chosen[] = [
        { series: 0, alive_to: 100 },
        { series: 1, alive_to: 35 },
      ];
      const expectedLate = reference(raw, late);
      await db.run(
        `DELETE FROM samples WHERE series_id = (SELECT series_id FROM series WHERE metric = 'm0')`,
      );
      await db.run(`INSERT INTO series_intervals
                    SELECT series_id, 999, 5, 10, 50 FROM series WHERE metric = 'm1'`);
      expect(await fromModel(db, late)).toEqual(expectedLate);
    } finally {
      db.close();
    }
  });

  it('sorts a series whose append interleaves with its earlier samples; not one that goes on after them', async () => {
    const first: Sample[] = [10, 20, 30, 40].flatMap((t): Sample[] => [
      [0, t, 1],
      [1, t, 1],
    ]);
    const second: Sample[] = [
      [0, 25, 1], // between m0's earlier samples
      [0, 50, 1],
      [1, 40, 2], // at m1's last time: dropped, the first sample at a time is kept
      [1, 50, 1],
    ];
    const chosen: Chosen[] = [
      { series: 0, alive_to: 30 },
      { series: 1, alive_to: 30 },
    ];
    const db = await TraceDatabase.open(':memory:');
    try {
      await importAll(db, [first, second]);
      expect(
        await db.rowsJS(
          `SELECT s.metric, st.complete FROM series_interval_state st JOIN series s USING (series_id) ORDER BY 1`,
        ),
      ).toEqual([
        { metric: 'm0', complete: false },
        { metric: 'm1', complete: false },
      ]);
      expect(await fromModel(db, chosen)).toEqual(reference([first, second], chosen));
      const third: Sample[] = [60, 70].map((t) => [0, t, 1]);
      await importAll(db, [third], 2);
      expect(await fromModel(db, chosen)).toEqual(reference([first, second, third], chosen));
    } finally {
      db.close();
    }
  });

  it(`sorts a series with more than ${INTERVAL_BINS} distinct intervals`, async () => {
    let t = 0;
    const raw = [
      Array.from({ length: INTERVAL_BINS + 2 }, (_, k): Sample => {
        t += k + 1;
        return [0, t, 1];
      }),
    ];
    const db = await TraceDatabase.open(':memory:');
    try {
      await importAll(db, raw);
      expect(await db.rowsJS(`SELECT complete FROM series_interval_state`)).toEqual([{ complete: false }]);
      expect(await db.rowsJS(`SELECT * FROM series_intervals`)).toEqual([]);
      const chosen: Chosen[] = [{ series: 0, alive_to: 40 }];
      expect(await fromModel(db, chosen)).toEqual(reference(raw, chosen));
    } finally {
      db.close();
    }
  });

  it('counts from checkpoints, fewer as the series grows, across imports, for any alive_to', async () => {
    // a 10 ms scrape with 0–3 ms of jitter, a missed step now and then, NaN, ±Inf and stale
    // markers, in two imports: the first past CHECKPOINTS checkpoints (the loader drops every
    // other one), the second too many to add to them (the merge does)
    const values = [1, 2, NaN, 3, Infinity, 4, STALE_NAN, 5, -Infinity, 6];
    const scrape = (ref: number, from: number, to: number): Sample[] =>
      Array.from({ length: to - from }, (_, i) => from + i)
        .filter((k) => k % 97 !== 5)
        .map((k) => [ref, 10 * k + ((k * 7) % 4), k % 23 === 7 ? values[k % values.length]! : 1]);
    const split = (CHECKPOINTS + 4) * CHECKPOINT_STRIDE;
    const end = split + 20 * CHECKPOINT_STRIDE;
    const first = [...scrape(0, 0, split), ...scrape(1, 0, 2 * CHECKPOINT_STRIDE)];
    const second = [...scrape(0, split, end), ...scrape(1, 2 * CHECKPOINT_STRIDE, 3 * CHECKPOINT_STRIDE)];
    const db = await TraceDatabase.open(':memory:');
    try {
      const points = async () =>
        Number(
          (
            await db.rowsJS(`SELECT max(n) AS n FROM (SELECT count(DISTINCT ts) AS n FROM series_interval_checkpoints
                            GROUP BY series_id)`)
          )[0]!.n,
        );
      await importAll(db, [first]);
      const thinned = await points(); // by the loader
      expect(thinned).toBeGreaterThan(CHECKPOINTS / 4);
      expect(thinned).toBeLessThan(CHECKPOINTS);
      await importAll(db, [second], 1);
      expect(await db.rowsJS(`SELECT complete FROM series_interval_state`)).toEqual([
        { complete: true },
        { complete: true },
      ]);
      // the second import's own (one a stride) and the first's were more: every other one went
      expect(thinned + 19).toBeGreaterThan(CHECKPOINTS);
      expect(await points()).toBeLessThanOrEqual(CHECKPOINTS);
      const times = [...first, ...second].map(([, t]) => t);
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              fc.integer({ min: -10, max: 10 * end + 100 }),
              fc
                .tuple(fc.nat(times.length - 1), fc.integer({ min: -1, max: 1 }))
                .map(([i, d]) => times[i]! + d),
            ),
            { minLength: 2, maxLength: 2 },
          ),
          async ([a, b]) => {
            const chosen: Chosen[] = [
              { series: 0, alive_to: a! },
              { series: 1, alive_to: b! },
            ];
            expect(await fromModel(db, chosen)).toEqual(reference([first, second], chosen));
          },
        ),
        { numRuns: 20 },
      );
    } finally {
      db.close();
    }
  });

  it('migration 007: a file imported before it sorts its series, then and after an append', async () => {
    const path = join(tmp.dir, 'v6.duckdb');
    const old = await TraceDatabase.open(path, { create: true, upToVersion: 6 });
    // as the tool before version 7 left an import of m0 at 10, 20, 40 (NaN), 50
    await old.run(
      `INSERT INTO imports VALUES (1, 'd', 'p', 'prom-json', 'h', 1, 4, now()::TIMESTAMP, [], NULL)`,
    );
    await old.run(`INSERT INTO series (series_id, deployment, metric, labels, kind, import_id)
                   VALUES (1, 'd', 'm0', MAP {}, 'gauge', 1)`);
    await old.run(`INSERT INTO samples VALUES (1, 10, 1), (1, 20, 1), (1, 40, 'nan'), (1, 50, 1)`);
    await old.run(`INSERT INTO series_stats (series_id, samples, resets_complete) VALUES (1, 4, false)`);
    old.close();
    const before: Sample[] = [
      [0, 10, 1],
      [0, 20, 1],
      [0, 40, NaN],
      [0, 50, 1],
    ];
    const after: Sample[] = [60, 70, 80].map((t) => [0, t, 1]);
    const chosen: Chosen[] = [{ series: 0, alive_to: 65 }];
    const db = await TraceDatabase.open(path);
    try {
      expect(await db.rowsJS(`SELECT series_id, complete FROM series_interval_state`)).toEqual([
        { series_id: 1, complete: false },
      ]);
      expect(await fromModel(db, chosen)).toEqual(reference([before], chosen));
      await importAll(db, [after], 1);
      expect(await db.rowsJS(`SELECT series_id, complete FROM series_interval_state`)).toEqual([
        { series_id: 1, complete: false },
      ]);
      expect(await fromModel(db, chosen)).toEqual(reference([before, after], chosen));
    } finally {
      db.close();
    }
  });
});
