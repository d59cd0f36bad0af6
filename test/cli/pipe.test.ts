import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE, cli, ROOT, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe('output into a pipe', () => {
  it('a reader that stops early (| head) ends the command quietly, exit 0', () => {
    const db = join(tmp.dir, 'p.duckdb');
    const imported = cli([
      'import',
      join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json'),
      '--db',
      db,
      '--deployment',
      'g',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    // About 600 kB of CSV: far more than a pipe holds, so the CLI writes after head has gone.
    const r = spawnSync(
      'bash',
      [
        '-c',
        'set -o pipefail; node "$0" query --db "$1" "select * from range(100000)" --format csv | head -2',
        join(ROOT, 'bin/trace-analyze.js'),
        db,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).toBe('range\r\n0\r\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
