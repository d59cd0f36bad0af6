import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../src/store/batch.js';
import { SampleStageFile, STAGE_ROW_GROUP } from '../../src/store/sample-stage.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Reads a staging file back with DuckDB's own Parquet reader: the independent check of the writer. */
async function readBack(path: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const schema = await connection.runAndReadAll(
      `SELECT name, type, repetition_type FROM parquet_schema($p)`,
      {
        p: path,
      },
    );
    expect(schema.getRows().slice(1)).toEqual([
      ['series_id', 'INT32', 'REQUIRED'],
      ['ts', 'DOUBLE', 'REQUIRED'],
      ['value', 'DOUBLE', 'OPTIONAL'],
    ]);
    const reader = await connection.runAndReadAll(`SELECT series_id, ts, value FROM read_parquet($p)`, {
      p: path,
    });
    return reader.getRows();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('Parquet staging file of samples', () => {
  it('DuckDB reads back every row bit for bit, stale markers as NULL, across row groups and appends', async () => {
    const n = 2 * STAGE_ROW_GROUP + 12_345;
    const ids = new Int32Array(n);
    const ts = new Float64Array(n);
    const value = new Float64Array(n);
    const stale = (i: number) =>
      i === 0 || i % 1000 === 3 || (i >= STAGE_ROW_GROUP - 2 && i < STAGE_ROW_GROUP + 3);
    for (let i = 0; i < n; i++) {
      ids[i] = (i * 7919) % 100_003;
      ts[i] = 1_700_000_000_000 + i * 15_000 - (i % 3);
      value[i] = stale(i)
        ? STALE_NAN
        : [NaN, -0, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, i / 3, -i * 1e10][i % 8]!;
    }
    const path = join(tmp.dir, 'a.parquet');
    const file = new SampleStageFile(path);
    // Appends of odd sizes, across row group boundaries.
    for (let i = 0; i < n; i += 50_001)
      file.append(ids.subarray(i, i + 50_001), ts.subarray(i, i + 50_001), value.subarray(i, i + 50_001));
    expect(file.rows).toBe(n);
    file.close();

    const rows = await readBack(path);
    expect(rows).toHaveLength(n);
    const bad: number[] = [];
    rows.forEach(([id, t, v], i) => {
      const ok =
        id === ids[i] &&
        t === ts[i] &&
        (stale(i) ? v === null : Object.is(v, value[i]) || (Number.isNaN(v) && Number.isNaN(value[i])));
      if (!ok) bad.push(i);
    });
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('writes a valid file for a single row, a row group with only stale markers, and no rows', async () => {
    const one = join(tmp.dir, 'one.parquet');
    const f1 = new SampleStageFile(one);
    f1.append(new Int32Array([42]), new Float64Array([1]), new Float64Array([2.5]));
    f1.close();
    expect(await readBack(one)).toEqual([[42, 1, 2.5]]);

    const allStale = join(tmp.dir, 'stale.parquet');
    const f2 = new SampleStageFile(allStale);
    // Filled element by element: a JS array literal may canonicalise the NaN payload away.
    const staleValues = new Float64Array(2);
    staleValues[0] = STALE_NAN;
    staleValues[1] = STALE_NAN;
    f2.append(new Int32Array([1, 2]), new Float64Array([1, 2]), staleValues);
    f2.close();
    expect(await readBack(allStale)).toEqual([
      [1, 1, null],
      [2, 2, null],
    ]);

    const empty = join(tmp.dir, 'empty.parquet');
    new SampleStageFile(empty).close();
    expect(await readBack(empty)).toEqual([]);
  });
});
