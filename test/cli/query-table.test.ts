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

describe('query --format table', () => {
  it('prints a result of 300,000 rows (column widths without spreading every row into one call)', () => {
    const r = cli(['query', '--db', DB, 'SELECT range AS n FROM range(300000)']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.trim()).toBe('n');
    expect(lines[2]!.trim()).toBe('0');
    expect(lines.at(-2)!.trim()).toBe('299999');
    expect(lines.at(-1)).toBe('(300000 rows)');
  });
});
