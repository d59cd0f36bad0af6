import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import {
  processKey,
  SampleBuffer,
  type ImportBatch,
  type MetricKind,
  type ProcessRecord,
  type SeriesDef,
} from '../store/batch.js';
import { cgroupValues, CGROUP_FILES, type CgroupFile } from './cgroup-files.js';
import type { ImportContext, Importer } from './importer.js';
import {
  cmdlineText,
  CPU_MODES,
  meminfoMetric,
  parseHostStat,
  parseKeyValues,
  parsePairs,
  parseProcStat,
} from './procfs-files.js';
import type { DirSource, FileSource, Source } from './source.js';
import { DEFAULT_TAR_LIMITS, readTar, tarNamesInHead } from './tar.js';

/**
 * /proc snapshots (the layout in docs/design.md), from a folder or a tar archive (gzip or not) read as a
 * stream, never extracted:
 *   [<prefix>/]<unix_ms>/meta                     key=value: clk_tck, pagesize, hostname, ...
 *   [<prefix>/]<unix_ms>/proc/{stat,meminfo,uptime}
 *   [<prefix>/]<unix_ms>/proc/<pid>/{stat,status,smaps_rollup,cmdline,io}
 *   [<prefix>/]<unix_ms>/cgroup/{cpu.max,cpu.stat,memory.current,...}   optional (cgroup-files.ts)
 * Anything else is ignored; links and devices are never followed. A file that is absent
 * (could not be read when the snapshot was taken) gives no sample: missing, never zero.
 */

const CGROUP_ENTRY = `cgroup/(?:${CGROUP_FILES.map((f) => f.replace('.', '\\.')).join('|')})`;
const SNAPSHOT_FILE = new RegExp(
  `^(?:\\./)?(?:([^/]+)/)?(\\d{10,16})/(meta|proc/(?:stat|meminfo|uptime)|proc/\\d+/(?:stat|status|smaps_rollup|cmdline|io)|${CGROUP_ENTRY})$`,
);
const SNAPSHOT_DIR = /^\d{10,16}$/;
/** Linux defaults, used only when a snapshot has no meta file (recorded as a warning). */
const DEFAULT_CLK_TCK = 100;
const DEFAULT_PAGESIZE = 4096;

/** One snapshot's files, keyed by their path below the snapshot folder. */
interface Snapshot {
  name: string;
  ts: number;
  files: Map<string, Buffer>;
  /** How an error names one of its files: a path, or the archive and the entry in it. */
  where: (file: string) => string;
}

function layoutMatch(name: string): { snapshot: string; ts: number; file: string } | undefined {
  const m = SNAPSHOT_FILE.exec(name);
  if (!m || m[1] === '.' || m[1] === '..') return undefined;
  return { snapshot: m[1] ? `${m[1]}/${m[2]}` : m[2]!, ts: Number(m[2]), file: m[3]! };
}

/**
 * Snapshot folders directly in `dir`, or one level down (`<mode>/<unix_ms>`, as the capture's
 * archives have them) when every entry of `dir` is such a folder — so a folder that also holds
 * other files (archives, logs) is imported file by file instead.
 */
function snapshotDirs(dir: string): string[] {
  const isDir = (p: string) => {
    try {
      return lstatSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const isSnapshot = (p: string) => isDir(p) && (existsSync(join(p, 'meta')) || isDir(join(p, 'proc')));
  const list = (p: string) => {
    try {
      return readdirSync(p)
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  };
  const direct = (p: string) => list(p).filter((n) => SNAPSHOT_DIR.test(n) && isSnapshot(join(p, n)));
  const top = direct(dir);
  if (top.length > 0) return top.map((n) => join(dir, n));
  const names = list(dir);
  const nested = names.map((n) => (isDir(join(dir, n)) ? direct(join(dir, n)) : []));
  if (names.length === 0 || nested.some((found) => found.length === 0)) return [];
  return names.flatMap((n, i) => nested[i]!.map((s) => join(dir, n, s)));
}

export const procfs: Importer = {
  format: 'procfs',

  detect(source: Source): boolean {
    if (source.kind === 'dir') return snapshotDirs(source.path).length > 0;
    return tarNamesInHead(source.head).some((n) => layoutMatch(n) !== undefined);
  },

  async *parse(source: Source, context: ImportContext): AsyncIterable<ImportBatch> {
    const builder = new SnapshotImport();
    const snapshots =
      source.kind === 'dir'
        ? folderSnapshots(source)
        : archiveSnapshots(source, context.limits?.maxEntryBytes ?? DEFAULT_TAR_LIMITS.maxEntryBytes);
    for await (const snapshot of snapshots) {
      builder.add(snapshot);
      if (builder.samples.length > 60_000) yield builder.batch();
    }
    yield builder.batch(true);
  },
};

/**
 * A snapshot folder is many small files (a /proc snapshot of 16 workers: about 90), read with
 * synchronous calls: through fs/promises each file cost four trips to the thread pool.
 */
async function* folderSnapshots(source: DirSource): AsyncIterable<Snapshot> {
  for (const dir of snapshotDirs(source.path)) {
    const files = new Map<string, Buffer>();
    const take = (relative: string) => {
      const content = readRegularFile(join(dir, relative));
      if (content) files.set(relative, content);
    };
    take('meta');
    take('proc/stat');
    take('proc/meminfo');
    take('proc/uptime');
    let pids: string[] = [];
    try {
      pids = readdirSync(join(dir, 'proc'))
        .filter((n) => /^\d+$/.test(n))
        .sort((a, b) => Number(a) - Number(b));
    } catch {
      // no proc folder
    }
    for (const pid of pids) {
      if (!lstatSync(join(dir, 'proc', pid), { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const f of ['stat', 'status', 'smaps_rollup', 'cmdline', 'io']) take(`proc/${pid}/${f}`);
    }
    for (const f of CGROUP_FILES) take(`cgroup/${f}`);
    const base = dir.split(/[\\/]/).pop()!;
    yield { name: dir, ts: Number(base), files, where: (file) => join(dir, file) };
  }
}

/**
 * The bytes of a regular file, or undefined when it is missing, unreadable or not a regular file.
 * Links are never followed (O_NOFOLLOW) and a FIFO never blocks the open (O_NONBLOCK); fstat on
 * the open file decides, so nothing can swap the file between the check and the read.
 */
function readRegularFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

async function* archiveSnapshots(source: FileSource, maxEntryBytes: number): AsyncIterable<Snapshot> {
  let current: Snapshot | undefined;
  const done = new Set<string>();
  const stream = source.open();
  try {
    const accept = (name: string) => layoutMatch(name) !== undefined;
    const limits = { ...DEFAULT_TAR_LIMITS, maxEntryBytes };
    for await (const entry of readTar(stream, source.path, accept, limits)) {
      if (!entry.data) continue;
      const where = layoutMatch(entry.name)!;
      if (!current || current.name !== where.snapshot) {
        if (done.has(where.snapshot))
          throw new InputError(
            source.path,
            { offset: entry.offset },
            msg.procfsSplitSnapshot(where.snapshot),
          );
        if (current) {
          done.add(current.name);
          yield current;
        }
        const prefix = where.snapshot;
        current = {
          name: prefix,
          ts: where.ts,
          files: new Map(),
          where: (file) => `${source.path} (entry ${prefix}/${file})`,
        };
      }
      // A second member of the same name would silently replace the first (tar extracts the
      // last one): an archive that says two things about one file is refused.
      if (current.files.has(where.file))
        throw new InputError(source.path, { offset: entry.offset }, msg.tarDuplicateEntry(entry.name));
      current.files.set(where.file, entry.data);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    // zlib errors from a corrupt .gz surface here
    throw new InputError(source.path, undefined, source.gzip ? msg.notGzip() : msg.tarCorrupt(String(e)));
  } finally {
    stream.destroy();
  }
  if (current) yield current;
}

/** Turns snapshots into series, samples and process records. */
class SnapshotImport {
  readonly samples = new SampleBuffer(65_536);
  private readonly refs = new Map<string, number>();
  private newSeries: SeriesDef[] = [];
  private readonly processes = new Map<string, ProcessRecord>();
  private warnings: string[] = [];
  private btime: number | undefined;
  /** Boot time from the snapshots' uptime (ms): the latest of snapshot time − uptime. */
  private bootMs: number | undefined;
  /** Each process's start after boot (ms), to place it on bootMs at the end. */
  private readonly startAfterBoot = new Map<string, number>();
  private warnedMeta = false;
  private warnedBtime = false;

  private ref(
    metric: string,
    labels: Record<string, string>,
    kind: MetricKind,
    unit: string,
    key?: string,
  ): number {
    const id = `${metric}\u0000${JSON.stringify(labels)}`;
    let ref = this.refs.get(id);
    if (ref === undefined) {
      ref = this.refs.size;
      this.refs.set(id, ref);
      this.newSeries.push({ ref, metric, labels, kind, unit, processKey: key ?? null });
    }
    return ref;
  }

  batch(last = false): ImportBatch {
    const out: ImportBatch = {
      series: this.newSeries,
      samples: this.samples.take(),
      warnings: this.warnings,
    };
    if (last) out.processes = [...this.processes.values()].map((p) => this.placeStart(p));
    this.newSeries = [];
    this.warnings = [];
    return out;
  }

  /**
   * A process's start time on the boot time the uptimes give, when they agree with btime to
   * within a second: btime is whole seconds (the kernel rounds the boot time down), while
   * snapshot time − uptime is early by the moment between the snapshot's start and its read of
   * uptime (the latest of them is the closest). The process key keeps btime's start.
   */
  private placeStart(p: ProcessRecord): ProcessRecord {
    const after = this.startAfterBoot.get(p.processKey);
    const boot = this.bootMs;
    if (after === undefined || boot === undefined || this.btime === undefined) return p;
    if (Math.abs(boot - this.btime * 1000) > 1000) return p;
    return { ...p, startTs: Math.round(boot + after), startExact: true };
  }

  add(snapshot: Snapshot): void {
    const { ts, files } = snapshot;
    const text = (f: string) => files.get(f)?.toString('utf8');

    const meta = text('meta');
    const pairs = meta === undefined ? new Map<string, string>() : parsePairs(meta, '=');
    const clk = Number(pairs.get('clk_tck'));
    const page = Number(pairs.get('pagesize'));
    const clkTck = clk > 0 ? clk : DEFAULT_CLK_TCK;
    const pageSize = page > 0 ? page : DEFAULT_PAGESIZE;
    if (!(clk > 0 && page > 0) && !this.warnedMeta) {
      this.warnings.push(msg.procfsNoMeta(snapshot.name));
      this.warnedMeta = true;
    }

    const hostStat = text('proc/stat');
    if (hostStat !== undefined) {
      const { btime, cpus } = parseHostStat(hostStat);
      if (btime !== undefined) this.btime = btime;
      for (const { cpu, ticks } of cpus)
        CPU_MODES.forEach((mode, i) => {
          const v = ticks[i];
          if (v === undefined || !Number.isFinite(v)) return;
          this.samples.push(
            this.ref('node_cpu_seconds_total', { cpu, mode }, 'counter', 'seconds'),
            ts,
            v / clkTck,
          );
        });
    }
    const uptime = Number(text('proc/uptime')?.trim().split(/\s+/)[0]);
    if (Number.isFinite(uptime) && uptime > 0)
      this.bootMs = Math.max(this.bootMs ?? -Infinity, ts - uptime * 1000);
    const meminfo = text('proc/meminfo');
    if (meminfo !== undefined)
      for (const [key, { value, kB }] of parseKeyValues(meminfo))
        this.samples.push(this.ref(meminfoMetric(key, kB), {}, 'gauge', kB ? 'bytes' : ''), ts, value);

    this.addCgroup(snapshot, pairs.get('cgroup'));

    const pids = new Set<string>();
    for (const f of files.keys()) {
      const m = /^proc\/(\d+)\//.exec(f);
      if (m) pids.add(m[1]!);
    }
    for (const pid of [...pids].sort((a, b) => Number(a) - Number(b)))
      this.addProcess(snapshot, pid, clkTck, pageSize);
  }

  /**
   * The server's cgroup (v2) files, as cAdvisor's container_* series. Labelled `id` with the
   * cgroup path when meta names it (cAdvisor's label for the cgroup), so a server that moved
   * to another cgroup gives separate series.
   */
  private addCgroup(snapshot: Snapshot, cgroupPath: string | undefined): void {
    const labels: Record<string, string> = cgroupPath ? { id: cgroupPath } : {};
    const values = cgroupValues(
      (f: CgroupFile) => snapshot.files.get(`cgroup/${f}`)?.toString('utf8'),
      (f, e) => {
        throw new InputError(snapshot.where(`cgroup/${f}`), { line: e.line }, msg.cgroupBadFile(e.detail));
      },
    );
    for (const v of values)
      this.samples.push(this.ref(v.metric, labels, v.kind, v.unit), snapshot.ts, v.value);
  }

  private addProcess(snapshot: Snapshot, pid: string, clkTck: number, pageSize: number): void {
    const { ts, files } = snapshot;
    const raw = (f: string) => files.get(`proc/${pid}/${f}`);
    const statText = raw('stat')?.toString('utf8');
    if (statText === undefined) return; // without stat there is no identity (start time)
    const stat = parseProcStat(statText);
    if (typeof stat === 'string')
      throw new InputError(snapshot.where(`proc/${pid}/stat`), { line: 1 }, msg.procfsBadStat(stat));
    if (this.btime === undefined && !this.warnedBtime) {
      this.warnings.push(msg.procfsNoBtime(snapshot.name));
      this.warnedBtime = true;
    }
    const startTs =
      this.btime === undefined ? null : this.btime * 1000 + Math.round((stat.starttime * 1000) / clkTck);
    if (startTs !== null && !Number.isSafeInteger(startTs))
      throw new InputError(
        snapshot.where(`proc/${pid}/stat`),
        { line: 1 },
        msg.procfsBadStat('start time out of range'),
      );
    const key = processKey(stat.pid, startTs);
    this.startAfterBoot.set(key, (stat.starttime * 1000) / clkTck);
    const labels = { pid: String(stat.pid), process_key: key };
    const put = (
      metric: string,
      kind: MetricKind,
      unit: string,
      value: number | undefined,
      extra?: Record<string, string>,
    ) => {
      if (value === undefined || !Number.isFinite(value)) return;
      this.samples.push(
        this.ref(metric, extra ? { ...labels, ...extra } : labels, kind, unit, key),
        ts,
        value,
      );
    };

    const status = raw('status') ? parseKeyValues(raw('status')!.toString('utf8')) : undefined;
    const smaps = raw('smaps_rollup') ? parseKeyValues(raw('smaps_rollup')!.toString('utf8')) : undefined;
    const io = raw('io') ? parsePairs(raw('io')!.toString('utf8'), ':') : undefined;
    const field = (m: typeof status, k: string) => m?.get(k)?.value;
    const sum = (m: typeof status, a: string, b: string) => {
      const x = field(m, a);
      const y = field(m, b);
      return x === undefined || y === undefined ? undefined : x + y;
    };
    const zombie = stat.state === 'Z' || stat.state === 'X';

    put('process_cpu_seconds_total', 'counter', 'seconds', stat.utime / clkTck, { mode: 'user' });
    put('process_cpu_seconds_total', 'counter', 'seconds', stat.stime / clkTck, { mode: 'system' });
    // the reaped children's ticks (cutime, cstime): what a worker used after its last snapshot
    put('process_children_cpu_seconds_total', 'counter', 'seconds', stat.cutime / clkTck, { mode: 'user' });
    put('process_children_cpu_seconds_total', 'counter', 'seconds', stat.cstime / clkTck, { mode: 'system' });
    // RSS: status VmRSS (exact counters), else smaps_rollup Rss, else stat's page count (its
    // per-thread counters may lag). A zombie has released its memory: no memory samples.
    if (!zombie) {
      put(
        'process_resident_memory_bytes',
        'gauge',
        'bytes',
        field(status, 'VmRSS') ?? field(smaps, 'Rss') ?? stat.rss * pageSize,
      );
      put('process_virtual_memory_bytes', 'gauge', 'bytes', stat.vsize);
    }
    put('process_pss_bytes', 'gauge', 'bytes', field(smaps, 'Pss'));
    put('process_pss_anon_bytes', 'gauge', 'bytes', field(smaps, 'Pss_Anon'));
    put('process_pss_file_bytes', 'gauge', 'bytes', field(smaps, 'Pss_File'));
    put('process_pss_shmem_bytes', 'gauge', 'bytes', field(smaps, 'Pss_Shmem'));
    put('process_uss_bytes', 'gauge', 'bytes', sum(smaps, 'Private_Clean', 'Private_Dirty'));
    put('process_shared_bytes', 'gauge', 'bytes', sum(smaps, 'Shared_Clean', 'Shared_Dirty'));
    put(
      'process_swap_bytes',
      'gauge',
      'bytes',
      field(smaps, 'Swap') ?? (zombie ? undefined : field(status, 'VmSwap')),
    );
    put('process_swap_pss_bytes', 'gauge', 'bytes', field(smaps, 'SwapPss'));
    put('process_threads', 'gauge', 'count', stat.numThreads);
    const ioNumber = (k: string) => {
      const v = io?.get(k);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    put('process_io_read_bytes_total', 'counter', 'bytes', ioNumber('read_bytes'));
    put('process_io_write_bytes_total', 'counter', 'bytes', ioNumber('write_bytes'));

    const cmdlineRaw = raw('cmdline');
    const cmdline = cmdlineRaw ? cmdlineText(cmdlineRaw) : null;
    const known = this.processes.get(key);
    if (!known) {
      this.processes.set(key, {
        processKey: key,
        pid: stat.pid,
        ppid: stat.ppid,
        comm: stat.comm,
        cmdline,
        startTs,
        firstSeen: ts,
        lastSeen: ts,
      });
    } else {
      known.firstSeen = Math.min(known.firstSeen, ts);
      known.lastSeen = Math.max(known.lastSeen, ts);
      known.cmdline ??= cmdline;
    }
  }
}
