import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { CGROUP_FILES } from '../importers/cgroup-files.js';
import { parseProcStat } from '../importers/procfs-files.js';

/**
 * One /proc snapshot in the layout of docs/design.md (what the procfs importer reads):
 *   <out>/<unix_ms>/meta, <out>/<unix_ms>/proc/{stat,meminfo,uptime},
 *   <out>/<unix_ms>/proc/<pid>/{stat,status,smaps_rollup,cmdline,io}
 *   <out>/<unix_ms>/cgroup/{cpu.max,cpu.stat,memory.current,...}   the root's cgroup v2 files
 * for a root pid and all its descendants. Files are byte-for-byte copies; a file that cannot
 * be read (process gone, permission) is left out, never written empty. A snapshot is read
 * whole, then written: into a folder under a hidden name renamed when complete, so a reader
 * (or an interrupted run) never sees half a snapshot, or as entries of a .tar.gz (sink.ts).
 */

const PROCESS_FILES = ['stat', 'status', 'smaps_rollup', 'cmdline', 'io'] as const;
const HOST_FILES = ['stat', 'meminfo', 'uptime'] as const;

export interface HostFacts {
  hostname: string;
  clkTck: number;
  pageSize: number;
}

/** CLK_TCK and the page size from getconf; else Linux's fixed USER_HZ (100) and the kernel's page size of this process. */
export function hostFacts(proc = '/proc'): HostFacts {
  const getconf = (name: string): number | undefined => {
    try {
      const v = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
      return v > 0 ? v : undefined;
    } catch {
      return undefined;
    }
  };
  const kernelPage = () => {
    try {
      const m = /^KernelPageSize:\s+(\d+) kB/m.exec(readFileSync(join(proc, 'self/smaps'), 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    hostname: hostname(),
    clkTck: getconf('CLK_TCK') ?? 100,
    pageSize: getconf('PAGESIZE') ?? kernelPage() ?? 4096,
  };
}

/** The root and every descendant alive now, from one pass over /proc/<pid>/stat. */
export function processTree(root: number, proc = '/proc'): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(join(proc, name, 'stat'), 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const stat = parseProcStat(text);
    if (typeof stat === 'string') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat.pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Whether the process exists and is not a zombie. */
export function isAlive(pid: number, proc = '/proc'): boolean {
  try {
    const stat = parseProcStat(readFileSync(join(proc, String(pid), 'stat'), 'utf8'));
    return typeof stat !== 'string' && stat.state !== 'Z' && stat.state !== 'X';
  } catch {
    return false;
  }
}

/**
 * The cgroup v2 folder of a process: its "0::<path>" line of /proc/<pid>/cgroup under the
 * cgroup2 mount found in mountinfo (not always /sys/fs/cgroup: hybrid hosts mount it at
 * /sys/fs/cgroup/unified, and a container may see a mount whose root is its own cgroup).
 * Undefined on a host without cgroup v2 (v1 controllers are not recorded).
 */
export function cgroupOf(pid: number, proc = '/proc'): { path: string; dir: string } | undefined {
  let path: string | undefined;
  let mountinfo: string;
  try {
    const line = readFileSync(join(proc, String(pid), 'cgroup'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    path = line?.slice(3);
    mountinfo = readFileSync(join(proc, 'self', 'mountinfo'), 'utf8');
  } catch {
    return undefined;
  }
  if (!path?.startsWith('/')) return undefined;
  // mountinfo(5): "id parent major:minor root mountpoint options [optional...] - fstype source superoptions"
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] !== 'cgroup2') continue;
    const fields = left!.split(' ');
    const root = unescape(fields[3] ?? '/');
    const mountpoint = unescape(fields[4] ?? '');
    if (!mountpoint) continue;
    const inside =
      root === '/'
        ? path
        : path === root
          ? '/'
          : path.startsWith(`${root}/`)
            ? path.slice(root.length)
            : path;
    return { path, dir: join(mountpoint, inside) };
  }
  return undefined;
}

/** One snapshot: when it started and its files, by path below the snapshot folder (`proc/1/stat`). */
export interface Snapshot {
  start: number;
  files: Map<string, Buffer>;
}

/** A file's bytes as read (/proc files report size 0, so they are read, not copied by size), or undefined. */
function readIfReadable(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Reads one snapshot of `root` and its descendants (small: about 90 files of a few kB for 16 workers). */
export function readSnapshot(root: number, facts: HostFacts, proc = '/proc'): Snapshot {
  const start = Date.now();
  const files = new Map<string, Buffer>();
  const take = (from: string, to: string) => {
    const data = readIfReadable(from);
    if (data) files.set(to, data);
  };
  for (const pid of processTree(root, proc))
    for (const f of PROCESS_FILES) take(join(proc, String(pid), f), `proc/${pid}/${f}`);
  for (const f of HOST_FILES) take(join(proc, f), `proc/${f}`);
  const cgroup = cgroupOf(root, proc);
  if (cgroup) for (const f of CGROUP_FILES) take(join(cgroup.dir, f), `cgroup/${f}`);
  const meta = [
    `hostname=${facts.hostname}`,
    `clk_tck=${facts.clkTck}`,
    `pagesize=${facts.pageSize}`,
    `master_pid=${root}`,
    `snapshot_start_unix_ms=${start}`,
    `snapshot_end_unix_ms=${Date.now()}`,
    'recorder=trace-analyze collect',
    ...(cgroup ? [`cgroup=${cgroup.path}`] : []),
  ];
  // meta first: an archive's first entry then names the layout (what detection reads).
  return { start, files: new Map([['meta', Buffer.from(`${meta.join('\n')}\n`)], ...files]) };
}

/** Writes a snapshot into `<out>/<unix_ms>`: under a hidden name, renamed when complete. */
export function writeSnapshotFolder(out: string, snapshot: Snapshot): string {
  const partial = join(out, `.${snapshot.start}.partial`);
  for (const [name, data] of snapshot.files) {
    mkdirSync(dirname(join(partial, name)), { recursive: true });
    writeFileSync(join(partial, name), data);
  }
  const final = join(out, String(snapshot.start));
  renameSync(partial, final);
  return final;
}
