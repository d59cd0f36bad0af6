import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/models/interval.js';
import { buildPoolReport } from '../../src/models/pool-report.js';
import { TraceDatabase } from '../../src/store/database.js';
import { HOUR, importProcfsPool, longPool } from '../helpers/pool-synth.js';

// pool_window_cpu (src/models/pool/140-cpu.sql) counts a bucket's summed increases whole or not
// at all when a window holds or misses all of them, and reads the increases one by one only
// where a window edge falls among them. Whatever the edges, it must give what the rule gives
// increase by increase: each counts with the part of its interval inside the window.

let db: TraceDatabase;
beforeAll(async () => {
  db = await TraceDatabase.open(':memory:');
  await importProcfsPool(db, 'w', longPool()); // 3 h at a 1 s scrape: a 10 s grid
  await buildPoolReport(db); // loads the pool models, pool_window_cpu among them
});
afterAll(() => db.close());

describe('CPU seconds inside a window', () => {
  it('match the increase-by-increase rule for windows with edges anywhere', async () => {
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
      slow AS (
          SELECT w.window_id, exact_sum(i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, w.a, w.b)) AS cpu_seconds
          FROM test_windows w
          JOIN pool_cpu_increases i ON i.series_id = w.series_id AND i.to_ts > w.a AND i.from_ts <= w.b
          GROUP BY w.window_id)
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
  });
});
