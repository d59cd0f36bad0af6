import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { cli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/prometheus.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const BASE = ['pull', '--url', 'http://127.0.0.1:9', '--match', 'up', '--start', '1700000000', '--end', '1h'];

describe('trace-analyze pull: the command line', () => {
  it.each([
    ['neither --out nor --db', [], msg.pullOutOrDb()],
    ['both --out and --db', ['--out', 'x.json', '--db', 'x.duckdb', '--deployment', 'd'], msg.pullOutOrDb()],
    ['--db without --deployment', ['--db', 'x.duckdb'], msg.pullOutOrDb()],
    ['a malformed header', ['--out', 'x.json', '--header', 'Bearer s3cr3t'], msg.pullBadHeader()],
    ['a bad chunk', ['--out', 'x.json', '--chunk', 'soon'], msg.badDuration('--chunk', 'soon')],
    ['bad retries', ['--out', 'x.json', '--retries', '-1'], msg.pullBadRetries('-1')],
  ])('%s is a usage error (exit 2)', (_name, extra, message) => {
    const r = cli([...BASE, ...extra], { cwd: tmp.dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`trace-analyze: ${message}\n`);
    expect(r.stderr).not.toContain('s3cr3t');
  });

  it('an end before the start is a usage error', () => {
    const r = cli([
      'pull',
      '--url',
      'http://127.0.0.1:9',
      '--match',
      'up',
      '--start',
      '200',
      '--end',
      '100',
      '--out',
      'x.json',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(msg.pullBadWindow());
  });

  it('an unreachable server is one line, exit 1, and nothing is created', async () => {
    const port = await freePort();
    const out = join(tmp.dir, 'never.json');
    const db = join(tmp.dir, 'never.duckdb');
    for (const target of [
      ['--out', out],
      ['--db', db, '--deployment', 'd'],
    ]) {
      const r = cli([
        'pull',
        '--url',
        `http://127.0.0.1:${port}`,
        '--match',
        'up',
        '--start',
        '1700000000',
        '--end',
        '60s',
        '--retries',
        '0',
        '--header',
        'Authorization: Bearer s3cr3t',
        ...target,
      ]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `trace-analyze: ${msg.pullNetworkError(`http://127.0.0.1:${port}/api/v1/query`, 'ECONNREFUSED', 1)}\n`,
      );
    }
    expect(existsSync(out)).toBe(false);
    expect(existsSync(db)).toBe(false);
  });
});
