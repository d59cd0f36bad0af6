/**
 * Bytes that are not UTF-8 in a text input are an error naming the file and line (or byte
 * offset), in every text importer: Prometheus' text parsers refuse an invalid UTF-8 label value
 * (model/textparse/promparse.go, openmetricsparse.go: "invalid UTF-8 label value"), where a
 * lenient decoder would store U+FFFD and so a label that is not the one written.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/prometheus-textparse');
const tmp = tempDir();
afterAll(tmp.cleanup);

const FF = Buffer.from([0xff]);
const bytes = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));

/** Imports a path and returns the error it ends with; the database must hold nothing afterwards. */
async function importError(path: string, format?: string): Promise<Error> {
  const db = await TraceDatabase.open(':memory:');
  try {
    const error = await importPath(db, path, { deployment: 'd', format }).then(
      () => new Error('imported without error'),
      (e: unknown) => e as Error,
    );
    expect(await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM samples`)).toEqual([{ n: 0 }]);
    return error;
  } finally {
    db.close();
  }
}

describe('invalid UTF-8 in a text input', () => {
  it.each(['invalid-utf8-label-value.prom', 'invalid-utf8-label-value.om'])(
    "Prometheus' text-parser test input %s is refused with its file and line",
    async (name) => {
      const error = await importError(join(FIXTURES, name));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(
        `${join(FIXTURES, name)}:1: not UTF-8 text (a byte sequence that is not UTF-8)`,
      );
    },
  );

  it.each([
    [
      'prom-text',
      'scrape.prom',
      bytes('# TYPE up gauge\nup{a="ok"} 1 1000\nup{a="', FF, '"} 1 2000\n'),
      ':3: not UTF-8',
    ],
    [
      'promtool-dump',
      'dump.txt',
      bytes('{__name__="up", a="ok"} 1 1000\n{__name__="up", a="', FF, '"} 1 2000\n'),
      ':2: not UTF-8',
    ],
    [
      'vm-jsonl',
      'export.jsonl',
      bytes('{"metric":{"__name__":"up","a":"', FF, '"},"values":[1],"timestamps":[1000]}\n'),
      ':1: not UTF-8',
    ],
    [
      'psrecord',
      'psrecord.log',
      bytes(
        '# Elapsed time   CPU (%)     Real (MB)   Virtual (MB)\n       0.000        0.000       18.316       22.836\n',
        FF,
        '\n',
      ),
      ':3: not UTF-8',
    ],
    ['grafana-csv', 'panel.csv', bytes('"Time","up{a=""', FF, '""}"\n1700000000000,1\n'), ':1: not UTF-8'],
    [
      'grafana-csv',
      'panel-utf16.csv',
      // UTF-16LE with a byte order mark; line 2 holds a lone surrogate (0xD800).
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('Time,up\n1700000000000,', 'utf16le'),
        Buffer.from([0x00, 0xd8]),
        Buffer.from('1\n', 'utf16le'),
      ]),
      ':2: not UTF-16LE',
    ],
    [
      'prom-json',
      'body.json',
      bytes(
        '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"',
        FF,
        '"},"value":[1,"1"]}]}}',
      ),
      ' (byte 75): a string that is not UTF-8',
    ],
  ])('%s (%s) names the file and position', async (format, name, content, where) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, content);
    const error = await importError(path, format);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message.startsWith(`${path}${where}`), error.message).toBe(true);
  });
});
