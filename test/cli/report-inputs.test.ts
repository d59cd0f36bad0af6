/**
 * What the one-shot `report <path...>` takes: one deployment (a folder of its files, a /proc
 * snapshot folder as collect writes it, an archive) or a folder of deployment folders; and
 * `--start` to place psrecord logs, which carry no clock time.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { CAPTURE, ROOT, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const SAMPLES = join(ROOT, 'samples/real-capture-1');
const PSRECORD = join(CAPTURE, 'modes/gunicorn/psrecord.log');

interface JsonReport {
  deployments: { name: string; start: number; end: number }[];
  warnings: { deployment: string; message: string }[];
  inputs: { deployment: string; path: string; sha256: string }[];
}

async function jsonReport(args: string[]): Promise<JsonReport> {
  const r = await cliAsync(['report', ...args, '--format', 'json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JsonReport;
}

/** Elapsed seconds of the first and last row of a psrecord --log file, read here from the text. */
function elapsedRange(path: string): [number, number] {
  const rows = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => /^\s*\d/.test(l))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
  return [rows[0]!, rows.at(-1)!];
}

describe('report: one deployment folder', () => {
  it("a folder of one deployment's files is reported as that deployment, named after it", async () => {
    const folder = join(SAMPLES, 'gunicorn');
    const json = await jsonReport([folder]);
    expect(json.deployments.map((d) => d.name)).toEqual(['gunicorn']);
    const expected = ['procsnap-gunicorn.tar.gz', 'raw_samples.json.gz', 'wrk.txt'].map((f) => ({
      deployment: 'gunicorn',
      path: join(folder, f),
      sha256: createHash('sha256')
        .update(readFileSync(join(folder, f)))
        .digest('hex'),
    }));
    expect(json.inputs.map(({ deployment, path, sha256 }) => ({ deployment, path, sha256 }))).toEqual(
      expected,
    );
  });

  it('a /proc snapshot folder (collect --out <dir>) is one deployment', async () => {
    // The capture's snapshot folder: <unix_ms>/{meta,proc/...} folders, as collect writes them.
    const snapshots = join(CAPTURE, 'procsnap/uvicorn-spawn');
    const json = await jsonReport([snapshots]);
    expect(json.deployments.map((d) => d.name)).toEqual(['uvicorn-spawn']);
    expect(json.inputs).toHaveLength(1);
  });

  it('a folder of snapshot folders is a folder of deployments, not one snapshot set', async () => {
    const capture = join(tmp.dir, 'snapshot-capture');
    for (const name of ['fork', 'spawn'])
      cpSync(join(CAPTURE, 'procsnap/uvicorn-spawn'), join(capture, name), { recursive: true });
    expect((await jsonReport([capture])).deployments.map((d) => d.name)).toEqual(['fork', 'spawn']);
  });

  it('a folder of deployment folders still gives one deployment per subfolder', async () => {
    const capture = join(tmp.dir, 'capture');
    for (const name of ['b', 'a']) {
      mkdirSync(join(capture, name), { recursive: true });
      copyFileSync(PSRECORD, join(capture, name, 'psrecord.log'));
    }
    writeFileSync(join(capture, 'README.md'), '# notes\n');
    expect((await jsonReport([capture])).deployments.map((d) => d.name)).toEqual(['a', 'b']);
  });

  it('a folder with neither known files nor subfolders, and two inputs of one name, are errors', async () => {
    const notes = join(tmp.dir, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'notes.txt'), 'nothing here\n');
    const r = await cliAsync(['report', notes]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trace-analyze: ${msg.reportNothingRecognised(notes)}\n`);

    const one = join(tmp.dir, 'x/dep');
    const two = join(tmp.dir, 'y/dep');
    for (const d of [one, two]) {
      mkdirSync(d, { recursive: true });
      copyFileSync(PSRECORD, join(d, 'psrecord.log'));
    }
    const dup = await cliAsync(['report', one, two]);
    expect(dup.status).toBe(1);
    expect(dup.stderr).toBe(`trace-analyze: ${msg.reportDuplicateDeployment('dep', one, two)}\n`);
  });
});

describe('report --start: placing psrecord logs in a one-shot report', () => {
  const dep = join(tmp.dir, 'start/web');
  mkdirSync(dep, { recursive: true });
  copyFileSync(PSRECORD, join(dep, 'psrecord.log'));
  const [firstElapsed, lastElapsed] = elapsedRange(PSRECORD);
  const start = Date.parse('2031-01-01T00:00:00Z');

  it('--start <deployment>=<time> and a bare --start <time> place the log at that time', async () => {
    for (const option of ['web=2031-01-01T00:00:00Z', '2031-01-01T00:00:00Z']) {
      const json = await jsonReport([dep, '--start', option]);
      expect(json.deployments[0]!.start * 1000).toBeCloseTo(start + firstElapsed * 1000, 3);
      expect(json.deployments[0]!.end * 1000).toBeCloseTo(start + lastElapsed * 1000, 3);
      expect(json.warnings.some((w) => w.message.includes('no --start given'))).toBe(false);
    }
  });

  it('without --start, the warning names the option that exists', async () => {
    const json = await jsonReport([dep]);
    expect(json.warnings.find((w) => w.message.includes('no --start given'))?.message).toContain(
      'or report --start web=<time>',
    );
  });

  it('--start errors: an unknown deployment, a bare time for several deployments, with --db', async () => {
    const unknown = await cliAsync(['report', dep, '--start', 'api=2031-01-01T00:00:00Z']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(`trace-analyze: ${msg.poolUnknownDeployment('--start', 'api', ['web'])}\n`);
    const other = join(tmp.dir, 'start/api');
    mkdirSync(other, { recursive: true });
    copyFileSync(PSRECORD, join(other, 'psrecord.log'));
    const bare = await cliAsync(['report', dep, other, '--start', '1924992000']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toBe(
      `trace-analyze: ${msg.reportStartNeedsDeployment('1924992000', ['web', 'api'])}\n`,
    );
    const db = await cliAsync(['report', '--db', join(tmp.dir, 'x.duckdb'), '--start', '1924992000']);
    expect(db.status).toBe(2);
    expect(db.stderr).toBe(`trace-analyze: ${msg.reportStartWithDb()}\n`);
  });
});

describe('report on a terminal', () => {
  /** Runs the CLI with its standard output on a pseudo-terminal (util-linux script), in `cwd`. */
  function onTerminal(args: string[], cwd: string): Promise<{ status: number; stdout: string }> {
    const quoted = [process.execPath, join(ROOT, 'bin/trace-analyze.js'), ...args]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    return new Promise((resolve) => {
      execFile('script', ['-qec', quoted, '/dev/null'], { cwd, encoding: 'utf8' }, (error, stdout) =>
        resolve({ status: error ? Number(error.code) : 0, stdout }),
      );
    });
  }

  it.skipIf(process.platform !== 'linux')(
    'writes report.<format> in the current folder instead of the screen, and never over a file',
    async () => {
      const dep = join(tmp.dir, 'tty/web');
      mkdirSync(dep, { recursive: true });
      copyFileSync(PSRECORD, join(dep, 'psrecord.log'));
      const cwd = join(tmp.dir, 'tty');
      const first = await onTerminal(['report', dep, '--format', 'md', '--start', '1924992000'], cwd);
      expect(first.status, first.stdout).toBe(0);
      const written = readFileSync(join(cwd, 'report.md'), 'utf8');
      expect(written).toContain('# Deployment comparison');
      expect(first.stdout).not.toContain('# Deployment comparison');
      expect(first.stdout).toContain(msg.reportWritten('report.md', Buffer.byteLength(written)));

      writeFileSync(join(cwd, 'report.md'), 'keep me\n');
      const second = await onTerminal(['report', dep, '--format', 'md'], cwd);
      expect(second.status).toBe(1);
      expect(second.stdout).toContain(msg.reportDefaultExists('report.md'));
      expect(readFileSync(join(cwd, 'report.md'), 'utf8')).toBe('keep me\n');

      // -o naming the file replaces it (a pipe gets standard output: the tests above read it).
      const named = await onTerminal(['report', dep, '--format', 'md', '-o', 'report.md'], cwd);
      expect(named.status).toBe(0);
      expect(readFileSync(join(cwd, 'report.md'), 'utf8')).toContain('# Deployment comparison');
    },
  );
});
