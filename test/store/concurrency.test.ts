/**
 * Concurrent use: a database in use by one process gives every other process a clear one-line
 * error (DuckDB's file lock) and is not corrupted; a read-only database file can be queried.
 */
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const FIRST = join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json');
const SECOND = join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json');
const COUNT = 'SELECT count(*) AS n FROM samples';

async function makeDb(name: string): Promise<{ path: string; hash: string }> {
  const path = join(tmp.dir, name);
  const db = await TraceDatabase.open(path, { create: true });
  try {
    await importPath(db, FIRST, { deployment: 'd' });
    return { path, hash: await contentHash(db) };
  } finally {
    db.close();
  }
}

async function hashOf(path: string): Promise<string> {
  const db = await TraceDatabase.open(path, { readOnly: true });
  try {
    return await contentHash(db);
  } finally {
    db.close();
  }
}

const fileSha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a database in use by another process', () => {
  let path = '';
  let hash = '';
  beforeAll(async () => ({ path, hash } = await makeDb('busy.duckdb')));

  it('while one process writes, import and query in another fail with one clear line, and nothing is corrupted', async () => {
    const holder = await TraceDatabase.open(path);
    try {
      const imp = cli(['import', SECOND, '--db', path, '--deployment', 'd']);
      expect(imp.status).toBe(1);
      expect(imp.stderr).toBe(`trace-analyze: ${msg.dbLocked(path)}\n`);
      const query = cli(['query', '--db', path, COUNT]);
      expect(query.status).toBe(1);
      expect(query.stderr).toBe(`trace-analyze: ${msg.dbLocked(path)}\n`);
      // The holder still works and sees its data.
      expect(await contentHash(holder)).toBe(hash);
    } finally {
      holder.close();
    }
    expect(await hashOf(path)).toBe(hash);
    // Once the holder is gone, the refused import goes through.
    const imp = cli(['import', SECOND, '--db', path, '--deployment', 'd']);
    expect(imp.status).toBe(0);
    expect(await hashOf(path)).not.toBe(hash);
  });

  it('readers share: a query runs while another process reads, but an import is refused', async () => {
    const { path: shared, hash: sharedHash } = await makeDb('shared.duckdb');
    const reader = await TraceDatabase.open(shared, { readOnly: true });
    try {
      const query = cli(['query', '--db', shared, '--format', 'json', COUNT]);
      expect(query.stderr).toBe('');
      expect(query.status).toBe(0);
      expect(Number(JSON.parse(query.stdout)[0].n)).toBeGreaterThan(0);
      const imp = cli(['import', SECOND, '--db', shared, '--deployment', 'd']);
      expect(imp.status).toBe(1);
      expect(imp.stderr).toBe(`trace-analyze: ${msg.dbLocked(shared)}\n`);
    } finally {
      reader.close();
    }
    expect(await hashOf(shared)).toBe(sharedHash);
  });
});

describe('a read-only database file', () => {
  // root ignores file modes, so as root the CLI runs as nobody to make 0444 mean read-only.
  const asUser =
    process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : ({} as { uid?: number; gid?: number });

  it('query works on a 0444 file (in a folder the user cannot write), and the file is not touched', async () => {
    const { path } = await makeDb('readonly.duckdb');
    chmodSync(path, 0o444);
    chmodSync(tmp.dir, 0o555);
    try {
      const sha = fileSha(path);
      const mtime = statSync(path).mtimeMs;
      const r = cli(['query', '--db', path, '--format', 'json', COUNT], asUser);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(Number(JSON.parse(r.stdout)[0].n)).toBeGreaterThan(0);
      const imp = cli(['import', SECOND, '--db', path, '--deployment', 'd'], asUser);
      expect(imp.status).toBe(1);
      expect(imp.stderr.trim().split('\n')).toHaveLength(1);
      expect(imp.stderr).toContain(path);
      expect(imp.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(fileSha(path)).toBe(sha);
      expect(statSync(path).mtimeMs).toBe(mtime);
      expect(readdirSync(tmp.dir).filter((f) => f.startsWith('readonly.duckdb'))).toEqual([
        'readonly.duckdb',
      ]);
    } finally {
      chmodSync(tmp.dir, 0o755);
      chmodSync(path, 0o644);
    }
  });
});
