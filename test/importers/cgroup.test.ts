import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import {
  CgroupFormatError,
  parseCpuMax,
  parseFlatKeyed,
  parsePressure,
  parseSingleValue,
} from '../../src/importers/cgroup-files.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/cli.js';
import { type CgroupRaw, type SynthSnapshot, writeSnapshots } from '../helpers/cgroup-synth.js';
import { contentHash } from '../helpers/db.js';
import { tarOf } from '../helpers/tar.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_100_000;
const MiB = 1024 * 1024;
const ID = '/system.slice/web.service';

/** Raw counters of snapshot k: a pool under a 2-CPU quota (200 ms per 100 ms period), throttled. */
function raw(k: number, over: Partial<CgroupRaw> = {}): CgroupRaw {
  return {
    usageUsec: 5_000_000 + k * 1_900_000,
    userUsec: 4_000_000 + k * 1_500_000,
    systemUsec: 1_000_000 + k * 400_000,
    nrPeriods: 300 + k * 10,
    nrThrottled: 120 + k * 7,
    throttledUsec: 9_000_000 + k * 350_000,
    quotaUs: 200_000,
    periodUs: 100_000,
    memoryCurrent: 400 * MiB + k * MiB,
    memoryMax: 512 * MiB,
    anon: 300 * MiB,
    file: 90 * MiB,
    activeFile: 60 * MiB,
    inactiveFile: 30 * MiB + k * 4096,
    fileMapped: 20 * MiB,
    oom: k >= 2 ? 1 : 0,
    oomKill: k >= 2 ? 1 : 0,
    eventsMax: 5 * k,
    eventsHigh: 0,
    cpuSomeUsec: 700_000 + k * 250_000,
    cpuFullUsec: 300_000 + k * 100_000,
    memSomeUsec: 1_000 * k,
    memFullUsec: 500 * k,
    ...over,
  };
}

const proc = {
  pid: 100,
  ppid: 1,
  comm: 'python3',
  utime: 10,
  stime: 2,
  starttime: 500,
  rssKb: 1000,
  pssKb: 800,
  ussKb: 600,
};

/** What cAdvisor would export for these raw counters, written out here from its definitions. */
function expected(r: CgroupRaw): Record<string, number> {
  const out: Record<string, number> = {
    container_cpu_usage_seconds_total: r.usageUsec / 1e6,
    container_cpu_user_seconds_total: r.userUsec / 1e6,
    container_cpu_system_seconds_total: r.systemUsec / 1e6,
    container_spec_cpu_period: r.periodUs,
    container_memory_usage_bytes: r.memoryCurrent,
    container_memory_rss: r.anon,
    container_memory_cache: r.file,
    container_memory_mapped_file: r.fileMapped,
    container_memory_total_active_file_bytes: r.activeFile,
    container_memory_total_inactive_file_bytes: r.inactiveFile,
    container_memory_working_set_bytes: Math.max(0, r.memoryCurrent - r.inactiveFile),
    container_oom_events_total: r.oomKill,
    container_memory_events_max_total: r.eventsMax,
    container_memory_events_high_total: r.eventsHigh,
    container_pressure_cpu_waiting_seconds_total: r.cpuSomeUsec / 1e6,
    container_pressure_cpu_stalled_seconds_total: r.cpuFullUsec / 1e6,
    container_pressure_memory_waiting_seconds_total: r.memSomeUsec / 1e6,
    container_pressure_memory_stalled_seconds_total: r.memFullUsec / 1e6,
  };
  if (r.nrPeriods !== undefined) {
    out.container_cpu_cfs_periods_total = r.nrPeriods;
    out.container_cpu_cfs_throttled_periods_total = r.nrThrottled!;
    out.container_cpu_cfs_throttled_seconds_total = r.throttledUsec! / 1e6;
  }
  if (r.quotaUs !== undefined) out.container_spec_cpu_quota = r.quotaUs;
  if (r.memoryMax !== undefined) out.container_spec_memory_limit_bytes = r.memoryMax;
  return out;
}

async function importSnapshots(name: string, snapshots: SynthSnapshot[]) {
  const dir = join(tmp.dir, name);
  writeSnapshots(dir, snapshots);
  const db = await TraceDatabase.open(':memory:');
  await importPath(db, dir, { deployment: 'web' });
  return db;
}

/** DuckDB's JSON values arrive as (possibly JSON-quoted) text. */
function jsonValue(v: unknown): unknown {
  let out = v;
  while (typeof out === 'string') out = JSON.parse(out) as unknown;
  return out;
}

/** Every container_* sample: ts → metric → { value, labels, kind, unit }. */
async function containerSamples(db: TraceDatabase) {
  const rows = await db.rowsJS(
    `SELECT metric, to_json(labels) AS labels, kind, unit, ts, value FROM series JOIN samples USING (series_id)
     WHERE metric LIKE 'container_%' ORDER BY ts, metric`,
  );
  const out = new Map<number, Map<string, { value: number; labels: unknown; kind: string; unit: string }>>();
  for (const r of rows) {
    const at = out.get(Number(r.ts)) ?? new Map();
    at.set(String(r.metric), {
      value: Number(r.value),
      labels: jsonValue(r.labels),
      kind: String(r.kind),
      unit: String(r.unit),
    });
    out.set(Number(r.ts), at);
  }
  return out;
}

describe('cgroup v2 files in /proc snapshots', () => {
  it('every documented file becomes the series cAdvisor names, with the values of the raw counters', async () => {
    const raws = [0, 1, 2].map((k) => raw(k));
    const db = await importSnapshots(
      'all',
      raws.map((r, k) => ({ ts: T0 + k * 1000, procs: [proc], cgroup: r, cgroupPath: ID })),
    );
    const got = await containerSamples(db);
    expect([...got.keys()]).toEqual([T0, T0 + 1000, T0 + 2000]);
    raws.forEach((r, k) => {
      const at = got.get(T0 + k * 1000)!;
      const want = expected(r);
      expect([...at.keys()].sort()).toEqual(Object.keys(want).sort());
      for (const [metric, value] of Object.entries(want)) {
        expect(at.get(metric)!.value, metric).toBeCloseTo(value, 9);
        expect(at.get(metric)!.labels).toEqual({ id: ID });
        expect(at.get(metric)!.kind).toBe(metric.endsWith('_total') ? 'counter' : 'gauge');
      }
    });
    const units = Object.fromEntries([...got.get(T0)!].map(([m, v]) => [m, v.unit]));
    expect(units.container_spec_cpu_quota).toBe('microseconds');
    expect(units.container_cpu_cfs_throttled_seconds_total).toBe('seconds');
    expect(units.container_memory_working_set_bytes).toBe('bytes');
    // the processes import as before, next to the container series
    expect((await db.rowsJS(`SELECT pid, role FROM processes`)).map((p) => [p.pid, p.role])).toEqual([
      [100, 'master'],
    ]);
    db.close();
  });

  it('"max" gives no quota and no memory limit; without the cpu controller there are no CFS series', async () => {
    const r = raw(0, {
      quotaUs: undefined,
      memoryMax: undefined,
      nrPeriods: undefined,
      nrThrottled: undefined,
      throttledUsec: undefined,
    });
    const db = await importSnapshots('unlimited', [{ ts: T0, procs: [proc], cgroup: r, cgroupPath: '/' }]);
    const at = (await containerSamples(db)).get(T0)!;
    expect([...at.keys()].sort()).toEqual(Object.keys(expected(r)).sort());
    for (const absent of [
      'container_spec_cpu_quota',
      'container_spec_memory_limit_bytes',
      'container_cpu_cfs_periods_total',
      'container_cpu_cfs_throttled_periods_total',
      'container_cpu_cfs_throttled_seconds_total',
    ])
      expect(at.has(absent), absent).toBe(false);
    expect(at.get('container_spec_cpu_period')!.value).toBe(100_000);
    db.close();
  });

  it('a file missing from a snapshot (or left empty) gives no sample there: missing, never zero', async () => {
    const dir = join(tmp.dir, 'missing');
    writeSnapshots(dir, [
      { ts: T0, procs: [proc], cgroup: raw(0), cgroupPath: ID },
      {
        ts: T0 + 1000,
        procs: [proc],
        cgroup: raw(1),
        cgroupPath: ID,
        cgroupOmit: ['memory.stat', 'cpu.max'],
      },
    ]);
    writeFileSync(join(dir, String(T0 + 1000), 'cgroup', 'memory.events'), '');
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, dir, { deployment: 'web' });
    const second = (await containerSamples(db)).get(T0 + 1000)!;
    for (const absent of [
      'container_memory_working_set_bytes', // needs memory.stat's inactive_file
      'container_memory_rss',
      'container_spec_cpu_quota',
      'container_spec_cpu_period',
      'container_oom_events_total',
    ])
      expect(second.has(absent), absent).toBe(false);
    expect(second.get('container_memory_usage_bytes')!.value).toBe(raw(1).memoryCurrent);
    expect(second.get('container_cpu_cfs_throttled_periods_total')!.value).toBe(raw(1).nrThrottled);
    db.close();
  });

  it('the working set is usage minus inactive_file, floored at zero (cAdvisor)', async () => {
    const r = raw(0, { memoryCurrent: 10 * MiB, inactiveFile: 12 * MiB });
    const db = await importSnapshots('floor', [{ ts: T0, procs: [proc], cgroup: r }]);
    const at = (await containerSamples(db)).get(T0)!;
    expect(at.get('container_memory_working_set_bytes')!.value).toBe(0);
    // without meta's cgroup= line the series carry no id label
    expect(at.get('container_memory_usage_bytes')!.labels).toEqual({});
    db.close();
  });

  it('a server that moved to another cgroup gives separate series per cgroup path', async () => {
    const db = await importSnapshots('moved', [
      { ts: T0, procs: [proc], cgroup: raw(0), cgroupPath: '/' },
      { ts: T0 + 1000, procs: [proc], cgroup: raw(1), cgroupPath: ID },
    ]);
    const rows = await db.rowsJS(
      `SELECT labels['id'] AS id, count(*)::INTEGER AS n FROM series JOIN samples USING (series_id)
       WHERE metric = 'container_cpu_usage_seconds_total' GROUP BY ALL ORDER BY 1`,
    );
    expect(rows).toEqual([
      { id: '/', n: 1 },
      { id: ID, n: 1 },
    ]);
    db.close();
  });

  it('a .tar.gz of the snapshots imports the same series and samples as the folder', async () => {
    const snapshots = [0, 1].map((k) => ({
      ts: T0 + k * 1000,
      procs: [proc],
      cgroup: raw(k),
      cgroupPath: ID,
    }));
    const files = writeSnapshots(join(tmp.dir, 'astar'), snapshots);
    const archive = join(tmp.dir, 'snapshots.tar.gz');
    writeFileSync(
      archive,
      gzipSync(tarOf([...files].map(([name, data]) => ({ name: `web/${name}`, data })))),
    );
    const fromDir = await TraceDatabase.open(':memory:');
    await importPath(fromDir, join(tmp.dir, 'astar'), { deployment: 'web' });
    const fromTar = await TraceDatabase.open(':memory:');
    const { outcomes } = await importPath(fromTar, archive, { deployment: 'web' });
    expect(outcomes.map((o) => o.format)).toEqual(['procfs']);
    expect(await containerSamples(fromTar)).toEqual(await containerSamples(fromDir));
    fromDir.close();
    fromTar.close();
  });

  it('snapshots without a cgroup folder give no container series', async () => {
    const db = await importSnapshots('none', [{ ts: T0, procs: [proc] }]);
    expect((await containerSamples(db)).size).toBe(0);
    expect((await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM samples`))[0]!.n).toBeGreaterThan(0);
    db.close();
  });

  it.each([
    [
      'cpu.stat',
      'usage_usec 12\nuser_usec twelve\n',
      2,
      /expected "key <integer>", found "user_usec twelve"/,
    ],
    ['cpu.max', '200000\n', 1, /expected "<quota\|max> <period>", found "200000"/],
    ['memory.max', '512M\n', 1, /expected an integer or "max", found "512M"/],
    [
      'memory.pressure',
      'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull total=x\n',
      2,
      /found "full total=x"/,
    ],
  ])(
    'a malformed %s is an error naming the file and line; the database is unchanged',
    async (file, text, line, detail) => {
      const dir = join(tmp.dir, `bad-${file}`);
      writeSnapshots(dir, [{ ts: T0, procs: [proc], cgroup: raw(0), cgroupPath: ID }]);
      writeFileSync(join(dir, String(T0), 'cgroup', file), text);
      const db = await TraceDatabase.open(join(tmp.dir, `bad-${file}.duckdb`), { create: true });
      const before = await contentHash(db);
      const error = await importPath(db, dir, { deployment: 'web' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      const message = (error as InputError).message;
      expect(
        message.startsWith(`${join(dir, String(T0), 'cgroup', file)}:${line}: cannot read cgroup file: `),
      ).toBe(true);
      expect(message).toMatch(detail);
      expect(await contentHash(db)).toBe(before);
      db.close();
    },
  );
});

describe('cgroup file parsers', () => {
  it('read the kernel formats', () => {
    expect(parseCpuMax('max 100000\n')).toEqual({ quotaUs: undefined, periodUs: 100_000 });
    expect(parseCpuMax('150000 100000\n')).toEqual({ quotaUs: 150_000, periodUs: 100_000 });
    expect(parseSingleValue('max\n')).toBeUndefined();
    expect(parseSingleValue('4096\n')).toBe(4096);
    expect(parseFlatKeyed('a 1\nb 2\n')).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(parsePressure('some avg10=1.50 avg60=0.20 avg300=0.00 total=42\n')).toEqual({ some: 42 });
  });

  it('reject what the kernel never writes, with the line', () => {
    const line = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof CgroupFormatError ? e.line : -1;
      }
      return 0;
    };
    expect(line(() => parseFlatKeyed('a 1\nb -2\n'))).toBe(2);
    expect(line(() => parseCpuMax('max'))).toBe(1);
    expect(line(() => parseCpuMax('1 2 3'))).toBe(1);
    expect(line(() => parsePressure('some total=1'))).toBe(1);
  });
});
