import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';

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
