/**
 * Crash safety: `trace-analyze import` killed with SIGKILL in the middle of a large import
 * leaves a database that opens, holds no part of that import, and takes the same import again.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writePromJson } from '../../bench/generate.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, ROOT, cli, tempDir } from '../helpers/cli.js';
import { readOffset, sleep } from '../helpers/child.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const SERIES = 300;
const POINTS = 10_000;

describe('crash safety', () => {
  it.skipIf(process.platform !== 'linux')(
    'SIGKILL in the middle of a large import: the database opens, holds nothing of it, and the import then completes',
    async () => {
      const big = join(tmp.dir, 'big.json');
      await writePromJson(big, { series: SERIES, points: POINTS });
      const size = statSync(big).size;
      const dbPath = join(tmp.dir, 'crash.duckdb');

      // A database that already holds an import, so "unchanged" means something.
      const db = await TraceDatabase.open(dbPath, { create: true });
      await importPath(db, join(CAPTURE, 'prometheus/gunicorn/query_range_step1s_num_procs.json'), {
        deployment: 'd',
      });
      const before = await contentHash(db);
      db.close();
      const sizeBefore = statSync(dbPath).size;

      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/trace-analyze.js'), 'import', big, '--db', dbPath, '--deployment', 'd'],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );

      // In progress means: the importer is reading the input (not yet at its end, so not yet
      // committing) and DuckDB has already written part of the open transaction to the file.
      let killedAt: { offset: number; dbBytes: number } | undefined;
      let done = false;
      void exited.then(() => (done = true));
      while (!done && !killedAt) {
        const offset = readOffset(child.pid!, big);
        const dbBytes = statSync(dbPath).size;
        if (offset !== undefined && offset > size * 0.2 && offset < size * 0.8 && dbBytes > sizeBefore) {
          child.kill('SIGKILL');
          killedAt = { offset, dbBytes };
        } else {
          await sleep(5);
        }
      }
      const exit = await exited;
      expect(killedAt, `the import ended before it could be killed: ${stderr}`).toBeDefined();
      expect(exit.signal).toBe('SIGKILL');

      // The database opens, and holds exactly what it held before.
      const reopened = await TraceDatabase.open(dbPath);
      try {
        expect(await contentHash(reopened)).toBe(before);
        expect(
          await reopened.rowsJS(`SELECT count(*)::INTEGER AS n FROM imports WHERE path = $p`, { p: big }),
        ).toEqual([{ n: 0 }]);
      } finally {
        reopened.close();
      }

      // The same import then completes, with every sample.
      const again = cli(['import', big, '--db', dbPath, '--deployment', 'd']);
      expect(again.stderr).toContain(`imported ${SERIES * POINTS} samples in ${SERIES} series`);
      expect(again.status).toBe(0);
      const counted = cli([
        'query',
        '--db',
        dbPath,
        '--format',
        'json',
        `SELECT count(*) AS n FROM samples JOIN series USING (series_id) WHERE import_id = (SELECT import_id FROM imports WHERE path = '${big}')`,
      ]);
      expect(JSON.parse(counted.stdout)).toEqual([{ n: String(SERIES * POINTS) }]); // BIGINT: an exact string
    },
    180_000,
  );
});
