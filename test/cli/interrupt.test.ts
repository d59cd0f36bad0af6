/**
 * Ctrl-C (SIGINT) and SIGTERM in the middle of an import or a one-shot report: exit 128 + the
 * signal's number, one line on stderr, no staging folder or temporary database left behind, and
 * a database file that holds what it held before and takes back the space the import had used.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePromJson } from '../../bench/generate.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, ROOT, tempDir } from '../helpers/cli.js';
import { readOffset, sleep } from '../helpers/child.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const BIG = join(tmp.dir, 'big.json');
const NUM_PROCS = join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json');
const MIB = 1024 * 1024;

beforeAll(async () => {
  await writePromJson(BIG, { series: 300, points: 10_000 });
}, 60_000);

/** Starts the CLI; `exited` resolves with its exit code, signal and stderr. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/trace-analyze.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close': the process has exited and its stderr is read to the end.
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return { child, exited, running: () => !done };
}

/** Sends `signal` once `ready()` holds while the child runs; false when it ended first. */
async function signalWhen(
  run: ReturnType<typeof start>,
  ready: () => boolean,
  signal: NodeJS.Signals,
): Promise<boolean> {
  while (run.running()) {
    if (ready()) {
      run.child.kill(signal);
      return true;
    }
    await sleep(5);
  }
  return false;
}

const staging = (dir: string) => readdirSync(dir).filter((n) => /\.import-|\.compact-|\.wal$/.test(n));

describe.skipIf(process.platform !== 'linux')('interrupted import', () => {
  it('SIGINT mid-import: exit 130, one line, no staging folder, the database as before and no larger', async () => {
    const dir = join(tmp.dir, 'existing');
    mkdirSync(dir);
    const dbPath = join(dir, 'trace.duckdb');
    const db = await TraceDatabase.open(dbPath, { create: true });
    await importPath(db, NUM_PROCS, { deployment: 'd' });
    const before = await contentHash(db);
    db.close();
    const sizeBefore = statSync(dbPath).size;

    const run = start(['import', BIG, '--db', dbPath, '--deployment', 'd']);
    const size = statSync(BIG).size;
    let grownTo = 0;
    // Mid-import: the importer is reading (not yet at the end, so not committing) and DuckDB
    // has written part of the open transaction into the file (which grew by a MiB or more).
    const sent = await signalWhen(
      run,
      () => {
        const offset = readOffset(run.child.pid!, BIG);
        grownTo = statSync(dbPath).size;
        return offset !== undefined && offset < size * 0.9 && grownTo >= sizeBefore + MIB;
      },
      'SIGINT',
    );
    const exit = await run.exited;
    expect(sent, `the import ended before it could be interrupted: ${exit.stderr}`).toBe(true);
    expect(exit.code).toBe(130);
    expect(exit.stderr).toBe(`trace-analyze: ${msg.importInterrupted('SIGINT')}\n`);
    expect(staging(dir)).toEqual([]);

    // The space the cancelled import used is given back, and the content is what it was.
    expect(grownTo).toBeGreaterThanOrEqual(sizeBefore + MIB);
    expect(statSync(dbPath).size).toBeLessThanOrEqual(sizeBefore);
    const reopened = await TraceDatabase.open(dbPath);
    try {
      expect(await contentHash(reopened)).toBe(before);
    } finally {
      reopened.close();
    }
  }, 120_000);

  it('SIGTERM during the import into a new database: exit 143 and no database file left', async () => {
    const dir = join(tmp.dir, 'fresh');
    mkdirSync(dir);
    const dbPath = join(dir, 'new.duckdb');
    const run = start(['import', BIG, '--db', dbPath, '--deployment', 'd']);
    const size = statSync(BIG).size;
    const sent = await signalWhen(
      run,
      () => {
        const offset = readOffset(run.child.pid!, BIG);
        return offset !== undefined && offset > size * 0.1 && offset < size * 0.8;
      },
      'SIGTERM',
    );
    const exit = await run.exited;
    expect(sent, exit.stderr).toBe(true);
    expect(exit.code).toBe(143);
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);
});

describe.skipIf(process.platform !== 'linux')('interrupted one-shot report', () => {
  it('SIGINT while it imports or renders: exit 130 and no temporary database left', async () => {
    const scratch = join(tmp.dir, 'scratch');
    mkdirSync(scratch);
    const out = join(tmp.dir, 'report.html');
    const run = start(['report', join(ROOT, 'samples/real-capture-1'), '-o', out], { TMPDIR: scratch });
    // Mid-import: the loader's staging folder is in the temporary folder.
    const sent = await signalWhen(
      run,
      () =>
        readdirSync(scratch).some((d) => {
          try {
            return readdirSync(join(scratch, d)).some((n) => n.startsWith('.report.duckdb.import-'));
          } catch {
            return false;
          }
        }),
      'SIGINT',
    );
    const exit = await run.exited;
    expect(sent, exit.stderr).toBe(true);
    expect(exit.code).toBe(130);
    expect(exit.stderr).toContain(msg.reportInterrupted('SIGINT'));
    expect(readdirSync(scratch)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});

describe.skipIf(process.platform !== 'linux')('interrupted report on a database', () => {
  it('SIGINT while it renders: exit 130 and no spill folder left in the temporary folder', async () => {
    const db = join(tmp.dir, 'report-source.duckdb');
    const source = await TraceDatabase.open(db, { create: true });
    try {
      await importPath(source, BIG, { deployment: 'big', format: 'auto' });
    } finally {
      source.close();
    }
    const scratch = join(tmp.dir, 'report-scratch');
    mkdirSync(scratch);
    const out = join(tmp.dir, 'report-db.html');
    const run = start(['report', '--db', db, '-o', out], { TMPDIR: scratch });
    // the database is open once its spill folder is there; then the report's queries run
    const sent = await signalWhen(run, () => readdirSync(scratch).length > 0, 'SIGINT');
    const exit = await run.exited;
    expect(sent, exit.stderr).toBe(true);
    expect(exit.code).toBe(130);
    expect(exit.stderr).toContain(msg.reportDbInterrupted('SIGINT'));
    expect(readdirSync(scratch)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
