/**
 * trace-analyze never writes outside the paths the user gave: importing (good, broken and
 * hostile inputs alike) changes nothing but the database file and DuckDB's files next to it,
 * neither in the working folder, nor next to the inputs, nor in the temporary folder.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Every path below `root` with its type, mode, size and content hash (links not followed). */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const info = lstatSync(full);
      const rel = relative(root, full);
      if (info.isDirectory()) {
        out.set(rel, `dir ${info.mode}`);
        walk(full);
      } else if (info.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`);
      else out.set(rel, `file ${info.mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
    }
  };
  walk(root);
  return out;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

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
    const before = snapshot(root);
    const env = { TMPDIR: temp, TMP: temp, TEMP: temp };
    const statuses = [join(inputs, 'good.json'), ...hostile, inputs].map(
      (input) =>
        cli(['import', input, '--db', join(dbDir, 'x.duckdb'), '--deployment', 'd'], { cwd: work, env })
          .status,
    );
    expect(statuses[0]).toBe(0);
    for (const s of statuses) expect([0, 1]).toContain(s);
    const changed = changes(before, snapshot(root));
    expect(changed.filter((p) => !/^db(\/x\.duckdb(\.wal|\.tmp(\/.*)?)?)?$/.test(p))).toEqual([]);
    expect(changed).toContain('db/x.duckdb');
  });
});
