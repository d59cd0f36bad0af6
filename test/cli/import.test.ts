/**
 * `trace-analyze import` as a newcomer meets it: a folder of things it does not know, a typo in
 * a path. One line when nothing was imported, a short summary otherwise, and no database left
 * behind by a command that imported nothing into a file it created.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const NUM_PROCS = join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json');
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('import: folders with unrecognised files, missing inputs', () => {
  it('a folder where nothing is recognised: exit 1, one line, no database created', () => {
    const junk = join(tmp.dir, 'junk');
    mkdirSync(join(junk, 'sub'), { recursive: true });
    writeFileSync(join(junk, 'a.txt'), 'hello\n');
    writeFileSync(join(junk, 'b.bin'), Buffer.from([0, 1, 2, 3, 255, 254]));
    writeFileSync(join(junk, 'sub/c.dat'), 'x y z\n');
    writeFileSync(join(junk, 'd.ini'), '[section]\nkey=value\n');
    const db = join(tmp.dir, 'junk.duckdb');
    const r = cli(['import', junk, '--db', db, '--deployment', 'd']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `trace-analyze: ${msg.importNothingRecognised(junk, ['a.txt', 'b.bin', 'd.ini', 'sub/c.dat'])}\n`,
    );
    expect(r.stderr).toContain('4 not recognised: a.txt, b.bin, d.ini, … 1 more');
    expect(existsSync(db)).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('junk.duckdb'))).toEqual([]);
  });

  it('an empty folder is an error too', () => {
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const r = cli(['import', empty, '--db', join(tmp.dir, 'empty.duckdb'), '--deployment', 'd']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trace-analyze: ${msg.importEmptyFolder(empty)}\n`);
    expect(existsSync(join(tmp.dir, 'empty.duckdb'))).toBe(false);
  });

  it('a folder with some files recognised: one line per import and one summary of the skipped', () => {
    const mixed = join(tmp.dir, 'mixed');
    mkdirSync(mixed);
    copyFileSync(NUM_PROCS, join(mixed, 'procs.json'));
    for (const name of ['notes.txt', 'x.bin', 'y.bin']) writeFileSync(join(mixed, name), `${name}\n`);
    const r = cli(['import', mixed, '--db', join(tmp.dir, 'mixed.duckdb'), '--deployment', 'd']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`${join(mixed, 'procs.json')}: imported `);
    expect(lines[1]).toBe(msg.importSkippedSummary(mixed, 1, ['notes.txt', 'x.bin', 'y.bin']));
    expect(lines[1]).toBe(`${mixed}: imported 1 file, skipped 3 (not recognised: notes.txt, x.bin, y.bin)`);
  });

  it('a missing input creates no database, and leaves an existing one byte for byte as it was', () => {
    const missing = join(tmp.dir, 'no-such-file.json');
    const fresh = join(tmp.dir, 'fresh.duckdb');
    const r = cli(['import', missing, '--db', fresh, '--deployment', 'd']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trace-analyze: ${msg.fileNotFound(missing)}\n`);
    expect(existsSync(fresh)).toBe(false);

    const existing = join(tmp.dir, 'existing.duckdb');
    expect(cli(['import', NUM_PROCS, '--db', existing, '--deployment', 'd']).status).toBe(0);
    const before = sha256(existing);
    const again = cli(['import', NUM_PROCS, missing, '--db', existing, '--deployment', 'd']);
    expect(again.status).toBe(1);
    expect(sha256(existing)).toBe(before);
  });
});
