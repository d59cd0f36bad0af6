/**
 * A database file from elsewhere is input too: opened read-only (query, report), its views and
 * macros cannot read local files, write files, load extensions or turn those back on.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const DB = join(tmp.dir, 'gift.duckdb');
const SECRET = join(tmp.dir, 'secret.txt');
const SECRET_TEXT = 'the-secret-value-1234';

describe('a hostile database file, opened read-only', () => {
  beforeAll(async () => {
    writeFileSync(SECRET, SECRET_TEXT);
    const r = cli([
      'import',
      join(CAPTURE, 'reference/gunicorn/pss_sum.json'),
      '--db',
      DB,
      '--deployment',
      'd',
    ]);
    expect(r.status, r.stderr).toBe(0);
    // Someone adds a view that reads a local file to the database they hand over.
    const instance = await DuckDBInstance.create(DB);
    const c = await instance.connect();
    await c.run(`CREATE VIEW leak AS SELECT content FROM read_text('${SECRET}')`);
    c.closeSync();
    instance.closeSync();
  });

  it.each([
    ['a view reading a local file', 'SELECT * FROM leak'],
    ['reading a local file directly', `SELECT content FROM read_text('${SECRET}')`],
    ['writing a file', `COPY (SELECT 1) TO '${join(tmp.dir, 'out.csv')}'`],
    ['installing an extension', 'INSTALL httpfs'],
    ['turning file access back on', 'SET enable_external_access = true'],
    ['attaching another database', `ATTACH '${join(tmp.dir, 'other.duckdb')}' AS o`],
  ])('%s fails with one line, and nothing leaks or is written', (_name, sql) => {
    const r = cli(['query', '--db', DB, '--format', 'json', sql]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^trace-analyze: query failed: .+\n$/);
    expect(r.stdout + r.stderr).not.toContain(SECRET_TEXT);
    expect(existsSync(join(tmp.dir, 'out.csv'))).toBe(false);
    expect(existsSync(join(tmp.dir, 'other.duckdb'))).toBe(false);
  });

  it('export writes its --out folder, and a view still cannot read outside it', () => {
    const out = join(tmp.dir, 'export');
    const leak = cli([
      'export',
      '--db',
      DB,
      '--out',
      out,
      '--format',
      'csv',
      '--query',
      'SELECT * FROM leak',
    ]);
    expect(leak.status).toBe(1);
    expect(leak.stdout + leak.stderr).not.toContain(SECRET_TEXT);
    const ok = cli(['export', '--db', DB, '--out', out, '--format', 'csv', '--query', 'SELECT 1 AS x']);
    expect(ok.stderr).toContain(join(out, 'query.csv'));
    expect(ok.status).toBe(0);
  });

  it('the canonical tables still answer', () => {
    const r = cli(['query', '--db', DB, '--format', 'json', 'SELECT count(*) AS n FROM samples']);
    expect(r.status, r.stderr).toBe(0);
    expect(Number(JSON.parse(r.stdout)[0].n)).toBeGreaterThan(0);
  });
});
