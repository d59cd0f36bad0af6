import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

/**
 * Every `sh` example of README.md runs, in order, as on a fresh clone after `npm ci`: in one
 * scratch folder (so the files they write land there) holding the clone's samples/, with
 * `npx trace-analyze` being this checkout's CLI, as npx runs a project's own bin in its clone.
 */
const SKIPPED: Record<string, string> = {
  'npm ci': 'installs the dependencies from the registry; this test runs after it',
  'npm test': 'the test suite this test belongs to',
  'npm pack': 'rebuilds dist/ under the tests that run it; scripts/check-tarball.sh (CI) packs and installs',
  'npm install -g ./trace-analyze-*.tgz':
    'installs globally; scripts/check-tarball.sh (CI) installs in a scratch prefix',
  'npx trace-analyze pull --url http://prometheus:9090 --match \'process_cpu_seconds_total{job="web"}\' --match \'{__name__=~"process_.*_bytes",job="web"}\' --start 2026-11-27T13:00:00Z --end 2026-11-27T17:00:00Z --out incident.json.gz':
    'needs a Prometheus server at http://prometheus:9090 (test/pull/ runs pull against a real one)',
  'npx trace-analyze import incident.json.gz --db incident.duckdb --deployment uvicorn':
    'reads the file the pull above writes',
  "curl -sG http://prometheus:9090/api/v1/query --data-urlencode 'query=process_cpu_seconds_total{job=\"web\"}[1h]' --data-urlencode 'time=2026-11-27T14:00:00Z' > chunk-14h.json":
    'needs a Prometheus server at http://prometheus:9090',
  'curl -s http://prometheus:9090/api/v1/metadata > metadata.json':
    'needs a Prometheus server at http://prometheus:9090',
  'jq -s \'{status: "success", trace_analyze_metadata: .[1].data, data: .[0].data}\' chunk-14h.json metadata.json > chunk-14h-typed.json':
    'reads the files the curl commands above write',
};

/** The commands of the README's ```sh blocks: continuation lines joined, comments left out. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap((m) =>
    m[1]!
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

const tmp = tempDir('trace-analyze-readme-');
afterAll(tmp.cleanup);

describe('README.md', () => {
  const commands = readmeCommands();

  it('skips only commands it still holds, each for a reason', () => {
    for (const skipped of Object.keys(SKIPPED)) expect(commands).toContain(skipped);
  });

  it('runs every other sh example in order, as on a fresh clone', () => {
    symlinkSync(join(ROOT, 'samples'), join(tmp.dir, 'samples'));
    // npx trace-analyze in the clone runs the project's own bin: this checkout's CLI.
    const prelude = `set -euo pipefail
npx() { if [ "$1" = trace-analyze ]; then shift; node ${JSON.stringify(join(ROOT, 'bin/trace-analyze.js'))} "$@"; else command npx "$@"; fi; }
`;
    const ran: string[] = [];
    for (const command of commands.filter((c) => !Object.hasOwn(SKIPPED, c))) {
      const r = spawnSync('bash', ['--norc', '--noprofile', '-c', prelude + command], {
        cwd: tmp.dir,
        encoding: 'utf8',
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(r.status, `${command}\n${r.stderr}`).toBe(0);
      expect(r.stderr, command).not.toMatch(/^trace-analyze: /m);
      if (/ (promql|query) /.test(command)) expect(r.stdout.trim(), command).not.toBe('');
      if (/ promql /.test(command)) {
        const body = JSON.parse(r.stdout) as { status: string; data: { result: unknown[] } };
        expect(body.status).toBe('success');
        expect(body.data.result.length, command).toBeGreaterThan(0);
      }
      ran.push(command);
    }
    expect(ran.length).toBeGreaterThanOrEqual(8);
    // What the examples say they write.
    expect(readFileSync(join(tmp.dir, 'report.html'), 'utf8')).toContain('<html');
    expect(readFileSync(join(tmp.dir, 'report.md'), 'utf8')).toMatch(/^# /);
    expect(existsSync(join(tmp.dir, 'sample-parquet/samples.parquet'))).toBe(true);
  }, 300_000);
});
