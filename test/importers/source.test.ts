import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../../src/base/limits.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('openSource streams', () => {
  // Found by the fuzzer: the importer rejected the first bytes, stopped reading, and gunzip then
  // reported the truncated end as an 'error' event nobody listened to, crashing the process.
  it('a truncated gzip whose content is rejected early fails with one line, not an unhandled error event', () => {
    const body = readFileSync(join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json'));
    const gz = gzipSync(Buffer.concat([Buffer.from('"'), body]));
    const file = join(tmp.dir, 'cut.json.gz');
    writeFileSync(file, gz.subarray(0, gz.length >> 1));
    const r = cli([
      'import',
      file,
      '--db',
      join(tmp.dir, 'a.duckdb'),
      '--deployment',
      'd',
      '--format',
      'prom-json',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/Unhandled|internal error|\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(file);
  });
});

describe('decompressed size limit (gzip bombs)', () => {
  const body = readFileSync(join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json'));
  // Valid JSON that expands 1000-fold: the body, then 24 MiB of trailing spaces.
  const bomb = join(tmp.dir, 'bomb.json.gz');
  writeFileSync(bomb, gzipSync(Buffer.concat([body, Buffer.alloc(24 << 20, 0x20)]), { level: 9 }));

  it('stops a gzip input that expands beyond --max-bytes, with one line and the database unchanged', async () => {
    const dbPath = join(tmp.dir, 'bomb.duckdb');
    expect(
      cli(['import', join(CAPTURE, 'reference/gunicorn/pss_sum.json'), '--db', dbPath, '--deployment', 'd'])
        .status,
    ).toBe(0);
    const before = await hashOf(dbPath);
    const r = cli(['import', bomb, '--db', dbPath, '--deployment', 'd', '--max-bytes', '4MiB']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trace-analyze: ${bomb} (byte ${4 << 20}): ${msg.inputTooLarge('4 MiB')}\n`);
    expect(await hashOf(dbPath)).toBe(before);
    // Raised, the same file imports.
    const raised = cli(['import', bomb, '--db', dbPath, '--deployment', 'd', '--max-bytes', '32MiB']);
    expect(raised.stderr).toContain('imported 642 samples');
    expect(raised.status).toBe(0);
  });

  it('applies in-process through importPath, and the default is DEFAULT_MAX_INPUT_BYTES', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const error = await importPath(db, bomb, {
        deployment: 'd',
        limits: { maxInputBytes: 1 << 20, maxEntryBytes: 1 << 20 },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).detail).toBe(msg.inputTooLarge('1 MiB'));
      const ok = await importPath(db, bomb, { deployment: 'd' });
      expect(ok.outcomes[0]!.result).toMatchObject({ status: 'imported', samples: 642 });
      expect(DEFAULT_MAX_INPUT_BYTES).toBeGreaterThan(1 << 30);
    } finally {
      db.close();
    }
  });

  it('--max-bytes and --max-entry-bytes take sizes; anything else is a usage error', () => {
    const r = cli([
      'import',
      bomb,
      '--db',
      join(tmp.dir, 'u.duckdb'),
      '--deployment',
      'd',
      '--max-bytes',
      'lots',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`trace-analyze: ${msg.badByteSize('--max-bytes', 'lots')}\n`);
    const e = cli([
      'import',
      bomb,
      '--db',
      join(tmp.dir, 'u.duckdb'),
      '--deployment',
      'd',
      '--max-entry-bytes',
      '-1',
    ]);
    expect(e.status).toBe(2);
  });
});

async function hashOf(path: string): Promise<string> {
  const db = await TraceDatabase.open(path, { readOnly: true });
  try {
    return await contentHash(db);
  } finally {
    db.close();
  }
}

describe('file system errors', () => {
  // Found by hand while fuzzing permissions: EACCES escaped as an internal error.
  it('an unreadable file or folder is a one-line error naming it, not an internal error', () => {
    const root = join(tmp.dir, 'perm');
    const inputs = join(root, 'in');
    mkdirSync(join(inputs, 'locked'), { recursive: true });
    copyFileSync(join(CAPTURE, 'reference/gunicorn/pss_sum.json'), join(inputs, 'unreadable.json'));
    chmodSync(join(inputs, 'locked'), 0o000);
    chmodSync(join(inputs, 'unreadable.json'), 0o000);
    chmodSync(tmp.dir, 0o755);
    chmodSync(root, 0o777);
    // root reads everything, so as root the CLI runs as nobody.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const db = join(root, 'p.duckdb');
      const folder = cli(['import', inputs, '--db', db, '--deployment', 'd'], asUser);
      expect(folder.status).toBe(1);
      expect(folder.stderr).toBe(
        `trace-analyze: ${msg.cannotRead(join(inputs, 'locked'), 'permission denied')}\n`,
      );
      const file = join(inputs, 'unreadable.json');
      const single = cli(['import', file, '--db', db, '--deployment', 'd'], asUser);
      expect(single.status).toBe(1);
      expect(single.stderr).toBe(`trace-analyze: ${msg.cannotRead(file, 'permission denied')}\n`);
    } finally {
      chmodSync(join(inputs, 'locked'), 0o755);
      chmodSync(tmp.dir, 0o700);
    }
  });
});
