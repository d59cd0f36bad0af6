import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { readPromBody, type PromSeries } from '../helpers/prom.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const RAW = join(CAPTURE, 'prometheus/uvicorn-spawn/raw_samples.json.gz');

describe('trace-analyze import and query (done-when of the foundation)', () => {
  it('imports raw samples and reports the number of points through query --format json', () => {
    const db = join(tmp.dir, 'x.duckdb');
    const imported = cli(['import', RAW, '--db', db, '--deployment', 'd']);
    expect(imported.status, imported.stderr).toBe(0);
    const points = (readPromBody(RAW).result as PromSeries[]).reduce((n, s) => n + s.values!.length, 0);
    const series = (readPromBody(RAW).result as PromSeries[]).length;
    expect(imported.stderr).toContain(msg.importDone(RAW, 'prom-json', series, points, 'd'));
    const q = cli(['query', '--db', db, 'select count(*) AS n from samples', '--format', 'json']);
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ n: String(points) }]); // BIGINT: an exact string
    const again = cli(['import', RAW, '--db', db, '--deployment', 'd']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('identical content already imported');
  });

  it('prints tables and CSV, and CSV text cells cannot become spreadsheet formulas', () => {
    const db = join(tmp.dir, 'q.duckdb');
    expect(
      cli([
        'import',
        join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json'),
        '--db',
        db,
        '--deployment',
        'g',
      ]).status,
    ).toBe(0);
    const table = cli(['query', '--db', db, `select deployment, count(*) AS n from series group by 1`]);
    expect(table.stdout).toMatch(/deployment\s+n\n-+\s+-+\ng\s+\d+\n\(1 row\)\n/);
    const csv = cli(['query', '--db', db, `select '=1+2' AS f, -1.5 AS n, 'a,"b"' AS q`, '--format', 'csv']);
    expect(csv.stdout).toBe(`f,n,q\r\n'=1+2,-1.5,"a,""b"""\r\n`);
  });

  it('exit codes: 2 for usage errors, 1 for bad data, one line on stderr naming the file', () => {
    const db = join(tmp.dir, 'e.duckdb');
    const usage = cli(['import', RAW, '--db', db]);
    expect(usage.status).toBe(2);
    expect(cli(['frobnicate']).status).toBe(2);
    expect(cli(['import', RAW, '--db', db, '--deployment', 'd', '--format', 'nope']).status).toBe(2);
    expect(cli(['import', RAW, '--db', db, '--deployment', 'd', '--start', 'yesterday']).status).toBe(2);

    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(
      bad,
      readFileSync(join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json')).subarray(0, 5000),
    );
    const r = cli(['import', bad, '--db', db, '--deployment', 'd']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^trace-analyze: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(byte \\d+\\): file ends early`,
      ),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const unknown = join(tmp.dir, 'notes.txt');
    writeFileSync(unknown, 'hello\n');
    const u = cli(['import', unknown, '--db', db, '--deployment', 'd']);
    expect(u.status).toBe(1);
    expect(u.stderr).toContain(`${unknown}: format not recognised (tried prom-json`);

    const missing = cli(['import', join(tmp.dir, 'missing.json'), '--db', db, '--deployment', 'd']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such file or folder');

    const sql = cli(['query', '--db', db, 'select * from nope']);
    expect(sql.status).toBe(1);
    expect(sql.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help and --version', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('import');
    const version = cli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.split('\n')[0]).toBe(
      `trace-analyze ${JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version}`,
    );
  });
});
