import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePromJson } from '../../bench/generate.js';
import { InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { STALE_NAN, type ImportBatch } from '../../src/store/batch.js';
import { STAGE_FILE_ROWS, loadImport } from '../../src/store/loader.js';
import { tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

// More samples than one staging file holds, so several INSERTs overlap the parsing.
const SERIES = 4;
const POINTS = Math.ceil((STAGE_FILE_ROWS * 1.3) / SERIES);

describe('loader: samples through staging files', () => {
  const big = join(tmp.dir, 'big.json');

  it('lands an import larger than several staging files whole, every sample exact', async () => {
    await writePromJson(big, { series: SERIES, points: POINTS });
    expect(statSync(big).size).toBeGreaterThan(16 * 1024 * 1024); // also hashed on a worker thread
    const dir = join(tmp.dir, 'ok');
    mkdirSync(dir);
    const db = await TraceDatabase.open(join(dir, 'trace.duckdb'), { create: true });
    try {
      const { outcomes } = await importPath(db, big, { deployment: 'd' });
      expect(outcomes[0]!.result).toMatchObject({
        status: 'imported',
        samples: SERIES * POINTS,
        series: SERIES,
      });
      // Independent reading: JSON.parse of the file, series in file order, samples in file order.
      const body = JSON.parse(readFileSync(big, 'utf8')) as {
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      const rows = await db.rowsJS(
        `SELECT s.labels['groupname'] AS g, s.labels['mode'] AS mode, s.labels['memtype'] AS memtype, p.ts, p.value
         FROM samples p JOIN series s USING (series_id) ORDER BY p.series_id, p.ts`,
      );
      expect(rows).toHaveLength(SERIES * POINTS);
      let k = 0;
      let mismatches = 0;
      for (const series of body.data.result) {
        for (const [t, v] of series.values) {
          const row = rows[k++]!;
          const label = series.metric.mode ?? series.metric.memtype;
          if (
            row.g !== series.metric.groupname ||
            (row.mode ?? row.memtype) !== label ||
            Number(row.ts) !== Math.round(t * 1000) ||
            row.value !== parseFloat(v)
          )
            mismatches++;
        }
      }
      expect(mismatches).toBe(0);
      expect(await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM samples WHERE value IS NULL`)).toEqual([
        { n: 0 },
      ]);
    } finally {
      db.close();
    }
    // Staging files live next to the database while the import runs, and are gone after it.
    expect(readdirSync(dir).sort()).toEqual(['trace.duckdb']);
  }, 120_000);

  it('a large file imported again is a no-op, found by the hash computed on a worker thread', async () => {
    const db = await TraceDatabase.open(join(tmp.dir, 'ok', 'trace.duckdb'));
    try {
      const counts = `SELECT (SELECT count(*) FROM imports)::INTEGER AS imports, (SELECT count(*) FROM series)::INTEGER AS series,
                             (SELECT count(*) FROM samples)::INTEGER AS samples`;
      const before = await db.rowsJS(counts);
      const { outcomes } = await importPath(db, big, { deployment: 'd' });
      expect(outcomes[0]!.result).toEqual({ status: 'noop', importId: 1 });
      expect(await db.rowsJS(counts)).toEqual(before);
    } finally {
      db.close();
    }
    expect(readdirSync(join(tmp.dir, 'ok')).sort()).toEqual(['trace.duckdb']);
  }, 120_000);

  it('an import failing after several staging files were inserted leaves the database as it was', async () => {
    const broken = join(tmp.dir, 'broken.json');
    await writePromJson(broken, { series: SERIES, points: POINTS });
    // Break the '[' of a pair near the end, well past the first staging files.
    const at = readFileSync(broken).indexOf(',[', statSync(broken).size - 1000) + 1;
    const fd = openSync(broken, 'r+');
    writeSync(fd, Buffer.from('x'), 0, 1, at);
    closeSync(fd);
    const dir = join(tmp.dir, 'broken');
    mkdirSync(dir);
    const db = await TraceDatabase.open(join(dir, 'trace.duckdb'), { create: true });
    try {
      const small = join(tmp.dir, 'small.json');
      await writePromJson(small, { series: 3, points: 50 });
      await importPath(db, small, { deployment: 'd' });
      const before = await contentHash(db);
      const error = await importPath(db, broken, { deployment: 'd' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(new RegExp(`broken\\.json.*${at}`));
      expect((error as InputError).message.split('\n')).toHaveLength(1);
      expect(await contentHash(db)).toBe(before);
    } finally {
      db.close();
    }
    expect(readdirSync(dir).sort()).toEqual(['trace.duckdb']);
  }, 180_000);

  it('stores stale markers as NULL and keeps NaN, -0 and infinities', async () => {
    const value = new Float64Array(5);
    [1.5, NaN, -0, -Infinity].forEach((v, i) => (value[i] = v));
    value[4] = STALE_NAN; // element by element: keeps the NaN payload
    async function* batches(): AsyncGenerator<ImportBatch> {
      yield {
        series: [{ ref: 7, metric: 'm', labels: { a: 'b' }, kind: 'gauge' }],
        samples: { length: 5, ref: new Int32Array(5).fill(7), ts: new Float64Array([1, 2, 3, 4, 5]), value },
      };
    }
    const db = await TraceDatabase.open(':memory:');
    try {
      const result = await loadImport(
        db,
        { deployment: 'd', path: 'x', format: 'test', sha256: 'h' },
        batches(),
      );
      expect(result).toMatchObject({ status: 'imported', samples: 5, series: 1 });
      const rows = await db.rowsJS(`SELECT ts, value FROM samples ORDER BY ts`);
      expect(rows.map((r) => [Number(r.ts), r.value])).toEqual([
        [1, 1.5],
        [2, NaN],
        [3, -0],
        [4, -Infinity],
        [5, null],
      ]);
      expect(Object.is(rows[2]!.value, -0)).toBe(true);
    } finally {
      db.close();
    }
  });
});
