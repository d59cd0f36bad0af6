/**
 * Parsers of the /proc files a snapshot holds (proc(5)). Each returns undefined, never zero,
 * for what the text does not say: a missing field is missing data.
 */

/** The fields of /proc/<pid>/stat this tool uses (proc(5) numbering in comments). */
export interface ProcStat {
  pid: number;
  /** (2) the command name: may hold spaces and ')' — it runs to the LAST ')' of the line. */
  comm: string;
  /** (3) R, S, D, Z, ... */
  state: string;
  /** (4) */
  ppid: number;
  /** (14), (15) clock ticks */
  utime: number;
  stime: number;
  /** (16), (17) clock ticks of the children this process waited for (reaped) */
  cutime: number;
  cstime: number;
  /** (20) */
  numThreads: number;
  /** (22) clock ticks after boot */
  starttime: number;
  /** (23) bytes */
  vsize: number;
  /** (24) pages */
  rss: number;
}

/** Linux's largest possible pid (PID_MAX_LIMIT on 64-bit systems); pids are stored as INTEGER. */
export const PID_MAX = 4_194_304;

/** Parses /proc/<pid>/stat, or returns a reason it cannot. */
export function parseProcStat(text: string): ProcStat | string {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return 'no "(comm)" field';
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid) || pid <= 0) return 'no pid before "(comm)"';
  if (pid > PID_MAX) return `pid ${pid} is above Linux's limit (${PID_MAX})`;
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field (3); field (n) is rest[n - 3].
  if (rest.length < 22) return `only ${rest.length + 2} fields`;
  const field = (n: number) => Number(rest[n - 3]);
  const values = [4, 14, 15, 16, 17, 20, 22, 23, 24].map(field);
  if (values.some((v) => !Number.isFinite(v))) return 'a numeric field is not a number';
  const ppid = field(4);
  if (!Number.isInteger(ppid) || ppid < 0 || ppid > PID_MAX) return `parent pid (4) ${rest[1]} is not a pid`;
  const starttime = field(22);
  if (!Number.isSafeInteger(starttime) || starttime < 0)
    return `start time (22) ${rest[19]} is not a tick count`;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid,
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    numThreads: field(20),
    starttime,
    vsize: field(23),
    rss: field(24),
  };
}

/** "Key:   value [kB]" lines (status, smaps_rollup, meminfo): values in bytes when the unit is kB. */
export function parseKeyValues(text: string): Map<string, { value: number; kB: boolean }> {
  const out = new Map<string, { value: number; kB: boolean }>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s][^:]*):\s*(-?\d+)(\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1]!, { value: Number(m[2]) * (m[3] ? 1024 : 1), kB: m[3] !== undefined });
  }
  return out;
}

/** /proc/<pid>/io and the snapshot's meta file: "key: value" or "key=value" lines. */
export function parsePairs(text: string, separator: ':' | '='): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(separator);
    if (at > 0) out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

/** /proc/stat: btime and the per-CPU tick counters (the aggregate "cpu" line is left out, as node_exporter does). */
export function parseHostStat(text: string): { btime?: number; cpus: { cpu: string; ticks: number[] }[] } {
  const cpus: { cpu: string; ticks: number[] }[] = [];
  let btime: number | undefined;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const m = /^cpu(\d+)$/.exec(parts[0] ?? '');
    if (m) cpus.push({ cpu: m[1]!, ticks: parts.slice(1).map(Number) });
    else if (parts[0] === 'btime' && /^\d+$/.test(parts[1] ?? '')) btime = Number(parts[1]);
  }
  return { btime, cpus };
}

/** node_exporter's names for the /proc/stat CPU columns it exports (guest time is a separate metric there). */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** node_exporter's meminfo metric name: "Active(anon)" → node_memory_Active_anon_bytes. */
export function meminfoMetric(key: string, kB: boolean): string {
  const name = key.replace(/\((.*)\)/, '_$1').replace(/[^a-zA-Z0-9_]/g, '_');
  return kB ? `node_memory_${name}_bytes` : `node_memory_${name}`;
}

/** cmdline: NUL-separated arguments, shown space-separated; empty (kernel thread, zombie) is unknown. */
export function cmdlineText(raw: Buffer): string | null {
  const text = raw.toString('utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
  return text === '' ? null : text;
}
