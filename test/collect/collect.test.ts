import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { cli, ROOT, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Every entry of a recording is a complete snapshot folder: a unix-ms name holding meta and proc/stat. */
function snapshotsOf(dir: string): string[] {
  const names = readdirSync(dir);
  expect(names.filter((n) => !/^\d{13}$/.test(n))).toEqual([]);
  for (const n of names) {
    expect(existsSync(join(dir, n, 'meta'))).toBe(true);
    expect(existsSync(join(dir, n, 'proc', 'stat'))).toBe(true);
  }
  return names;
}

async function processesOf(dir: string) {
  const db = await TraceDatabase.open(':memory:');
  const { outcomes } = await importPath(db, dir, { deployment: 'rec' });
  expect(outcomes.map((o) => o.format)).toEqual(['procfs']);
  const rows = await db.rowsJS(`SELECT pid, ppid, comm, cmdline, role FROM processes ORDER BY role, pid`);
  db.close();
  return rows;
}

const TREE = ['sh', '-c', 'sleep 1.2 & sleep 1.2 & wait'];

/** `collect --pid <pid> --out <out>` every 100 ms, as a child process (stopped by the test). */
function startRecorder(pid: number, out: string) {
  return spawn(process.execPath, [
    join(ROOT, 'bin/trace-analyze.js'),
    'collect',
    '--pid',
    String(pid),
    '--out',
    out,
    '--interval',
    '100ms',
  ]);
}

describe('trace-analyze collect', () => {
  it('records a command it starts, with its children, until it ends', async () => {
    const out = join(tmp.dir, 'cmd');
    const r = cli(['collect', '--out', out, '--interval', '200ms', '--', ...TREE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`^${out}: wrote \\d+ snapshots in [\\d.]+ s; the recorder used [\\d.]+ s of CPU`),
    );
    expect(snapshotsOf(out).length).toBeGreaterThanOrEqual(3);
    const procs = await processesOf(out);
    expect(procs.map((p) => [p.comm, p.role])).toEqual([
      ['sh', 'master'],
      ['sleep', 'worker'],
      ['sleep', 'worker'],
    ]);
    expect(procs[0]!.cmdline).toBe('sh -c sleep 1.2 & sleep 1.2 & wait');
  });

  it('Ctrl-C (SIGINT) finishes the snapshot in progress and stops cleanly', async () => {
    const target = spawn('sleep', ['30']);
    const out = join(tmp.dir, 'sigint');
    const recorder = startRecorder(target.pid!, out);
    let stderr = '';
    recorder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait (bounded) until two snapshots are complete, so the signal lands on a running recorder
    // however loaded the machine is.
    const complete = () => (existsSync(out) ? readdirSync(out).filter((n) => /^\d{13}$/.test(n)).length : 0);
    for (const deadline = Date.now() + 30_000; complete() < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const exited = new Promise<number | null>((resolve) => recorder.on('exit', resolve));
    recorder.kill('SIGINT');
    const code = await exited;
    target.kill();
    expect(code).toBe(0);
    expect(stderr).toMatch(/wrote \d+ snapshots/);
    const snaps = snapshotsOf(out);
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    const procs = await processesOf(out);
    expect(procs).toEqual([
      { pid: target.pid, ppid: process.pid, comm: 'sleep', cmdline: 'sleep 30', role: 'master' },
    ]);
  });

  it('--duration stops the recording', () => {
    const target = spawn('sleep', ['30']);
    const out = join(tmp.dir, 'duration');
    const started = Date.now();
    const r = cli([
      'collect',
      '--pid',
      String(target.pid),
      '--out',
      out,
      '--interval',
      '100ms',
      '--duration',
      '600ms',
    ]);
    target.kill();
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const n = snapshotsOf(out).length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(7);
  });

  it('--duration also ends a command collect started', () => {
    const out = join(tmp.dir, 'cmd-duration');
    const started = Date.now();
    const r = cli([
      'collect',
      '--out',
      out,
      '--interval',
      '100ms',
      '--duration',
      '500ms',
      '--',
      'sleep',
      '30',
    ]);
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(snapshotsOf(out).length).toBeGreaterThanOrEqual(2);
  });

  it('usage errors exit 2, a missing process exits 1, and nothing is written', () => {
    const out = join(tmp.dir, 'never');
    const neither = cli(['collect', '--out', out]);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toContain(msg.collectNeedsTarget());
    const both = cli(['collect', '--pid', '1', '--out', out, '--', 'true']);
    expect(both.status).toBe(2);
    const badInterval = cli(['collect', '--pid', '1', '--out', out, '--interval', 'soon']);
    expect(badInterval.status).toBe(2);
    const missing = cli(['collect', '--pid', '999999999', '--out', out]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(msg.collectNoProcess(999999999));
    expect(existsSync(out)).toBe(false);
  });
});

describe('scripts/procsnap.sh', () => {
  it('writes the same layout, which imports with the same roles', async () => {
    const out = join(tmp.dir, 'sh');
    const target = spawn(TREE[0]!, TREE.slice(1));
    const r = spawnSync('sh', [join(ROOT, 'scripts/procsnap.sh'), String(target.pid), out, '0.2'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(snapshotsOf(out).length).toBeGreaterThanOrEqual(3);
    const procs = await processesOf(out);
    expect(procs.map((p) => [p.comm, p.role])).toEqual([
      ['sh', 'master'],
      ['sleep', 'worker'],
      ['sleep', 'worker'],
    ]);
  });

  it('rejects a bad pid with exit 2', () => {
    const r = spawnSync('sh', [join(ROOT, 'scripts/procsnap.sh'), 'abc', join(tmp.dir, 'x')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(existsSync(join(tmp.dir, 'x'))).toBe(false);
  });
});

describe('collect --out: a folder of one recording, or one .tar.gz', () => {
  it('refuses a folder that is not empty unless --append, and an --out that is a file', () => {
    const out = join(tmp.dir, 'twice');
    const short = ['--interval', '100ms', '--duration', '300ms', '--', 'sleep', '2'];
    const first = cli(['collect', '--out', out, ...short]);
    expect(first.status, first.stderr).toBe(0);
    const before = readdirSync(out).length;
    const again = cli(['collect', '--out', out, '--duration', '300ms', '--', 'sleep', '2']);
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`trace-analyze: ${msg.collectOutNotEmpty(out, before)}\n`);
    expect(readdirSync(out)).toHaveLength(before);
    const appended = cli(['collect', '--out', out, '--append', ...short]);
    expect(appended.status, appended.stderr).toBe(0);
    expect(snapshotsOf(out).length).toBeGreaterThan(before);

    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'keep\n');
    const onFile = cli(['collect', '--out', file, '--duration', '300ms', '--', 'true']);
    expect(onFile.status).toBe(1);
    expect(onFile.stderr).toBe(`trace-analyze: ${msg.collectOutNotFolder(file)}\n`);
    const archive = join(tmp.dir, 'exists.tar.gz');
    writeFileSync(archive, 'keep\n');
    const onArchive = cli(['collect', '--out', archive, '--duration', '300ms', '--', 'true']);
    expect(onArchive.status).toBe(1);
    expect(onArchive.stderr).toBe(`trace-analyze: ${msg.collectOutExists(archive)}\n`);
    expect(readFileSync(archive, 'utf8')).toBe('keep\n');
    const appendArchive = cli(['collect', '--out', join(tmp.dir, 'new.tgz'), '--append', '--', 'true']);
    expect(appendArchive.status).toBe(2);
  });

  it('--out run.tar.gz: one archive GNU tar reads, imported and reported as the folder would be', async () => {
    const archive = join(tmp.dir, 'run.tar.gz');
    const r = cli(['collect', '--out', archive, '--interval', '200ms', '--', ...TREE]);
    expect(r.status, r.stderr).toBe(0);
    // GNU tar, not our reader, unpacks it: every entry is a file of the snapshot layout.
    const unpacked = join(tmp.dir, 'unpacked');
    mkdirSync(unpacked);
    const tar = spawnSync('tar', ['-xzf', archive, '-C', unpacked], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).toBe(0);
    const snapshots = snapshotsOf(unpacked);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    const listed = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' }).stdout.trim().split('\n');
    for (const name of listed)
      expect(name).toMatch(/^\d{13}\/(meta|proc\/(stat|meminfo|uptime)|proc\/\d+\/\w+|cgroup\/[\w.]+)$/);

    // The archive imports to exactly what the unpacked folder imports to.
    const fromArchive = await samplesOf(archive);
    expect(fromArchive.length).toBeGreaterThan(0);
    expect(fromArchive).toEqual(await samplesOf(unpacked));
    expect(await processesOf(archive)).toEqual(await processesOf(unpacked));

    const report = cli(['report', archive, '--format', 'json']);
    expect(report.status, report.stderr).toBe(0);
    expect(
      (JSON.parse(report.stdout) as { deployments: { name: string }[] }).deployments.map((d) => d.name),
    ).toEqual(['run']);
  });
});

describe('collect --out run.tar.gz and Ctrl-C', () => {
  it('SIGINT ends the archive properly: exit 0, and GNU tar reads it to the end', async () => {
    const target = spawn('sleep', ['30']);
    const archive = join(tmp.dir, 'sigint.tar.gz');
    const recorder = startRecorder(target.pid!, archive);
    const exited = new Promise<number | null>((resolve) => recorder.on('close', resolve));
    // Two snapshots flushed into the archive (each sync flush grows the file), bounded in time.
    const size = () => (existsSync(archive) ? statSync(archive).size : 0);
    let seen = 0;
    let grew = 0;
    for (const deadline = Date.now() + 30_000; grew < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (size() > seen) {
        seen = size();
        grew++;
      }
    }
    recorder.kill('SIGINT');
    const code = await exited;
    target.kill();
    expect(code).toBe(0);
    const listed = spawnSync('tar', ['-tzf', archive], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^\d{13}\/meta$/m);
    expect((await processesOf(archive)).map((p) => p.pid)).toEqual([target.pid]);
  });
});

/** Every sample of an import, as metric, labels, time and value, in one order. */
async function samplesOf(path: string) {
  const db = await TraceDatabase.open(':memory:');
  await importPath(db, path, { deployment: 'rec' });
  const rows = await db.rowsJS(
    `SELECT metric, labels::VARCHAR AS labels, ts, value FROM samples JOIN series USING (series_id) ORDER BY ALL`,
  );
  db.close();
  return rows;
}
