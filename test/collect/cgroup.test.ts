import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroupOf, hostFacts, readSnapshot, writeSnapshotFolder } from '../../src/collect/snapshot.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { cli, ROOT, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** A fake /proc (pid 4242 with its cgroup file, self/mountinfo) and a fake cgroup2 mount. */
function fakeHost(name: string, mountinfoLine: (mount: string) => string, cgroupLine: string, cgDir: string) {
  const proc = join(tmp.dir, name, 'proc');
  const mount = join(tmp.dir, name, 'sys fs');
  mkdirSync(join(proc, '4242'), { recursive: true });
  mkdirSync(join(proc, 'self'), { recursive: true });
  writeFileSync(
    join(proc, '4242', 'stat'),
    '4242 (python3) S 1 4242 4242 0 -1 0 0 0 0 0 5 1 0 0 20 0 1 0 100 1000 10 0\n',
  );
  writeFileSync(join(proc, '4242', 'cgroup'), `1:cpu:/\n${cgroupLine}\n`);
  writeFileSync(
    join(proc, 'self', 'mountinfo'),
    `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n${mountinfoLine(mount)}\n`,
  );
  writeFileSync(join(proc, 'stat'), 'cpu0 1 0 1 100 0 0 0 0\nbtime 1800000000\n');
  const dir = join(mount, cgDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cpu.max'), '150000 100000\n');
  writeFileSync(
    join(dir, 'cpu.stat'),
    'usage_usec 10\nuser_usec 5\nsystem_usec 5\nnr_periods 3\nnr_throttled 1\nthrottled_usec 7\n',
  );
  writeFileSync(join(dir, 'memory.current'), '4096\n');
  writeFileSync(join(dir, 'cgroup.procs'), '4242\n'); // not recorded
  return { proc, mount, dir };
}

describe('collect finds the server cgroup from /proc/<pid>/cgroup and mountinfo', () => {
  const facts = { hostname: 'h', clkTck: 100, pageSize: 4096 };

  it('a cgroup2 mount that is not /sys/fs/cgroup (hybrid host), with a space in its path', async () => {
    const host = fakeHost(
      'hybrid',
      (m) => `41 31 0:38 / ${m.replace(/ /g, '\\040')} rw,relatime - cgroup2 cgroup2 rw`,
      '0::/kubepods/pod1/web',
      'kubepods/pod1/web',
    );
    expect(cgroupOf(4242, host.proc)).toEqual({ path: '/kubepods/pod1/web', dir: host.dir });
    const out = join(tmp.dir, 'hybrid-out');
    const snap = writeSnapshotFolder(out, readSnapshot(4242, facts, host.proc));
    expect(readdirSync(join(snap, 'cgroup')).sort()).toEqual(['cpu.max', 'cpu.stat', 'memory.current']);
    for (const f of ['cpu.max', 'cpu.stat', 'memory.current'])
      expect(readFileSync(join(snap, 'cgroup', f), 'utf8')).toBe(readFileSync(join(host.dir, f), 'utf8'));
    expect(readFileSync(join(snap, 'meta'), 'utf8')).toContain('\ncgroup=/kubepods/pod1/web\n');
  });

  it('a mount whose root is the container own cgroup (no cgroup namespace)', () => {
    const host = fakeHost(
      'nested',
      (m) => `50 31 0:38 /docker/abc ${m.replace(/ /g, '\\040')} rw - cgroup2 cgroup2 rw`,
      '0::/docker/abc/app',
      'app',
    );
    expect(cgroupOf(4242, host.proc)).toEqual({ path: '/docker/abc/app', dir: host.dir });
  });

  it('no cgroup2 mount, or no "0::" line: no cgroup folder, nothing else changes', async () => {
    const host = fakeHost('v1only', () => '', '0::/x', 'x');
    expect(cgroupOf(4242, host.proc)).toBeUndefined();
    const snap = writeSnapshotFolder(join(tmp.dir, 'v1only-out'), readSnapshot(4242, facts, host.proc));
    expect(existsSync(join(snap, 'cgroup'))).toBe(false);
    expect(readFileSync(join(snap, 'meta'), 'utf8')).not.toContain('cgroup=');
    const noLine = fakeHost('noline', (m) => `41 31 0:38 / ${m} rw - cgroup2 cgroup2 rw`, '2:memory:/x', 'x');
    expect(cgroupOf(4242, noLine.proc)).toBeUndefined();
  });
});

/** The cgroup2 mount point, read from mountinfo by the simplest code (the independent reading). */
function cgroup2Mount(): string | undefined {
  try {
    const line = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((l) => l.includes(' - cgroup2 '));
    return line?.split(' ')[4];
  } catch {
    return undefined;
  }
}

/** A cgroup v2 child this test may create and move processes into, or why it cannot. */
function childCgroup(name: string): { dir: string; path: string } | string {
  const mount = cgroup2Mount();
  if (!mount) return 'this host has no cgroup2 mount';
  const dir = join(mount, `${name}-${process.pid}`);
  try {
    mkdirSync(dir);
  } catch (e) {
    return `cannot create a cgroup under ${mount}: ${(e as Error).message}`;
  }
  return { dir, path: `/${name}-${process.pid}` };
}

/** Why a cpu.max quota cannot be set here (the cpu controller must be in the cgroup2 hierarchy), or undefined. */
function quotaUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  const mount = cgroup2Mount();
  if (!mount) return 'this host has no cgroup2 mount';
  let controllers = '';
  try {
    controllers = readFileSync(join(mount, 'cgroup.controllers'), 'utf8').trim();
  } catch (e) {
    return `cannot read ${mount}/cgroup.controllers: ${(e as Error).message}`;
  }
  if (!controllers.split(' ').includes('cpu'))
    return `the cgroup2 hierarchy at ${mount} has no cpu controller (controllers: "${controllers}"; cpu is bound to cgroup v1 on this host), so cpu.max cannot be set`;
  try {
    const control = readFileSync(join(mount, 'cgroup.subtree_control'), 'utf8');
    if (!control.split(' ').includes('cpu')) writeFileSync(join(mount, 'cgroup.subtree_control'), '+cpu');
  } catch (e) {
    return `cannot enable the cpu controller for children of ${mount}: ${(e as Error).message}`;
  }
  return undefined;
}

/** A CPU-bound child (runs `seconds`), moved into the cgroup; resolves once its cgroup says so. */
async function busyChildIn(cg: { dir: string; path: string }, seconds: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`,
  ]);
  writeFileSync(join(cg.dir, 'cgroup.procs'), String(child.pid));
  const line = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
  expect(line).toContain(`0::${cg.path}\n`);
  return child;
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill();
  });
}

/** A recorded cgroup file's "key value" → number, read independently of the importer. */
function field(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${key}`);
  return Number(m[1]);
}

async function seriesValues(db: TraceDatabase, metric: string, id: string): Promise<Map<number, number>> {
  const rows = await db.rowsJS(
    `SELECT ts, value FROM series JOIN samples USING (series_id) WHERE metric = $metric AND labels['id'] = $id ORDER BY ts`,
    { metric, id },
  );
  return new Map(rows.map((r) => [Number(r.ts), Number(r.value)]));
}

/** Per snapshot folder: its unix ms and a recorded cgroup file's text. */
function recorded(out: string, file: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const snap of readdirSync(out).filter((n) => /^\d{13}$/.test(n))) {
    const path = join(out, snap, 'cgroup', file);
    if (existsSync(path)) m.set(Number(snap), readFileSync(path, 'utf8'));
  }
  return m;
}

const usable = process.platform === 'linux' ? childCgroup('trace-analyze-probe') : 'not Linux';
if (typeof usable !== 'string') rmdirSync(usable.dir);
const realWhy = typeof usable === 'string' ? usable : undefined;
const quotaWhy = realWhy ?? quotaUnavailable();

describe('real cgroup v2 files recorded by collect and procsnap.sh', () => {
  it.skipIf(realWhy !== undefined)(
    `a child cgroup's cpu.stat is recorded and imported as container_cpu_usage_seconds_total${realWhy ? ` (skipped: ${realWhy})` : ''}`,
    async () => {
      const cg = childCgroup('trace-analyze-usage') as { dir: string; path: string };
      const child = await busyChildIn(cg, 60); // ended in finally; long enough for a slow start of the recorders
      try {
        const out = join(tmp.dir, 'real-usage');
        const r = cli([
          'collect',
          '--pid',
          String(child.pid),
          '--out',
          out,
          '--interval',
          '250ms',
          '--duration',
          '2s',
        ]);
        expect(r.status).toBe(0);
        const sh = join(tmp.dir, 'real-usage-sh');
        const s = spawnSync('sh', [join(ROOT, 'scripts/procsnap.sh'), String(child.pid), sh, '0.3', '2'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(s.status).toBe(0);

        for (const dir of [out, sh]) {
          const cpuStat = recorded(dir, 'cpu.stat');
          expect(cpuStat.size).toBeGreaterThanOrEqual(2); // two give an increase; a loaded machine may allow no more
          for (const snap of cpuStat.keys())
            expect(readFileSync(join(dir, String(snap), 'meta'), 'utf8')).toContain(`\ncgroup=${cg.path}\n`);
          const db = await TraceDatabase.open(':memory:');
          await importPath(db, dir, { deployment: 'real' });
          const usage = await seriesValues(db, 'container_cpu_usage_seconds_total', cg.path);
          expect([...usage.keys()]).toEqual([...cpuStat.keys()]);
          for (const [ts, text] of cpuStat)
            expect(usage.get(ts)).toBeCloseTo(field(text, 'usage_usec') / 1e6, 9);
          // the cgroup holds only the busy child: its usage grows as that process's CPU time does
          const ts = [...usage.keys()];
          const grew = usage.get(ts.at(-1)!)! - usage.get(ts[0]!)!;
          const cpu = await db.rowsJS(
            `SELECT max(value) - min(value) AS grew FROM (
               SELECT ts, sum(value) AS value FROM series JOIN samples USING (series_id)
               WHERE metric = 'process_cpu_seconds_total' AND labels['pid'] = $pid GROUP BY ts)`,
            { pid: String(child.pid) },
          );
          expect(grew).toBeGreaterThan(0.2);
          // (within a snapshot the process's stat is read before the cgroup's cpu.stat, and a loaded
          // machine may pause the recorder between the two while the child keeps running)
          const processGrew = Number(cpu[0]!.grew);
          expect(Math.abs(grew - processGrew)).toBeLessThan(Math.max(0.15, 0.2 * processGrew));
          expect(grew).toBeLessThanOrEqual((ts.at(-1)! - ts[0]!) / 1000 + 0.05); // one thread: at most one core
          db.close();
        }
      } finally {
        await ended(child);
        rmdirSync(cg.dir);
      }
    },
    60_000,
  );

  it.skipIf(quotaWhy !== undefined)(
    `a CPU-bound child under a cpu.max quota is throttled, and the import shows it${quotaWhy ? ` (skipped: ${quotaWhy})` : ''}`,
    async () => {
      const cg = childCgroup('trace-analyze-quota') as { dir: string; path: string };
      writeFileSync(join(cg.dir, 'cpu.max'), '20000 100000'); // 0.2 of a core
      const child = await busyChildIn(cg, 60); // ended in finally; long enough for a slow start of the recorders
      try {
        const out = join(tmp.dir, 'real-quota');
        const r = cli([
          'collect',
          '--pid',
          String(child.pid),
          '--out',
          out,
          '--interval',
          '250ms',
          '--duration',
          '2s',
        ]);
        expect(r.status).toBe(0);
        const cpuStat = recorded(out, 'cpu.stat');
        const db = await TraceDatabase.open(':memory:');
        await importPath(db, out, { deployment: 'quota' });
        const periods = await seriesValues(db, 'container_cpu_cfs_periods_total', cg.path);
        const throttled = await seriesValues(db, 'container_cpu_cfs_throttled_periods_total', cg.path);
        const seconds = await seriesValues(db, 'container_cpu_cfs_throttled_seconds_total', cg.path);
        for (const [ts, text] of cpuStat) {
          expect(periods.get(ts)).toBe(field(text, 'nr_periods'));
          expect(throttled.get(ts)).toBe(field(text, 'nr_throttled'));
          expect(seconds.get(ts)).toBeCloseTo(field(text, 'throttled_usec') / 1e6, 9);
        }
        const ts = [...cpuStat.keys()];
        const first = cpuStat.get(ts[0]!)!;
        const last = cpuStat.get(ts.at(-1)!)!;
        const dPeriods = field(last, 'nr_periods') - field(first, 'nr_periods');
        const dThrottled = field(last, 'nr_throttled') - field(first, 'nr_throttled');
        expect(dPeriods).toBeGreaterThan(5);
        expect(dThrottled / dPeriods).toBeGreaterThan(0.5); // a busy loop at 0.2 cores is throttled nearly every period
        const quota = await seriesValues(db, 'container_spec_cpu_quota', cg.path);
        expect([...quota.values()].every((v) => v === 20_000)).toBe(true);
        db.close();
      } finally {
        await ended(child);
        rmdirSync(cg.dir);
      }
    },
    60_000,
  );

  it('hostFacts and cgroupOf agree with this host (cgroupOf undefined only without cgroup v2)', () => {
    const mount = cgroup2Mount();
    const own = cgroupOf(process.pid);
    if (!mount || process.platform !== 'linux') expect(own).toBeUndefined();
    else {
      const line = readFileSync('/proc/self/cgroup', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('0::'))!;
      expect(own?.path).toBe(line.slice(3));
      expect(own?.dir.startsWith(mount)).toBe(true);
      expect(existsSync(own!.dir)).toBe(true);
    }
    expect(hostFacts().clkTck).toBeGreaterThan(0);
  });
});
