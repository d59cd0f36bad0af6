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
