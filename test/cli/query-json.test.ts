import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDatabase } from '../../src/store/database.js';
import { cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const DB = join(tmp.dir, 'q.duckdb');

beforeAll(async () => {
  (await TraceDatabase.open(DB, { create: true })).close();
});

/** Three rows: small values, values past 2^53 (where a JS number would round), and NULLs. */
const SQL = `SELECT * FROM (VALUES
  (1::BIGINT, 1::HUGEINT, 18446744073709551615::UBIGINT, 1.10::DECIMAL(38,3), 7::INTEGER, 0.5::DOUBLE,
   'x'::BLOB, DATE '2026-11-27', TIMESTAMP '2026-11-27 13:00:00.123456', TIMESTAMPTZ '2026-11-27 13:00:00.5+01',
   [1, 2]::BIGINT[], MAP {'a': 1::BIGINT}, true, 'text'),
  (9007199254740993::BIGINT, 170141183460469231731687303715884105727::HUGEINT, 0::UBIGINT,
   12345678901234567890.123::DECIMAL(38,3), -7::INTEGER, 'NaN'::DOUBLE,
   '\\xAA\\xBB\\x00'::BLOB, DATE '1970-01-01', TIMESTAMP '1970-01-01 00:00:00', TIMESTAMPTZ '1970-01-01 00:00:00+00',
   [9007199254740993]::BIGINT[], MAP {'b': 9007199254740993::BIGINT}, false, ''),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) t(big, huge, ubig, dec, int, dbl, blob, day, ts, tstz, list, map, flag, txt)`;

describe('query --format json: one JSON type per column', () => {
  it('64-bit and wider integers and decimals are exact strings, BLOBs base64, times ISO 8601, NULL null', () => {
    const r = cli(['query', '--db', DB, '--format', 'json', SQL]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        big: '1',
        huge: '1',
        ubig: '18446744073709551615',
        dec: '1.100',
        int: 7,
        dbl: 0.5,
        blob: Buffer.from('x').toString('base64'),
        day: '2026-11-27',
        ts: '2026-11-27T13:00:00.123456',
        tstz: '2026-11-27T12:00:00.5Z',
        list: ['1', '2'],
        map: { a: '1' },
        flag: true,
        txt: 'text',
      },
      {
        big: '9007199254740993',
        huge: '170141183460469231731687303715884105727',
        ubig: '0',
        dec: '12345678901234567890.123',
        int: -7,
        dbl: 'NaN',
        blob: Buffer.from([0xaa, 0xbb, 0x00]).toString('base64'),
        day: '1970-01-01',
        ts: '1970-01-01T00:00:00',
        tstz: '1970-01-01T00:00:00Z',
        list: ['9007199254740993'],
        map: { b: '9007199254740993' },
        flag: false,
        txt: '',
      },
      Object.fromEntries(
        [
          'big',
          'huge',
          'ubig',
          'dec',
          'int',
          'dbl',
          'blob',
          'day',
          'ts',
          'tstz',
          'list',
          'map',
          'flag',
          'txt',
        ].map((c) => [c, null]),
      ),
    ]);
    // ISO strings that JavaScript reads back as the same instant.
    expect(Date.parse('2026-11-27T12:00:00.5Z')).toBe(Date.UTC(2026, 10, 27, 12, 0, 0, 500));
  });

  it('count(*) (a BIGINT) is a string; cast it to INTEGER for a number', () => {
    const r = cli([
      'query',
      '--db',
      DB,
      '--format',
      'json',
      'SELECT count(*) AS n, count(*)::INTEGER AS i FROM range(3)',
    ]);
    expect(JSON.parse(r.stdout)).toEqual([{ n: '3', i: 3 }]);
  });

  it('a BLOB in the table and CSV outputs is base64 too, not an object of bytes', () => {
    for (const format of ['table', 'csv']) {
      const r = cli(['query', '--db', DB, '--format', format, `SELECT 'x'::BLOB AS b`]);
      expect(r.stdout).toContain('eA==');
      expect(r.stdout).not.toContain('{');
    }
  });
});
