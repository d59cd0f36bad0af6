import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { parseProcStat } from '../../src/importers/procfs-files.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, MODES, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';
import { tarOf, type TestEntry } from '../helpers/tar.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const archive = (mode: string) => join(CAPTURE, 'procsnap', `procsnap-${mode}.tar.gz`);

/** The capture's archives unpacked by the system's tar: the independent reading the tests compare against. */
const unpacked = new Map<string, string>();
beforeAll(() => {
  for (const mode of MODES) {
    const dir = join(tmp.dir, 'unpacked', mode);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', archive(mode), '-C', dir]);
    unpacked.set(mode, join(dir, mode));
  }
});

/** "Key:   123 kB" → bytes, read with the simplest code possible. */
function kB(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Per snapshot (unix ms): Σ Pss, Σ USS, Σ VmRSS over the processes whose file is there. */
function directSums(dir: string): Map<number, { pss: number; uss: number; rss: number }> {
  const out = new Map<number, { pss: number; uss: number; rss: number }>();
  for (const snap of readdirSync(dir)) {
    const sums = { pss: 0, uss: 0, rss: 0 };
    let any = false;
    const procDir = join(dir, snap, 'proc');
    for (const pid of readdirSync(procDir).filter((n) => /^\d+$/.test(n))) {
      const smaps = join(procDir, pid, 'smaps_rollup');
      if (existsSync(smaps)) {
        const text = readFileSync(smaps, 'utf8');
        sums.pss += kB(text, 'Pss')!;
        sums.uss += kB(text, 'Private_Clean')! + kB(text, 'Private_Dirty')!;
        any = true;
      }
      const status = join(procDir, pid, 'status');
      if (existsSync(status)) sums.rss += kB(readFileSync(status, 'utf8'), 'VmRSS') ?? 0;
    }
    if (any) out.set(Number(snap), sums);
  }
  return out;
}

async function sumsInDb(db: TraceDatabase, metric: string): Promise<Map<number, number>> {
  const rows = await db.rowsJS(
    `SELECT p.ts::DOUBLE AS ts, sum(p.value) AS v FROM samples p JOIN series s USING (series_id)
     WHERE s.metric = $m GROUP BY 1`,
    { m: metric },
  );
  return new Map(rows.map((r) => [r.ts as number, r.v as number]));
}

/** The README's per-process table: | mode | snapshot (ts) | pid | role | state | Rss | Pss | Shared_Clean | Private_Dirty |. */
function readmeRows(mode: string) {
  const readme = readFileSync(join(CAPTURE, 'README.md'), 'utf8');
  const rows: { ts: number; pid: number; role: string; pss: number | null }[] = [];
  const re = new RegExp(
    `^\\| ${mode} \\| \\w+ \\((\\d+)\\) \\| (\\d+) \\| ([\\w()]+) \\| \\w \\| \\w+ \\| (\\w+) \\|`,
    'gm',
  );
  for (const m of readme.matchAll(re))
    rows.push({
      ts: Number(m[1]),
      pid: Number(m[2]),
      role: m[3]!,
      pss: m[4] === 'None' ? null : Number(m[4]) * 1024,
    });
  return rows;
}

interface Timeline {
  modes: Record<string, { events: { event: string; pid?: number; pids?: number[] }[] }>;
}
const timeline = JSON.parse(readFileSync(join(CAPTURE, 'timeline.json'), 'utf8')) as Timeline;

describe('procfs on the real capture', () => {
  for (const mode of MODES) {
    it(`${mode}: Σ PSS, Σ USS, Σ RSS per snapshot equal a direct reading of the files`, async () => {
      const db = await TraceDatabase.open(':memory:');
      const { outcomes } = await importPath(db, archive(mode), { deployment: mode });
      expect(outcomes[0]!.format).toBe('procfs');
      const direct = directSums(unpacked.get(mode)!);
      const pss = await sumsInDb(db, 'process_pss_bytes');
      const uss = await sumsInDb(db, 'process_uss_bytes');
      const rss = await sumsInDb(db, 'process_resident_memory_bytes');
      expect(direct.size).toBeGreaterThan(100);
      expect(pss.size).toBe(direct.size);
      for (const [ts, want] of direct) {
        expect(pss.get(ts)).toBe(want.pss);
        expect(uss.get(ts)).toBe(want.uss);
        expect(rss.get(ts)).toBe(want.rss);
      }
      db.close();
    });

    it(`${mode}: roles, pools and per-process PSS as the capture's README states`, async () => {
      const db = await TraceDatabase.open(':memory:');
      await importPath(db, archive(mode), { deployment: mode });
      const procs = await db.rowsJS(`SELECT pid, role, pool FROM processes ORDER BY pid`);
      const role = new Map(procs.map((p) => [p.pid as number, p.role as string]));
      const readme = readmeRows(mode);
      expect(readme.length).toBe(mode === 'uvicorn-spawn' ? 18 : 15);
      const expectedRole = (r: string) => (r === 'resource_tracker' ? 'helper' : r.replace('(zombie)', ''));
      for (const row of readme)
        expect([row.pid, role.get(row.pid)]).toEqual([row.pid, expectedRole(row.role)]);
      const events = timeline.modes[mode]!.events;
      const master = events.find((e) => e.event === 'server_launch')!.pid!;
      const replacements = events.find((e) => e.event === 'replacement_worker_seen')?.pids ?? [];
      for (const pid of replacements) expect(role.get(pid)).toBe('worker');
      // master + 4 workers + replacements (+ the resource tracker under uvicorn)
      expect(procs.length).toBe(5 + replacements.length + (mode === 'uvicorn-spawn' ? 1 : 0));
      expect(new Set(procs.map((p) => p.pool))).toEqual(
        new Set([`${mode === 'uvicorn-spawn' ? 'python3' : 'gunicorn'}:${master}`]),
      );
      for (const row of readme) {
        const [got] = await db.rowsJS(
          `SELECT p.value FROM samples p JOIN series s USING (series_id)
           WHERE s.metric = 'process_pss_bytes' AND s.labels['pid'] = $pid AND p.ts = $ts`,
          { pid: String(row.pid), ts: row.ts },
        );
        expect(got?.value ?? null).toBe(row.pss);
      }
      db.close();
    });

    it(`${mode}: the SIGKILLed worker and its replacement are one restart`, async () => {
      const db = await TraceDatabase.open(':memory:');
      await importPath(db, archive(mode), { deployment: mode });
      const restarts = await db.rowsJS(`SELECT ended_pid, replacement_pid FROM process_restarts`);
      const events = timeline.modes[mode]!.events;
      const killed = events.find((e) => e.event === 'sigkill_worker')!.pid!;
      const replacements = events.find((e) => e.event === 'replacement_worker_seen')?.pids ?? [];
      expect(restarts).toEqual(replacements.map((r) => ({ ended_pid: killed, replacement_pid: r })));
      db.close();
    });
  }

  it('uvicorn-spawn: the zombie worker has CPU samples to the end and no memory once it is a zombie', async () => {
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, archive('uvicorn-spawn'), { deployment: 'u' });
    const killed = timeline.modes['uvicorn-spawn']!.events.find((e) => e.event === 'sigkill_worker')!.pid!;
    const [row] = await db.rowsJS(
      `SELECT max(p.ts) FILTER (WHERE s.metric = 'process_cpu_seconds_total')::DOUBLE AS cpu_end,
              max(p.ts) FILTER (WHERE s.metric = 'process_resident_memory_bytes')::DOUBLE AS rss_end
       FROM samples p JOIN series s USING (series_id) WHERE s.labels['pid'] = $pid`,
      { pid: String(killed) },
    );
    const last = await db.rowsJS(`SELECT last_seen::DOUBLE AS t FROM processes WHERE pid = $pid`, {
      pid: killed,
    });
    expect(row!.cpu_end).toBe(last[0]!.t);
    expect(row!.rss_end as number).toBeLessThan(1795793159415);
    db.close();
  });

  it('a folder of snapshots gives the same samples as the archive for the same snapshots', async () => {
    const folder = join(CAPTURE, 'procsnap', 'uvicorn-spawn');
    const a = await TraceDatabase.open(':memory:');
    const { outcomes } = await importPath(a, folder, { deployment: 'u' });
    expect(outcomes.map((o) => o.format)).toEqual(['procfs']);
    const b = await TraceDatabase.open(':memory:');
    await importPath(b, archive('uvicorn-spawn'), { deployment: 'u' });
    const stamps = readdirSync(folder).map(Number);
    const q = `SELECT s.metric, to_json(s.labels)::VARCHAR AS l, p.ts::DOUBLE AS ts, p.value
               FROM samples p JOIN series s USING (series_id) WHERE p.ts IN (${stamps.join(',')}) ORDER BY ALL`;
    const fromFolder = await a.rowsJS(q);
    expect(fromFolder.length).toBeGreaterThan(200);
    expect(fromFolder).toEqual(await b.rowsJS(q));
    a.close();
    b.close();
  });

  it('a folder given through a symbolic link is read (the path the user gave is followed) and hashed as the folder', async () => {
    const link = join(tmp.dir, 'link-to-snapshots');
    symlinkSync(join(CAPTURE, 'procsnap', 'uvicorn-spawn'), link);
    const db = await TraceDatabase.open(':memory:');
    try {
      expect((await importPath(db, link, { deployment: 'u' })).outcomes[0]!.result.status).toBe('imported');
      const real = await importPath(db, join(CAPTURE, 'procsnap', 'uvicorn-spawn'), { deployment: 'u' });
      expect(real.outcomes[0]!.result.status).toBe('noop');
    } finally {
      db.close();
    }
  });

  it('a snapshot folder: links are not followed, a FIFO does not block, the hash is of its regular files', async () => {
    const folder = join(tmp.dir, 'hostile-folder');
    cpSync(join(CAPTURE, 'procsnap', 'uvicorn-spawn'), folder, { recursive: true });
    const secret = join(tmp.dir, 'outside.txt');
    writeFileSync(secret, 'SECRET-OUTSIDE\0');
    const first = readdirSync(folder).sort()[0]!;
    const pid = readdirSync(join(folder, first, 'proc')).find((n) => /^\d+$/.test(n))!;
    const pidDir = join(folder, first, 'proc', pid);
    rmSync(join(pidDir, 'cmdline'), { force: true });
    symlinkSync(secret, join(pidDir, 'cmdline'));
    rmSync(join(pidDir, 'smaps_rollup'), { force: true });
    execFileSync('mkfifo', [join(pidDir, 'smaps_rollup')]);

    const db = await TraceDatabase.open(':memory:');
    try {
      const { outcomes } = await importPath(db, folder, { deployment: 'u' });
      expect(outcomes[0]!.result.status).toBe('imported');
      const leaked = await db.rowsJS(
        `SELECT count(*)::INTEGER AS n FROM processes WHERE cmdline LIKE '%SECRET%'`,
      );
      expect(leaked[0]!.n).toBe(0);
      // The hash recorded: sha256 over the regular files below the folder, sorted, as documented.
      const hash = createHash('sha256');
      const walk = (d: string) => {
        for (const name of readdirSync(d).sort()) {
          const full = join(d, name);
          const info = lstatSync(full);
          if (info.isDirectory()) walk(full);
          else if (info.isFile())
            hash
              .update(`${relative(folder, full)}\0`)
              .update(readFileSync(full))
              .update('\0');
        }
      };
      walk(folder);
      const [row] = await db.rowsJS(`SELECT sha256 FROM imports`);
      expect(row!.sha256).toBe(hash.digest('hex'));
      const again = await importPath(db, folder, { deployment: 'u' });
      expect(again.outcomes[0]!.result.status).toBe('noop');
    } finally {
      db.close();
    }
  });
});

/** A /proc/<pid>/stat line with the fields this tool reads; others are zero. */
function statLine(p: {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  starttime: number;
  state?: string;
}) {
  const f = new Array<number | string>(53).fill(0);
  f[3] = p.state ?? 'S';
  f[4] = p.ppid;
  f[14] = p.utime;
  f[15] = p.stime;
  f[20] = 1;
  f[22] = p.starttime;
  f[23] = 1_000_000;
  f[24] = 100;
  return `${p.pid} (${p.comm}) ${f.slice(3).join(' ')}\n`;
}

const SMAPS_FULL = (pss: number) =>
  `00400000-7ffe ---p 00000000 00:00 0 [rollup]\nRss: 800 kB\nPss: ${pss} kB\nPss_Anon: 300 kB\nPss_File: 200 kB\nPss_Shmem: 0 kB\n` +
  `Shared_Clean: 100 kB\nShared_Dirty: 0 kB\nPrivate_Clean: 10 kB\nPrivate_Dirty: 490 kB\nSwap: 0 kB\nSwapPss: 0 kB\n`;
/** A kernel older than 5.x: no Pss_Anon/Pss_File/Pss_Shmem lines. */
const SMAPS_OLD = (pss: number) =>
  `00400000-7ffe ---p 00000000 00:00 0 [rollup]\nRss: 800 kB\nPss: ${pss} kB\nShared_Clean: 100 kB\nShared_Dirty: 0 kB\n` +
  `Private_Clean: 10 kB\nPrivate_Dirty: 490 kB\nSwap: 0 kB\nSwapPss: 0 kB\n`;

/** Two snapshots written by code: comm with spaces and ')', pid reuse, an unreadable smaps_rollup, an old kernel. */
function generatedSnapshots(): TestEntry[] {
  const meta = 'hostname=h\nclk_tck=100\npagesize=4096\n';
  const hostStat = 'cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 100 0 50 1000 1 2 3 0 0 0\nbtime 1700000000\n';
  const out: TestEntry[] = [];
  const snap = (ts: number, files: Record<string, string>) => {
    for (const [name, data] of Object.entries(files)) out.push({ name: `m/${ts}/${name}`, data });
  };
  snap(1700000100000, {
    meta,
    'proc/stat': hostStat,
    'proc/meminfo': 'MemTotal:       1000 kB\nActive(anon):     10 kB\nHugePages_Total:       0\n',
    'proc/10/stat': statLine({ pid: 10, comm: 'a b) (c', ppid: 1, utime: 150, stime: 50, starttime: 500 }),
    'proc/10/status': 'Name:\ta b) (c\nVmRSS:\t     800 kB\n',
    'proc/10/smaps_rollup': SMAPS_FULL(600),
    'proc/10/cmdline': 'srv\0--x\0',
    'proc/20/stat': statLine({ pid: 20, comm: 'w', ppid: 10, utime: 1, stime: 1, starttime: 600 }),
    'proc/20/status': 'Name:\tw\nVmRSS:\t     800 kB\n',
    // proc/20/smaps_rollup unreadable: absent
  });
  snap(1700000101000, {
    meta,
    'proc/stat': hostStat,
    'proc/10/stat': statLine({ pid: 10, comm: 'a b) (c', ppid: 1, utime: 160, stime: 55, starttime: 500 }),
    'proc/10/smaps_rollup': SMAPS_OLD(610),
    // pid 20 reused by another process (started later)
    'proc/20/stat': statLine({ pid: 20, comm: 'w2', ppid: 10, utime: 0, stime: 0, starttime: 9000 }),
    'proc/20/smaps_rollup': SMAPS_FULL(700),
  });
  return out;
}

describe('procfs edge cases (generated)', () => {
  it('parses comm with spaces and parentheses up to the last ")"', () => {
    const stat = parseProcStat(
      statLine({ pid: 7, comm: 'x) (y z)', ppid: 3, utime: 4, stime: 5, starttime: 6 }),
    );
    expect(stat).toMatchObject({ pid: 7, comm: 'x) (y z)', ppid: 3, utime: 4, stime: 5, starttime: 6 });
    expect(typeof parseProcStat('7 x S 1')).toBe('string');
  });

  const cases: [string, () => string][] = [
    [
      'folder',
      () => {
        const dir = join(tmp.dir, 'gen-folder');
        for (const e of generatedSnapshots()) {
          const path = join(dir, e.name);
          mkdirSync(join(path, '..'), { recursive: true });
          writeFileSync(path, e.data!);
        }
        return dir;
      },
    ],
    [
      'tar.gz with hostile entries',
      () => {
        const path = join(tmp.dir, 'gen.tar.gz');
        const hostile: TestEntry[] = [
          { name: 'm/1700000100000/proc/30/stat', type: '2', linkname: '/etc/passwd' },
          { name: 'm/1700000100000/proc/31/stat', type: '1', linkname: 'm/1700000100000/proc/10/stat' },
          { name: 'm/1700000100000/proc/32/stat', type: '3' },
          {
            name: '../1700000100000/proc/33/stat',
            data: statLine({ pid: 33, comm: 'evil', ppid: 1, utime: 0, stime: 0, starttime: 1 }),
          },
          { name: 'm/1700000100000/proc/34/environ', data: 'SECRET=1' },
        ];
        const entries = generatedSnapshots();
        writeFileSync(path, gzipSync(tarOf([...entries.slice(0, 3), ...hostile, ...entries.slice(3)])));
        return path;
      },
    ],
  ];
  for (const [name, make] of cases) {
    it(`${name}: identity, missing data and old kernels`, async () => {
      const db = await TraceDatabase.open(':memory:');
      const { outcomes } = await importPath(db, make(), { deployment: 'g' });
      expect(outcomes.map((o) => o.format)).toEqual(['procfs']);
      const procs = await db.rowsJS(
        `SELECT process_key, pid, ppid, comm, cmdline, start_ts::DOUBLE AS start_ts, role FROM processes ORDER BY start_ts`,
      );
      expect(procs).toEqual([
        {
          process_key: '10@1700000005000',
          pid: 10,
          ppid: 1,
          comm: 'a b) (c',
          cmdline: 'srv --x',
          start_ts: 1700000005000,
          role: 'master',
        },
        {
          process_key: '20@1700000006000',
          pid: 20,
          ppid: 10,
          comm: 'w',
          cmdline: null,
          start_ts: 1700000006000,
          role: 'worker',
        },
        {
          process_key: '20@1700000090000',
          pid: 20,
          ppid: 10,
          comm: 'w2',
          cmdline: null,
          start_ts: 1700000090000,
          role: 'worker',
        },
      ]);
      const samples = await db.rowsJS(
        `SELECT s.metric, s.process_key, s.labels['mode'] AS mode, p.ts::DOUBLE AS ts, p.value
         FROM samples p JOIN series s USING (series_id) WHERE s.process_key IS NOT NULL ORDER BY ALL`,
      );
      const of = (metric: string, key: string) =>
        samples.filter((s) => s.metric === metric && s.process_key === key).map((s) => [s.ts, s.value]);
      // the reused pid is two processes with their own series
      expect(of('process_pss_bytes', '20@1700000090000')).toEqual([[1700000101000, 700 * 1024]]);
      // unreadable smaps_rollup: no PSS sample (missing, not zero), RSS from status still there
      expect(of('process_pss_bytes', '20@1700000006000')).toEqual([]);
      expect(of('process_resident_memory_bytes', '20@1700000006000')).toEqual([[1700000100000, 800 * 1024]]);
      // kernel without Pss_* lines: that snapshot has PSS but no anon split
      expect(of('process_pss_bytes', '10@1700000005000')).toEqual([
        [1700000100000, 600 * 1024],
        [1700000101000, 610 * 1024],
      ]);
      expect(of('process_pss_anon_bytes', '10@1700000005000')).toEqual([[1700000100000, 300 * 1024]]);
      expect(of('process_uss_bytes', '10@1700000005000')).toEqual([
        [1700000100000, 500 * 1024],
        [1700000101000, 500 * 1024],
      ]);
      const cpu = samples.filter(
        (s) => s.metric === 'process_cpu_seconds_total' && s.process_key === '10@1700000005000',
      );
      expect(cpu.map((s) => [s.mode, s.value])).toEqual([
        ['system', 0.5],
        ['system', 0.55],
        ['user', 1.5],
        ['user', 1.6],
      ]);
      const host = await db.rowsJS(
        `SELECT s.metric, s.labels['cpu'] AS cpu, s.labels['mode'] AS mode, p.value FROM samples p JOIN series s USING (series_id)
         WHERE p.ts = 1700000100000 AND s.process_key IS NULL ORDER BY ALL`,
      );
      expect(host).toContainEqual({ metric: 'node_cpu_seconds_total', cpu: '0', mode: 'user', value: 1 });
      expect(host).toContainEqual({ metric: 'node_cpu_seconds_total', cpu: '0', mode: 'idle', value: 10 });
      expect(host).toContainEqual({
        metric: 'node_memory_Active_anon_bytes',
        cpu: null,
        mode: null,
        value: 10240,
      });
      expect(host).toContainEqual({ metric: 'node_memory_HugePages_Total', cpu: null, mode: null, value: 0 });
      expect(host.filter((h) => h.metric === 'node_cpu_seconds_total' && h.cpu === null)).toEqual([]);
      db.close();
    });
  }

  it('a garbled stat and a snapshot split across the archive are errors naming the archive entry', async () => {
    const db = await TraceDatabase.open(':memory:');
    const garbled = join(tmp.dir, 'garbled.tar.gz');
    writeFileSync(
      garbled,
      gzipSync(
        tarOf([
          { name: '1700000100000/meta', data: 'clk_tck=100\npagesize=4096\n' },
          { name: '1700000100000/proc/5/stat', data: '5 no parens here\n' },
        ]),
      ),
    );
    await expect(importPath(db, garbled, { deployment: 'g' })).rejects.toThrow(
      `${garbled} (entry 1700000100000/proc/5/stat):1: cannot read /proc stat line: no "(comm)" field`,
    );
    const split = join(tmp.dir, 'split.tar');
    writeFileSync(
      split,
      tarOf([
        { name: '1700000100000/meta', data: 'clk_tck=100\npagesize=4096\n' },
        { name: '1700000101000/meta', data: 'clk_tck=100\npagesize=4096\n' },
        { name: '1700000100000/proc/stat', data: 'btime 1\n' },
      ]),
    );
    await expect(importPath(db, split, { deployment: 'g' })).rejects.toThrow(
      /split\.tar \(byte 2048\): the entries of snapshot 1700000100000 are not together/,
    );
    expect((await db.rowsJS('SELECT count(*)::INTEGER AS n FROM samples'))[0]!.n).toBe(0);
    db.close();
  });

  // Found by the long fuzz run: a pid of 2^53 reached the INTEGER pid column as an internal error.
  it.each([
    [
      "a pid above Linux's limit",
      statLine({ pid: 5, comm: 'w', ppid: 1, utime: 1, stime: 1, starttime: 9 }).replace(
        /^5 /,
        '9007199254740993 ',
      ),
      "pid 9007199254740992 is above Linux's limit (4194304)",
    ],
    [
      'a parent pid that is no pid',
      statLine({ pid: 5, comm: 'w', ppid: 2 ** 53 + 1, utime: 1, stime: 1, starttime: 9 }),
      'parent pid (4) 9007199254740992 is not a pid',
    ],
    [
      'a start time beyond any clock',
      statLine({ pid: 5, comm: 'w', ppid: 1, utime: 1, stime: 1, starttime: 1e300 }),
      'start time (22) 1e+300 is not a tick count',
    ],
  ])('%s is an error naming the entry; the database is unchanged', async (_name, stat, reason) => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const path = join(tmp.dir, 'big-pid.tar');
      writeFileSync(
        path,
        tarOf([
          { name: '1700000100000/meta', data: 'clk_tck=100\npagesize=4096\n' },
          { name: '1700000100000/proc/stat', data: 'btime 1700000000\n' },
          { name: '1700000100000/proc/5/stat', data: stat },
        ]),
      );
      const before = await contentHash(db);
      await expect(importPath(db, path, { deployment: 'g' })).rejects.toThrow(
        `${path} (entry 1700000100000/proc/5/stat):1: cannot read /proc stat line: ${reason}`,
      );
      expect(await contentHash(db)).toBe(before);
    } finally {
      db.close();
    }
  });

  it('a truncated archive is an error naming the file and offset; the database is unchanged', async () => {
    const path = join(tmp.dir, 'truncated.tar');
    const whole = tarOf(generatedSnapshots());
    writeFileSync(path, whole.subarray(0, 512 + 100));
    const db = await TraceDatabase.open(join(tmp.dir, 'trunc.duckdb'), { create: true });
    const before = await contentHash(db);
    const error = await importPath(db, path, { deployment: 'g', format: 'procfs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(
      /truncated\.tar \(byte 0\): tar archive ends inside an entry/,
    );
    expect(await contentHash(db)).toBe(before);
    db.close();
  });
});
