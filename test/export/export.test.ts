import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, Vector, tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const DB = join(tmp.dir, 'trace.duckdb');
const TABLES = ['imports', 'series', 'samples', 'processes', 'metric_catalog'];

beforeAll(() => {
  // Real data plus the values exports must keep apart: NaN, ±Inf, a staleness marker (NULL),
  // and label values a spreadsheet would run as formulas.
  const dump = [
    '{__name__="up", cmd="=HYPERLINK(\\"http://x\\")", job="@evil"} 1 1700000000000',
    '{__name__="up", cmd="=HYPERLINK(\\"http://x\\")", job="@evil"} NaN 1700000015000',
    '{__name__="weird", a="-1+2", b="x,\\"y\\"\\nz"} +Inf 1700000000000',
    '{__name__="weird", a="-1+2", b="x,\\"y\\"\\nz"} -Inf 1700000015000',
    '',
  ].join('\n');
  writeFileSync(join(tmp.dir, 'dump.txt'), dump);
  writeFileSync(
    join(tmp.dir, 'nan.jsonl'),
    '{"metric":{"__name__":"g"},"values":[null,1.5e-300],"timestamps":[1,2]}\n',
  );
  for (const [path, deployment] of [
    [join(CAPTURE, 'prometheus/uvicorn-spawn/raw_samples_cpu_seconds_total.json'), 'uvicorn-spawn'],
    [join(tmp.dir, 'dump.txt'), 'edge'],
    [join(tmp.dir, 'nan.jsonl'), 'edge'],
  ]) {
    const r = cli(['import', path!, '--db', DB, '--deployment', deployment!]);
    expect(r.status, r.stderr).toBe(0);
  }
});

/** A value in one comparable shape, whatever reader produced it (maps as objects, lists as arrays). */
function norm(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Number.isInteger(v) ? v.toString() : v;
  if (v instanceof Date) return v.getTime().toString();
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Vector) return [...v].map(norm);
  if (typeof v === 'object') {
    const json = (v as { toJSON?: () => unknown }).toJSON?.() ?? v;
    return Object.fromEntries(Object.entries(json as object).map(([k, x]) => [k, norm(x)]));
  }
  return v;
}

/** Rows of an Arrow table; timestamps (ms with a fraction in apache-arrow) to whole ms, as DuckDB's JS Dates hold them. */
function arrowRows(table: Table): unknown[][] {
  const fields = table.schema.fields;
  return table.toArray().map((row) =>
    fields.map((f) => {
      const v = (row as Record<string, unknown>)[f.name];
      return DataType.isTimestamp(f.type) && typeof v === 'number' ? norm(Math.floor(v)) : norm(v);
    }),
  );
}

async function duckRows(db: TraceDatabase, sql: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const reader = await db.connection.runAndReadAll(sql);
  const maps = reader.columnTypes().map((t) => String(t).startsWith('MAP('));
  return {
    columns: reader.columnNames(),
    rows: reader
      .getRowsJS()
      .map((r) =>
        r.map((v, i) =>
          maps[i] && Array.isArray(v)
            ? Object.fromEntries(
                (v as { key: unknown; value: unknown }[]).map((e) => [String(e.key), norm(e.value)]),
              )
            : norm(v),
        ),
      ),
  };
}

/** Timestamps compared at full precision: DuckDB microseconds against Arrow's int64 values. */
async function micros(db: TraceDatabase, sql: string): Promise<string[]> {
  return (await db.rowsJS(sql)).map((r) => String(r.us));
}

describe('export', () => {
  it('Parquet (DuckDB read_parquet) and Arrow IPC (apache-arrow) hold the same rows as the database', async () => {
    const out = join(tmp.dir, 'out');
    for (const format of ['parquet', 'arrow']) {
      const r = cli(['export', '--db', DB, '--out', out, '--format', format]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/samples\.(parquet|arrow): wrote \d+ rows/);
    }
    const db = await TraceDatabase.open(DB, { readOnly: true, allowedDirectories: [tmp.dir] });
    try {
      for (const table of TABLES) {
        const source = await duckRows(
          db,
          readFileSync(join('src/export/tables', `${TABLES.indexOf(table) + 1}-${table}.sql`), 'utf8'),
        );
        const parquet = await duckRows(db, `SELECT * FROM read_parquet('${join(out, `${table}.parquet`)}')`);
        const arrow = tableFromIPC(readFileSync(join(out, `${table}.arrow`)));
        expect(parquet.columns, table).toEqual(source.columns);
        expect(
          arrow.schema.fields.map((f) => f.name),
          table,
        ).toEqual(source.columns);
        expect(parquet.rows, table).toEqual(source.rows);
        expect(arrowRows(arrow), table).toEqual(source.rows);
        if (table === 'samples') expect(source.rows.length).toBeGreaterThan(100);
      }
      // imported_at keeps DuckDB's microseconds in both files.
      const arrowImports = tableFromIPC(readFileSync(join(out, 'imports.arrow')));
      const arrowUs = [...(arrowImports.getChild('imported_at')!.data[0]!.values as BigInt64Array)].map(
        String,
      );
      expect(arrowUs).toEqual(
        await micros(db, `SELECT epoch_us(imported_at) AS us FROM imports ORDER BY import_id`),
      );
      expect(
        await micros(
          db,
          `SELECT epoch_us(imported_at) AS us FROM read_parquet('${join(out, 'imports.parquet')}')`,
        ),
      ).toEqual(arrowUs);
      // The edge values survive: NaN, ±Inf and the staleness marker as NULL.
      const edge = await duckRows(
        db,
        `SELECT value FROM read_parquet('${join(out, 'samples.parquet')}') p JOIN series s USING (series_id) WHERE s.deployment = 'edge' ORDER BY series_id, ts`,
      );
      expect(edge.rows.flat()).toEqual(['1', null, Infinity, -Infinity, 'NaN', 1.5e-300]);
    } finally {
      db.close();
    }
  });

  it('CSV is safe to open in a spreadsheet and reads back to the same numbers', async () => {
    const out = join(tmp.dir, 'csv');
    const r = cli(['export', '--db', DB, '--out', out, '--format', 'csv']);
    expect(r.status, r.stderr).toBe(0);
    const series = readFileSync(join(out, 'series.csv'), 'utf8');
    // Every field that starts a formula is defused with a leading apostrophe; labels are JSON text.
    // Formula-looking text is defused with a leading apostrophe, numbers stay numbers.
    const q = cli([
      'export',
      '--db',
      DB,
      '--out',
      out,
      '--format',
      'csv',
      '--query',
      `SELECT labels['cmd'] AS cmd, labels['job'] AS job, labels['a'] AS a, -1 AS n FROM series WHERE deployment = 'edge' AND metric <> 'g' ORDER BY metric`,
    ]);
    expect(q.status, q.stderr).toBe(0);
    expect(readFileSync(join(out, 'query.csv'), 'utf8')).toBe(
      `cmd,job,a,n\r\n"'=HYPERLINK(""http://x"")",'@evil,,-1\r\n,,'-1+2,-1\r\n`,
    );
    for (const line of series.split('\r\n').slice(1)) {
      for (const field of line.split(',')) expect(field).not.toMatch(/^"?[=+\-@]/);
    }
    const db = await TraceDatabase.open(DB, { readOnly: true, allowedDirectories: [tmp.dir] });
    try {
      const fromCsv = await duckRows(
        db,
        `SELECT series_id, ts, value FROM read_csv('${join(out, 'samples.csv')}', header = true, nullstr = '', columns = {'series_id': 'INTEGER', 'ts': 'BIGINT', 'value': 'VARCHAR'})`,
      );
      const source = await duckRows(db, `SELECT series_id, ts, value FROM samples ORDER BY series_id, ts`);
      // CSV writes NaN and infinities as Prometheus does; a NULL (staleness marker) is an empty field.
      const fromText = (v: unknown) =>
        v === null ? null : /^(NaN|[+-]Inf)$/.test(v as string) ? v : Number(v);
      const fromSource = (v: unknown) =>
        v === null
          ? null
          : v === 'NaN'
            ? 'NaN'
            : v === Infinity
              ? '+Inf'
              : v === -Infinity
                ? '-Inf'
                : Number(v);
      expect(fromCsv.rows.map(([s, t, v]) => [s, t, fromText(v)])).toEqual(
        source.rows.map(([s, t, v]) => [s, t, fromSource(v)]),
      );
    } finally {
      db.close();
    }
  });

  it('--query exports one SQL result as query.<format>, the same in every format', async () => {
    const out = join(tmp.dir, 'query');
    const sql = `SELECT deployment, metric, count(*) AS n, max(value) AS top FROM samples JOIN series USING (series_id) GROUP BY ALL ORDER BY ALL;`;
    for (const format of ['parquet', 'arrow', 'csv']) {
      const r = cli(['export', '--db', DB, '--out', out, '--format', format, '--query', sql]);
      expect(r.status, r.stderr).toBe(0);
    }
    const db = await TraceDatabase.open(DB, { readOnly: true, allowedDirectories: [tmp.dir] });
    try {
      const source = await duckRows(db, sql.replace(/;$/, ''));
      expect(
        (await duckRows(db, `SELECT * FROM read_parquet('${join(out, 'query.parquet')}')`)).rows,
      ).toEqual(source.rows);
      expect(arrowRows(tableFromIPC(readFileSync(join(out, 'query.arrow'))))).toEqual(source.rows);
      expect(readFileSync(join(out, 'query.csv'), 'utf8').split('\r\n')[0]).toBe('deployment,metric,n,top');
    } finally {
      db.close();
    }
  });

  it('a bad format is a usage error (exit 2); bad SQL is a one-line error (exit 1)', () => {
    const bad = cli(['export', '--db', DB, '--out', join(tmp.dir, 'x'), '--format', 'xlsx']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown export format "xlsx"');
    const sql = cli(['export', '--db', DB, '--out', join(tmp.dir, 'x'), '--query', 'SELECT * FROM nope']);
    expect(sql.status).toBe(1);
    expect(sql.stderr.trim().split('\n')).toHaveLength(1);
    expect(sql.stderr).toMatch(/query failed: .*nope/);
  });
});
