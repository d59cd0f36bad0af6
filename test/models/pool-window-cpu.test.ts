import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/models/interval.js';
import { buildPoolReport } from '../../src/models/pool-report.js';
import { TraceDatabase } from '../../src/store/database.js';
import { HOUR, importProcfsPool, longPool } from '../helpers/pool-synth.js';

// pool_window_cpu (src/models/pool/140-cpu.sql) counts a bucket's summed increases whole or not
// at all when a window holds or misses all of them, and reads the increases one by one only
// where a window edge falls among them. Whatever the edges, it must give what the rule gives
// increase by increase, computed here from the samples themselves: each counts with the part of
// its interval inside the window. For counters the loader saw in order the model never sorts the
// samples (a bucket's sum is its last value − its first + the recorded resets); for the others
// it reads them one by one: both ways are held to the same rule.

let db: TraceDatabase;
beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await importProcfsPool(db, 'w', longPool()); // 3 h at a 1 s scrape: a 10 s grid
  await buildPoolReport(db); // loads the pool models, pool_window_cpu among them
});
afterAll(() => db.close());

/** CPU seconds per window of the table `windows` (window_id, series_id, a, b), increase by increase from the samples. */
const reference = (windows: string) => `
      steps AS (
          -- every finite sample of a counter with the one before it (ties on time by value)
          SELECT x.series_id, x.ts, x.value, lag(x.ts) OVER w AS prev_ts, lag(x.value) OVER w AS prev_value
          FROM samples x
          WHERE x.series_id IN (SELECT series_id FROM pool_cpu_series WHERE NOT reaped) AND isfinite(x.value)
          WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts, x.value)),
      increases AS (
          -- a rise counts whole, a drop (a restart from 0) counts its new value, and the first
          -- sample counts from its process's start when that lies within the data
          SELECT x.series_id, coalesce(x.prev_ts, s.process_start_ts) AS from_ts, x.ts AS to_ts,
                 CASE WHEN x.prev_ts IS NOT NULL AND x.value >= x.prev_value THEN x.value * s.scale - x.prev_value * s.scale
                      ELSE x.value * s.scale END AS cpu_seconds
          FROM steps x JOIN pool_cpu_series s USING (series_id)
          WHERE x.prev_ts IS NOT NULL OR (s.from_start AND x.ts >= s.process_start_ts)
          UNION ALL
          SELECT r.series_id, coalesce(r.prev_ts, s.process_start_ts), r.ts, r.cpu_seconds
          FROM pool_reaped_increases r JOIN pool_cpu_series s USING (series_id)),
      slow AS (
          SELECT w.window_id,
                 exact_sum(i.cpu_seconds * CASE WHEN i.to_ts <= i.from_ts THEN (i.to_ts > w.a AND i.to_ts <= w.b)::INTEGER
                                                ELSE greatest(0, least(i.to_ts, w.b) - greatest(i.from_ts, w.a)) / (i.to_ts - i.from_ts) END) AS cpu_seconds
          FROM ${windows} w
          JOIN increases i ON i.series_id = w.series_id AND i.to_ts > w.a AND i.from_ts <= w.b
          GROUP BY w.window_id)`;

/** pool_window_cpu against the reference, for windows with edges anywhere. */
async function checkWindows(): Promise<void> {
  {
    const grid = (await db.rowsJS('SELECT t0, step_ms, end_ts FROM pool_grid'))[0]!;
    const t0 = Number(grid.t0);
    const step = Number(grid.step_ms);
    const end = Number(grid.end_ts);
    expect(step).toBe(10_000);
    const rand = seededRandom(7);
    const windows: [number | string, number][] = [
      ['-9223372036854775807', t0 + 2 * HOUR], // from the beginning (as startup's), past the grid's end
      [t0, end], // the whole deployment
      [t0 + 100 * step, t0 + 200 * step], // bucket edges
      [t0 + 100 * step + 1234, t0 + 100 * step + 3456], // inside one bucket
      [t0 + 100 * step + 999, t0 + 100 * step + 1001], // two milliseconds around a sample
      [end - 1, end + 60_000], // the last bucket, partly
      [t0 - 60_000, t0 + 1], // before the grid
    ];
    for (let i = 0; i < 40; i++) {
      const a = t0 + Math.floor(rand() * (end - t0));
      windows.push([a, a + 1 + Math.floor(rand() * (rand() < 0.5 ? 3 * step : HOUR))]);
    }
    await db.run(
      `CREATE OR REPLACE TEMP TABLE test_windows AS
       SELECT w.id AS window_id, s.series_id, w.a, w.b
       FROM (VALUES ${windows.map(([a, b], id) => `(${id}, ${a}::BIGINT, ${b}::BIGINT)`).join(', ')}) w(id, a, b)
       CROSS JOIN pool_cpu_series s`,
    );
    const rows = await db.rowsJS(`
      WITH fast AS (SELECT window_id, cpu_seconds FROM pool_window_cpu('test_windows')),
      ${reference('test_windows')}
      SELECT coalesce(f.window_id, s.window_id) AS window_id, f.cpu_seconds AS fast, s.cpu_seconds AS slow
      FROM fast f FULL JOIN slow s USING (window_id)
      ORDER BY 1`);
    expect(rows).toHaveLength(windows.length);
    let split = 0;
    for (const r of rows) {
      expect(r.fast, `window ${String(r.window_id)}: ${String(windows[Number(r.window_id)])}`).toBeCloseTo(
        Number(r.slow),
        9,
      );
      if (Number(r.slow) > 0) split++;
    }
    expect(split).toBeGreaterThan(40); // the windows hold CPU: the check is not of zeros
    // some of them had an edge among a bucket's increases (the increase-by-increase path)
    const undecided = await db.rowsJS(`
      SELECT count(*)::INTEGER AS n FROM test_windows w
      JOIN pool_cpu_parts p ON p.series_id = w.series_id AND p.within_bucket
       AND ((w.a > p.from_ts AND w.a < p.to_ts) OR (w.b > p.from_ts AND w.b < p.to_ts))`);
    expect(undecided[0]!.n).toBeGreaterThan(10);
  }
}

/** pool_process_cpu (CPU seconds per series and bucket) against the reference over random buckets. */
async function checkBuckets(): Promise<void> {
  const rand = seededRandom(11);
  const buckets = [...new Set(Array.from({ length: 30 }, () => Math.floor(rand() * 1080)))];
  await db.run(
    `CREATE OR REPLACE TEMP TABLE test_buckets AS
     SELECT s.series_id * 10000 + b.bucket AS window_id, s.series_id, b.bucket,
            s.t0 + b.bucket * s.step_ms AS a, s.t0 + (b.bucket + 1) * s.step_ms AS b
     FROM (VALUES ${buckets.map((b) => `(${b})`).join(', ')}) b(bucket)
     CROSS JOIN pool_cpu_series s`,
  );
  const rows = await db.rowsJS(`
    WITH model AS (
        SELECT c.series_id * 10000 + c.bucket AS window_id, exact_sum(c.cpu_seconds) AS cpu_seconds
        FROM pool_process_cpu c SEMI JOIN test_buckets t ON t.series_id = c.series_id AND t.bucket = c.bucket
        GROUP BY ALL),
    ${reference('test_buckets')}
    SELECT coalesce(m.window_id, s.window_id) AS window_id, coalesce(m.cpu_seconds, 0) AS model,
           coalesce(s.cpu_seconds, 0) AS slow
    FROM model m FULL JOIN slow s USING (window_id)
    ORDER BY 1`);
  expect(rows.filter((r) => Number(r.slow) > 0).length).toBeGreaterThan(30);
  for (const r of rows)
    expect(r.model, `series × 10000 + bucket ${String(r.window_id)}`).toBeCloseTo(Number(r.slow), 9);
}

const inOrder = async () =>
  Number((await db.rowsJS('SELECT count(*)::INTEGER AS n FROM pool_cpu_in_order'))[0]!.n);

describe('CPU seconds inside a window and per bucket', () => {
  it('match the increase-by-increase rule: counters the loader saw in order, read per bucket', async () => {
    const [own] = await db.rowsJS('SELECT count(*)::INTEGER AS n FROM pool_cpu_series WHERE NOT reaped');
    expect(await inOrder()).toBe(own!.n); // every process's own counter: no sort of its samples
    await checkWindows();
    await checkBuckets();
  });

  it('match it too for counters read sample by sample (resets not all recorded)', async () => {
    await db.run('UPDATE series_stats SET resets_complete = false');
    await buildPoolReport(db);
    expect(await inOrder()).toBe(0);
    await checkWindows();
    await checkBuckets();
  });
});
