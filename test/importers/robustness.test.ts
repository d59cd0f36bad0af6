/**
 * Regressions found by test/fuzz that concern every importer at once, run over IMPORTERS so a
 * new importer is covered too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { IMPORTERS, importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('every importer', () => {
  // psrecord read through node:readline, which re-emitted the truncated gzip's error after the
  // importer had rejected the first line: an 'error' event nobody listened to.
  it.each(IMPORTERS.map((i) => i.format))(
    '%s: a truncated gzip of junk is an InputError, and nothing escapes afterwards',
    async (format) => {
      const gz = gzipSync(Buffer.from('[\u0000 not any format\n'.repeat(2000)));
      const path = join(tmp.dir, `junk-${format}.gz`);
      writeFileSync(path, gz.subarray(0, gz.length >> 1));
      const escaped: unknown[] = [];
      const onEscape = (e: unknown) => escaped.push(e);
      process.on('uncaughtException', onEscape);
      process.on('unhandledRejection', onEscape);
      const db = await TraceDatabase.open(':memory:');
      try {
        const error = await importPath(db, path, { deployment: 'd', format }).catch((e: unknown) => e);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).message).toContain(path);
        expect(escaped).toEqual([]);
      } finally {
        process.off('uncaughtException', onEscape);
        process.off('unhandledRejection', onEscape);
        db.close();
      }
    },
  );
});
