/**
 * An independent reference computed straight from /proc snapshot recordings (the layout of
 * docs/formats.md: `[<top>/]<unix_ms>/{meta,proc/{stat,uptime},proc/<pid>/{stat,smaps_rollup,
 * cmdline}}`), for checking the models' figures. It shares no code with src/: its own ustar
 * reader, its own parsers, plain loops. Processes are told apart by identity (pid + starttime).
 *
 * Rules:
 * - A process starts at boot + starttime ÷ clk_tck. Boot is taken from /proc/uptime, which each
 *   snapshot read between its start and end (meta): boot lies in [start − uptime − 10 ms,
 *   end − uptime] for every snapshot (uptime has 10 ms steps); the intersection over all
 *   snapshots is a few ms wide and its middle is used. (/proc/stat's btime has whole seconds.)
 * - CPU: a process's utime+stime counts from 0 at its start (start times are truncated to the
 *   clock tick); between two of its samples the increase is spread evenly over the interval.
 * - Reaped children: per parent, X(k) = the rise of its cutime+cstime from its first sample to
 *   its k-th, minus the last sampled utime+stime+cutime+cstime of its children whose last
 *   sample was before its k-th. X is CPU no sample of the children shows (used after their last
 *   sample, or by a child born and reaped between two snapshots). A snapshot reads the parent
 *   and its children one after another, so a child can be gone before the parent's cutime shows
 *   it (X dips for one interval) or the reverse; the reaped CPU up to the k-th sample is
 *   therefore E(k) = max(0, min over j ≥ k of X(j)), non-decreasing, with E(last) = X(last),
 *   and each rise of E is spread evenly over its parent interval.
 * - Alive in a snapshot: present and not a zombie (state Z) or dead (X). Memory sums are over
 *   the processes alive in one snapshot, from smaps_rollup (USS = Private_Clean + Private_Dirty).
 * - Roles: the master is meta's master_pid; its children are workers except multiprocessing's
 *   helpers (resource_tracker, forkserver, semaphore_tracker); deeper descendants are `other`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Files of a recording by path relative to its root: a folder, a .tar or a .tar.gz. */
export function readRecording(path: string): Map<string, Buffer> {
  if (statSync(path).isDirectory()) {
    const files = new Map<string, Buffer>();
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        const r = rel ? `${rel}/${name}` : name;
        if (statSync(full).isDirectory()) walk(full, r);
        else files.set(r, readFileSync(full));
      }
    };
    walk(path, '');
    return files;
  }
  const raw = readFileSync(path);
  return untar(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw);
}

/** Regular files of a ustar/GNU tar archive (pax `path` and GNU long names honoured). */
export function untar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const field = (h: Buffer, at: number, len: number) => {
    const s = h.subarray(at, at + len);
    const nul = s.indexOf(0);
    return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
  };
  let longName: string | undefined;
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const type = field(h, 156, 1) || '0';
    const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(h, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    const data = buf.subarray(off + 512, off + 512 + size);
    longName = undefined;
    if (type === 'L') longName = field(data, 0, data.length);
    else if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === '0' || type === '\0') files.set(name.replace(/^\.\//, ''), Buffer.from(data));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

export interface ProcRecord {
  pid: number;
  ppid: number;
  comm: string;
  state: string;
  /** utime + stime, ticks */
  ticks: number;
  /** cutime + cstime, ticks */
  childTicks: number;
  starttime: number;
  cmdline: string;
  /** smaps_rollup, kB (absent for zombies and unreadable files) */
  rssKb?: number;
  pssKb?: number;
  ussKb?: number;
}

export interface Snapshot {
  /** the snapshot's start, unix ms (its folder name) */
  ms: number;
  startMs: number;
  endMs: number;
  clkTck: number;
  masterPid: number;
  uptimeS?: number;
  btime?: number;
  /** /proc/stat: the CPUs (cpuN lines) and their idle ticks summed (the 4th value of each) */
  hostCpus?: number;
  hostIdleTicks?: number;
  procs: Map<number, ProcRecord>;
}

function parseStat(text: string): Omit<ProcRecord, 'cmdline'> {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const n = (i: number) => Number(rest[i]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0]!,
    ppid: n(1),
    ticks: n(11) + n(12),
    childTicks: n(13) + n(14),
    starttime: n(19),
  };
}

function kv(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+):\s+(\d+)(?: kB)?$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** Every snapshot of a recording, in time order. */
export function readSnapshots(path: string): Snapshot[] {
  const bySnap = new Map<number, Map<string, Buffer>>();
  for (const [name, data] of readRecording(path)) {
    const parts = name.split('/');
    const i = parts.findIndex((p) => /^\d{12,}$/.test(p));
    if (i < 0) continue;
    const ms = Number(parts[i]);
    if (!bySnap.has(ms)) bySnap.set(ms, new Map());
    bySnap.get(ms)!.set(parts.slice(i + 1).join('/'), data);
  }
  const snaps: Snapshot[] = [];
  for (const [ms, files] of [...bySnap.entries()].sort((a, b) => a[0] - b[0])) {
    const meta = new Map<string, string>();
    for (const line of (files.get('meta')?.toString('utf8') ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) meta.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const procs = new Map<number, ProcRecord>();
    for (const [rel, data] of files) {
      const m = /^proc\/(\d+)\/stat$/.exec(rel);
      if (!m) continue;
      const stat = parseStat(data.toString('utf8'));
      const cmd = files.get(`proc/${m[1]}/cmdline`);
      const rec: ProcRecord = {
        ...stat,
        cmdline: cmd ? cmd.toString('utf8').split('\0').filter(Boolean).join(' ') : '',
      };
      const smaps = files.get(`proc/${m[1]}/smaps_rollup`);
      if (smaps) {
        const f = kv(smaps.toString('utf8'));
        rec.rssKb = f.get('Rss');
        rec.pssKb = f.get('Pss');
        if (f.has('Private_Clean') && f.has('Private_Dirty'))
          rec.ussKb = f.get('Private_Clean')! + f.get('Private_Dirty')!;
      }
      procs.set(rec.pid, rec);
    }
    const uptime = files.get('proc/uptime')?.toString('utf8').trim().split(/\s+/)[0];
    const stat = files.get('proc/stat')?.toString('utf8') ?? '';
    const btime = /^btime (\d+)$/m.exec(stat);
    const cpus = [...stat.matchAll(/^cpu\d+ +(\d+) +(\d+) +(\d+) +(\d+)/gm)];
    snaps.push({
      ms,
      startMs: Number(meta.get('snapshot_start_unix_ms') ?? ms),
      endMs: Number(meta.get('snapshot_end_unix_ms') ?? ms),
      clkTck: Number(meta.get('clk_tck') ?? 100),
      masterPid: Number(meta.get('master_pid')),
      uptimeS: uptime === undefined ? undefined : Number(uptime),
      btime: btime ? Number(btime[1]) : undefined,
      ...(cpus.length > 0
        ? { hostCpus: cpus.length, hostIdleTicks: cpus.reduce((t, m) => t + Number(m[4]), 0) }
        : {}),
      procs,
    });
  }
  return snaps;
}

/** Boot time (unix ms) from the snapshots' /proc/uptime readings: the interval every reading allows. */
export function bootTime(snaps: Snapshot[]): { ms: number; lo: number; hi: number; btime?: number } {
  let lo = -Infinity;
  let hi = Infinity;
  for (const s of snaps) {
    if (s.uptimeS === undefined) continue;
    const up = Math.round(s.uptimeS * 1000);
    lo = Math.max(lo, s.startMs - up - 10);
    hi = Math.min(hi, s.endMs - up);
  }
  if (!(lo <= hi)) throw new Error('procfs-reference: the snapshots’ uptime readings disagree');
  return { ms: (lo + hi) / 2, lo, hi, btime: snaps.find((s) => s.btime !== undefined)?.btime };
}

export type Role = 'master' | 'worker' | 'helper' | 'other';

export interface Identity {
  key: string;
  pid: number;
  ppid: number;
  starttime: number;
  role: Role;
  cmdline: string;
  /** boot + starttime ÷ clk_tck, unix ms */
  startMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** first and last snapshot in which it was alive (not a zombie); undefined if never */
  firstAliveMs?: number;
  lastAliveMs?: number;
  /** [ms, cumulative utime+stime ticks] from (startMs, 0) through every snapshot it was seen in */
  points: [number, number][];
  /** utime+stime at its last sample, ticks */
  lastTicks: number;
}

/** CPU that the parent's cutime/cstime shows beyond its children's last samples, in one parent interval. */
export interface ReapedCpu {
  parentKey: string;
  fromMs: number;
  toMs: number;
  ticks: number;
  /** children that disappeared in the interval */
  children: string[];
}

const HELPER = /multiprocessing\.(resource_tracker|forkserver|semaphore_tracker)/;

export class ProcfsReference {
  readonly snaps: Snapshot[];
  readonly boot: ReturnType<typeof bootTime>;
  readonly clkTck: number;
  readonly masterPid: number;
  readonly identities: Identity[];
  readonly reaped: ReapedCpu[];

  constructor(path: string) {
    this.snaps = readSnapshots(path);
    if (this.snaps.length === 0) throw new Error(`procfs-reference: no snapshots in ${path}`);
    this.boot = bootTime(this.snaps);
    this.clkTck = this.snaps[0]!.clkTck;
    this.masterPid = this.snaps[0]!.masterPid;
    const ids = new Map<string, Identity>();
    const keyOf = (p: ProcRecord) => `${p.pid}:${p.starttime}`;
    let masterKey: string | undefined;
    for (const s of this.snaps) {
      for (const p of s.procs.values()) {
        const key = keyOf(p);
        let id = ids.get(key);
        if (!id) {
          if (p.pid === this.masterPid && masterKey === undefined) masterKey = key;
          id = {
            key,
            pid: p.pid,
            ppid: p.ppid,
            starttime: p.starttime,
            role: 'other',
            cmdline: p.cmdline,
            startMs: this.boot.ms + (p.starttime * 1000) / this.clkTck,
            firstSeenMs: s.ms,
            lastSeenMs: s.ms,
            points: [],
            lastTicks: 0,
          };
          id.points.push([Math.min(id.startMs, s.ms), 0]);
          ids.set(key, id);
        }
        if (!id.cmdline && p.cmdline) id.cmdline = p.cmdline;
        id.lastSeenMs = s.ms;
        id.lastTicks = p.ticks;
        id.points.push([s.ms, id.lastTicks]);
        if (alive(p)) {
          id.firstAliveMs ??= s.ms;
          id.lastAliveMs = s.ms;
        }
      }
    }
    const master = masterKey === undefined ? undefined : ids.get(masterKey);
    for (const id of ids.values()) {
      if (id === master) id.role = 'master';
      else if (master && id.ppid === master.pid && id.startMs >= master.startMs)
        id.role = HELPER.test(id.cmdline) ? 'helper' : 'worker';
    }
    this.identities = [...ids.values()].sort((a, b) => a.startMs - b.startMs || a.pid - b.pid);
    this.reaped = this.reapedCpu();
  }

  private reapedCpu(): ReapedCpu[] {
    const out: ReapedCpu[] = [];
    const lastSeen = new Map(this.identities.map((i) => [i.key, i.lastSeenMs]));
    for (const parent of this.identities) {
      // the parent's samples, with X(k) and the children whose last sample was the previous one
      const rows: { ms: number; x: number; gone: string[] }[] = [];
      let first: ProcRecord | undefined;
      let prev: Snapshot | undefined;
      let goneTicks = 0;
      for (const s of this.snaps) {
        const p = s.procs.get(parent.pid);
        if (!p || p.starttime !== parent.starttime) continue;
        first ??= p;
        const gone: string[] = [];
        for (const c of prev?.procs.values() ?? []) {
          const key = `${c.pid}:${c.starttime}`;
          if (c.ppid === parent.pid && key !== parent.key && lastSeen.get(key) === prev!.ms) {
            gone.push(key);
            goneTicks += c.ticks + c.childTicks;
          }
        }
        rows.push({ ms: s.ms, x: p.childTicks - first.childTicks - goneTicks, gone });
        prev = s;
      }
      let future = Infinity;
      const e = rows.map(() => 0);
      for (let k = rows.length - 1; k >= 0; k--) {
        future = Math.min(future, rows[k]!.x);
        e[k] = Math.max(0, future);
      }
      for (let k = 1; k < rows.length; k++)
        if (e[k]! > e[k - 1]! || rows[k]!.gone.length > 0)
          out.push({
            parentKey: parent.key,
            fromMs: rows[k - 1]!.ms,
            toMs: rows[k]!.ms,
            ticks: e[k]! - e[k - 1]!,
            children: rows[k]!.gone,
          });
    }
    return out;
  }

  /** One identity by pid (the only one with that pid, else an error). */
  byPid(pid: number): Identity {
    const found = this.identities.filter((i) => i.pid === pid);
    if (found.length !== 1) throw new Error(`procfs-reference: ${found.length} identities with pid ${pid}`);
    return found[0]!;
  }

  workers(): Identity[] {
    return this.identities.filter((i) => i.role === 'worker');
  }

  /** Cumulative CPU ticks of an identity at time t (ms): linear between its points, 0 before its start. */
  static ticksAt(id: Identity, t: number): number {
    const pts = id.points;
    if (t <= pts[0]![0]) return 0;
    for (let i = 1; i < pts.length; i++) {
      const [t1, v1] = pts[i]!;
      if (t <= t1) {
        const [t0, v0] = pts[i - 1]!;
        return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
      }
    }
    return pts[pts.length - 1]![1];
  }

  /**
   * CPU-seconds used in [a, b] (ms) by the tree: each identity's counted from zero at its start,
   * plus (with `reaped`) the reaped children's CPU that only their parent's cutime/cstime shows.
   */
  cpuSeconds(a: number, b: number, opts: { reaped?: boolean } = {}): number {
    let ticks = 0;
    for (const id of this.identities)
      ticks += ProcfsReference.ticksAt(id, b) - ProcfsReference.ticksAt(id, a);
    if (opts.reaped ?? true)
      for (const r of this.reaped) {
        const overlap = Math.max(0, Math.min(b, r.toMs) - Math.max(a, r.fromMs));
        ticks += (r.ticks * overlap) / (r.toMs - r.fromMs);
      }
    return ticks / this.clkTck;
  }

  /**
   * The host's cores left idle on average over [a, b] (ms) and its CPUs, from the snapshots'
   * own /proc/stat (the idle ticks of its cpuN lines, summed); between two snapshots the ticks
   * rise evenly, as cpuSeconds has it. Null without two snapshots around the window.
   */
  hostIdle(a: number, b: number): { idleCores: number; cores: number } | null {
    const points = this.snaps
      .filter((s) => s.hostIdleTicks !== undefined)
      .map((s): [number, number] => [s.ms, s.hostIdleTicks!]);
    if (points.length < 2 || a < points[0]![0] || b > points.at(-1)![0] || !(b > a)) return null;
    const at = (t: number) => {
      const i = points.findIndex(([ms]) => ms >= t);
      if (points[i]![0] === t) return points[i]![1];
      const [[t0, v0], [t1, v1]] = [points[i - 1]!, points[i]!];
      return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    };
    return {
      idleCores: (at(b) - at(a)) / this.clkTck / ((b - a) / 1000),
      cores: this.snaps.find((s) => s.hostCpus !== undefined)!.hostCpus!,
    };
  }

  /** Per snapshot: workers alive and the sums over the processes alive in it (bytes). */
  perSnapshot(): SnapshotFigures[] {
    const workerKeys = new Set(this.workers().map((w) => w.key));
    const isWorker = (p: ProcRecord) => workerKeys.has(`${p.pid}:${p.starttime}`);
    return this.snaps.map((s) => {
      const live = [...s.procs.values()].filter(alive);
      // a process whose smaps_rollup could not be read (exiting) adds nothing
      const sum = (ps: ProcRecord[], f: (p: ProcRecord) => number | undefined) => {
        const v = ps.map(f).filter((x): x is number => x !== undefined);
        return v.length ? v.reduce((a, x) => a + x, 0) * 1024 : null;
      };
      const workers = live.filter(isWorker);
      return {
        ms: s.ms,
        processes: live.length,
        workersAlive: workers.length,
        rss: sum(live, (p) => p.rssKb),
        pss: sum(live, (p) => p.pssKb),
        uss: sum(live, (p) => p.ussKb),
        workerRss: sum(workers, (p) => p.rssKb),
        workerPss: sum(workers, (p) => p.pssKb),
        workerUss: sum(workers, (p) => p.ussKb),
      };
    });
  }

  /** Figures of the window [a, b] (ms): CPU, and peaks/medians over the snapshots taken in it. */
  window(a: number, b: number): WindowFigures {
    const rows = this.perSnapshot().filter((r) => r.ms >= a && r.ms <= b && r.processes > 0);
    const stat = (f: (r: SnapshotFigures) => number | null) => {
      const v = rows.map(f).filter((x): x is number => x !== null);
      return { peak: v.length ? Math.max(...v) : null, median: median(v) };
    };
    return {
      start: a,
      end: b,
      snapshots: rows.length,
      cpuSeconds: this.cpuSeconds(a, b),
      cpuSecondsSampledOnly: this.cpuSeconds(a, b, { reaped: false }),
      workersAlive: {
        median: median(rows.map((r) => r.workersAlive)),
        min: Math.min(...rows.map((r) => r.workersAlive)),
      },
      rss: stat((r) => r.rss),
      pss: stat((r) => r.pss),
      uss: stat((r) => r.uss),
    };
  }

  /**
   * Startup per worker at the snapshots' resolution: the process settled at the first of its
   * start and its sample times from which it used less than `settleCores` cores (the pool
   * models' 0.05) over the next `spanMs` (the models' 1 s bucket), interpolated as cpuSeconds
   * does; only spans that end by its last sample count. A span, not the raw interval, because
   * the interval from the start to the first sample can be a few ms with no tick in it.
   */
  startup(settleCores = 0.05, spanMs = 1000): WorkerStartup[] {
    return this.workers().map((w) => {
      let settledMs: number | null = null;
      for (const [t0] of w.points) {
        if (t0 + spanMs > w.lastSeenMs) break;
        const used = (ProcfsReference.ticksAt(w, t0 + spanMs) - ProcfsReference.ticksAt(w, t0)) / this.clkTck;
        if (used < settleCores * (spanMs / 1000)) {
          settledMs = t0;
          break;
        }
      }
      return {
        key: w.key,
        pid: w.pid,
        startMs: w.startMs,
        settledMs,
        seconds: settledMs === null ? null : (settledMs - w.startMs) / 1000,
        cpuSeconds: settledMs === null ? null : ProcfsReference.ticksAt(w, settledMs) / this.clkTck,
      };
    });
  }
}

export interface SnapshotFigures {
  ms: number;
  processes: number;
  workersAlive: number;
  rss: number | null;
  pss: number | null;
  uss: number | null;
  workerRss: number | null;
  workerPss: number | null;
  workerUss: number | null;
}

export interface WindowFigures {
  start: number;
  end: number;
  snapshots: number;
  cpuSeconds: number;
  cpuSecondsSampledOnly: number;
  workersAlive: { median: number | null; min: number };
  rss: { peak: number | null; median: number | null };
  pss: { peak: number | null; median: number | null };
  uss: { peak: number | null; median: number | null };
}

export interface WorkerStartup {
  key: string;
  pid: number;
  startMs: number;
  settledMs: number | null;
  seconds: number | null;
  cpuSeconds: number | null;
}

function alive(p: ProcRecord): boolean {
  return p.state !== 'Z' && p.state !== 'X' && p.state !== 'x';
}

function median(v: number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
