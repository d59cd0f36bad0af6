/**
 * trace-analyze never writes outside the paths the user gave: importing (good, broken and
 * hostile inputs alike) changes nothing but the database file and DuckDB's files next to it,
 * neither in the working folder, nor next to the inputs, nor in the temporary folder.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { changedPaths, snapshotTree } from '../helpers/files.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('writes', () => {
  it('import writes only the database (and DuckDB files next to it), whatever the input', () => {
    const root = tmp.dir;
    const work = join(root, 'work');
    const inputs = join(root, 'inputs');
    const temp = join(root, 'tmp');
    const dbDir = join(root, 'db');
    for (const d of [work, inputs, temp, dbDir]) mkdirSync(d, { recursive: true });
    copyFileSync(
      join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json'),
      join(inputs, 'good.json'),
    );
    const hostile = HOSTILE_INPUTS.map((make) => make(inputs));
    const before = snapshotTree(root);
    const env = { TMPDIR: temp, TMP: temp, TEMP: temp };
    const statuses = [join(inputs, 'good.json'), ...hostile, inputs].map(
      (input) =>
        cli(['import', input, '--db', join(dbDir, 'x.duckdb'), '--deployment', 'd'], { cwd: work, env })
          .status,
    );
    expect(statuses[0]).toBe(0);
    for (const s of statuses) expect([0, 1]).toContain(s);
    const changed = changedPaths(before, snapshotTree(root));
    expect(changed.filter((p) => !/^db(\/x\.duckdb(\.wal|\.tmp(\/.*)?)?)?$/.test(p))).toEqual([]);
    expect(changed).toContain('db/x.duckdb');
  });
});
