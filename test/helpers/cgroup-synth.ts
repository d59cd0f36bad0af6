import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Synthetic /proc snapshot sets with a cgroup/ folder, written as the kernel writes the files
 * (cgroup-v2.rst formats), from raw counters kept here so tests compute every expected figure
 * from the raw numbers, never from the importer or the models.
 */

/** The raw state of one cgroup at one snapshot (units as the kernel's files: µs, bytes, counts). */
export interface CgroupRaw {
  usageUsec: number;
  userUsec: number;
  systemUsec: number;
  /** undefined: the cpu controller is not enabled (cpu.stat has no nr_* lines) */
  nrPeriods?: number;
  nrThrottled?: number;
  throttledUsec?: number;
  /** cpu.max: quota (undefined: "max") and period */
  quotaUs?: number;
  periodUs: number;
  memoryCurrent: number;
  /** memory.max (undefined: "max") */
  memoryMax?: number;
  anon: number;
  file: number;
  activeFile: number;
  inactiveFile: number;
  fileMapped: number;
  oom: number;
  oomKill: number;
  eventsMax: number;
  eventsHigh: number;
  cpuSomeUsec: number;
  cpuFullUsec: number;
  memSomeUsec: number;
  memFullUsec: number;
}

const psiLine = (kind: string, total: number) => `${kind} avg10=0.12 avg60=0.05 avg300=0.01 total=${total}`;

/** The cgroup files of one snapshot, as text. */
export function cgroupFileTexts(r: CgroupRaw): Record<string, string> {
  const cpuStat = [
    `usage_usec ${r.usageUsec}`,
    `user_usec ${r.userUsec}`,
    `system_usec ${r.systemUsec}`,
    ...(r.nrPeriods === undefined
      ? []
      : [
          `nr_periods ${r.nrPeriods}`,
          `nr_throttled ${r.nrThrottled}`,
          `throttled_usec ${r.throttledUsec}`,
          'nr_bursts 0',
          'burst_usec 0',
        ]),
  ];
  const memoryStat = [
    `anon ${r.anon}`,
    `file ${r.file}`,
    'kernel 1048576',
    'kernel_stack 294912',
    'pagetables 651264',
    'sec_pagetables 0',
    'percpu 1200',
    'sock 0',
    'vmalloc 8192',
    'shmem 0',
    `file_mapped ${r.fileMapped}`,
    'file_dirty 0',
    'file_writeback 0',
    'swapcached 0',
    'anon_thp 0',
    'file_thp 0',
    'shmem_thp 0',
    'inactive_anon 4096',
    `active_anon ${r.anon - 4096}`,
    `inactive_file ${r.inactiveFile}`,
    `active_file ${r.activeFile}`,
    'unevictable 0',
    'slab_reclaimable 200000',
    'slab_unreclaimable 300000',
    'slab 500000',
    'workingset_refault_anon 0',
    'workingset_refault_file 12',
    'pgfault 123456',
    'pgmajfault 7',
  ];
  return {
    'cpu.max': `${r.quotaUs ?? 'max'} ${r.periodUs}\n`,
    'cpu.stat': `${cpuStat.join('\n')}\n`,
    'cpu.pressure': `${psiLine('some', r.cpuSomeUsec)}\n${psiLine('full', r.cpuFullUsec)}\n`,
    'memory.current': `${r.memoryCurrent}\n`,
    'memory.max': `${r.memoryMax ?? 'max'}\n`,
    'memory.stat': `${memoryStat.join('\n')}\n`,
    'memory.events': `low 0\nhigh ${r.eventsHigh}\nmax ${r.eventsMax}\noom ${r.oom}\noom_kill ${r.oomKill}\noom_group_kill 0\n`,
    'memory.pressure': `${psiLine('some', r.memSomeUsec)}\n${psiLine('full', r.memFullUsec)}\n`,
  };
}

/** A process in a synthetic snapshot: its /proc/<pid>/stat fields and smaps_rollup sizes. */
export interface SynthProc {
  pid: number;
  ppid: number;
  comm: string;
  /** clock ticks (clk_tck 100) */
  utime: number;
  stime: number;
  /** clock ticks after boot */
  starttime: number;
  rssKb: number;
  pssKb: number;
  ussKb: number;
}

export const BTIME = 1_800_000_000;
export const CLK_TCK = 100;

/** /proc/<pid>/stat: 52 fields as proc(5) numbers them. */
function statLine(p: SynthProc): string {
  const f: (string | number)[] = [p.pid, `(${p.comm})`, 'S', p.ppid];
  while (f.length < 52) f.push(0);
  f[13] = p.utime;
  f[14] = p.stime;
  f[19] = 1; // num_threads
  f[21] = p.starttime;
  f[22] = 100_000_000; // vsize
  f[23] = Math.round(p.rssKb / 4);
  return f.join(' ');
}

export interface SynthSnapshot {
  ts: number;
  procs: SynthProc[];
  /** undefined: no cgroup/ folder; a subset of files: only those (missing files) */
  cgroup?: CgroupRaw;
  cgroupOmit?: string[];
  /** meta's cgroup= line */
  cgroupPath?: string;
}

/** Writes the snapshots as `<dir>/<ts>/...` folders; returns the file list (relative) for archives. */
export function writeSnapshots(dir: string, snapshots: SynthSnapshot[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of snapshots) {
    const base = String(s.ts);
    const meta = [
      'hostname=synth',
      `clk_tck=${CLK_TCK}`,
      'pagesize=4096',
      `master_pid=${s.procs[0]?.pid ?? 1}`,
    ];
    if (s.cgroupPath !== undefined) meta.push(`cgroup=${s.cgroupPath}`);
    files.set(`${base}/meta`, `${meta.join('\n')}\n`);
    files.set(
      `${base}/proc/stat`,
      `cpu  1 0 1 100 0 0 0 0 0 0\ncpu0 1 0 1 100 0 0 0 0 0 0\nbtime ${BTIME}\n`,
    );
    for (const p of s.procs) {
      files.set(`${base}/proc/${p.pid}/stat`, `${statLine(p)}\n`);
      files.set(`${base}/proc/${p.pid}/cmdline`, `python3\0app.py\0`);
      files.set(
        `${base}/proc/${p.pid}/smaps_rollup`,
        `00400000-7ffef87db000 ---p 00000000 00:00 0  [rollup]\nRss: ${p.rssKb} kB\nPss: ${p.pssKb} kB\n` +
          `Shared_Clean: ${p.rssKb - p.ussKb} kB\nShared_Dirty: 0 kB\nPrivate_Clean: 0 kB\nPrivate_Dirty: ${p.ussKb} kB\nSwap: 0 kB\n`,
      );
    }
    if (s.cgroup)
      for (const [name, text] of Object.entries(cgroupFileTexts(s.cgroup)))
        if (!s.cgroupOmit?.includes(name)) files.set(`${base}/cgroup/${name}`, text);
  }
  for (const [name, text] of files) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return files;
}

export const MiB = 1024 * 1024;

/** One second of the pool-under-quota scenario: cores per worker and the CFS outcome. */
interface Second {
  workerCores: number;
  throttledPeriods: number;
  throttledSeconds: number;
}

/**
 * Four spawn workers and a master in a container with a 2-CPU quota and a 1 GiB memory limit,
 * a snapshot every second for `seconds` s from t0: startup (0–8 s, each worker re-imports at
 * half a core, so the pool sits at the quota and nearly every period is throttled), idle
 * (8–20 s), load (20–35 s, 1.6 cores, 3 of 10 periods throttled), idle to the end. One OOM kill
 * at 30 s. Returns the snapshots and the raw cgroup counters of each.
 */
export function poolUnderQuota(t0: number, seconds = 40): { snapshots: SynthSnapshot[]; raws: CgroupRaw[] } {
  const second = (k: number): Second => {
    if (k < 8) return { workerCores: 0.5, throttledPeriods: 9, throttledSeconds: 1.2 };
    if (k >= 20 && k < 35) return { workerCores: 0.4, throttledPeriods: 3, throttledSeconds: 0.1 };
    return { workerCores: 0.02, throttledPeriods: 0, throttledSeconds: 0 };
  };
  const masterCores = 0.01;
  const startTicks = (t0 / 1000 - BTIME) * CLK_TCK - 50; // the master started half a second before t0
  const snapshots: SynthSnapshot[] = [];
  const raws: CgroupRaw[] = [];
  const ticks = new Map<number, number>([100, 101, 102, 103, 104].map((p) => [p, 0]));
  let usage = 3_000_000; // what the container used before the recording
  let periods = 100;
  let throttled = 40;
  let throttledUsec = 2_000_000;
  for (let k = 0; k < seconds; k++) {
    if (k > 0) {
      const s = second(k - 1);
      ticks.set(100, ticks.get(100)! + masterCores * CLK_TCK);
      for (const pid of [101, 102, 103, 104]) ticks.set(pid, ticks.get(pid)! + s.workerCores * CLK_TCK);
      usage += Math.round((masterCores + 4 * s.workerCores) * 1e6);
      periods += 10;
      throttled += s.throttledPeriods;
      throttledUsec += Math.round(s.throttledSeconds * 1e6);
    }
    const working = 600 * MiB + k * 2 * MiB;
    const inactive = 50 * MiB;
    raws.push({
      usageUsec: usage,
      userUsec: Math.round(usage * 0.8),
      systemUsec: usage - Math.round(usage * 0.8),
      nrPeriods: periods,
      nrThrottled: throttled,
      throttledUsec,
      quotaUs: 200_000,
      periodUs: 100_000,
      memoryCurrent: working + inactive,
      memoryMax: 1024 * MiB,
      anon: working - 30 * MiB,
      file: 80 * MiB,
      activeFile: 30 * MiB,
      inactiveFile: inactive,
      fileMapped: 10 * MiB,
      oom: k >= 30 ? 1 : 0,
      oomKill: k >= 30 ? 1 : 0,
      eventsMax: k >= 30 ? 3 : 0,
      eventsHigh: 0,
      cpuSomeUsec: 1000 * k,
      cpuFullUsec: 500 * k,
      memSomeUsec: 0,
      memFullUsec: 0,
    });
    const proc = (
      pid: number,
      ppid: number,
      rssMiB: number,
      pssMiB: number,
      ussMiB: number,
      start: number,
    ): SynthProc => ({
      pid,
      ppid,
      comm: 'python3',
      utime: Math.round(ticks.get(pid)! * 0.8),
      stime: Math.round(ticks.get(pid)! * 0.2),
      starttime: start,
      rssKb: rssMiB * 1024,
      pssKb: pssMiB * 1024,
      ussKb: ussMiB * 1024,
    });
    snapshots.push({
      ts: t0 + k * 1000,
      cgroupPath: '/kubepods/pod-web/web',
      cgroup: raws[k],
      procs: [
        proc(100, 1, 60, 50, 40, startTicks),
        ...[101, 102, 103, 104].map((pid) => proc(pid, 100, 130, 120, 110, startTicks + 40)),
      ],
    });
  }
  return { snapshots, raws };
}
