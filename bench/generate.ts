/**
 * Generates large, realistic inputs for the benchmarks: a Prometheus query_range-style JSON body
 * of N series × M points (process-exporter-like labels, CPU counters with occasional resets,
 * memory gauges), written as a stream so the generator itself stays small.
 * Also a /proc snapshot set (writeProcSnapshots). Used by bench/harness.ts (`npm run bench`).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { seededRandom } from '../src/models/interval.js';

export interface PromJsonShape {
  series: number;
  points: number;
  /** First timestamp, unix ms, and scrape interval in ms. */
  startMs?: number;
  intervalMs?: number;
  seed?: number;
}

/** Series i: a process (pool i % 10, pid 1000 + i) with a user/system CPU counter or a memory gauge. */
export function seriesLabels(i: number): Record<string, string> {
  const kind = i % 4;
  const pid = 10000 + Math.floor(i / 4);
  const pool = `pool${Math.floor(i / 4) % 10}`;
  const base = { groupname: `python3:${pid}`, instance: '127.0.0.1:9256', job: 'process-exporter', pool };
  if (kind < 2)
    return {
      __name__: 'namedprocess_namegroup_cpu_seconds_total',
      ...base,
      mode: kind === 0 ? 'user' : 'system',
    };
  return {
    __name__: 'namedprocess_namegroup_memory_bytes',
    ...base,
    memtype: kind === 2 ? 'resident' : 'proportionalResident',
  };
}

/**
 * The samples of the generated input, series by series in order, each series' points as the
 * strings both writers print: timestamp in unix seconds with three decimals, value as JavaScript
 * prints it. One PRNG runs through all series, so the sequence is the same for every writer.
 */
function* generatedSeries(shape: PromJsonShape): Generator<{
  labels: Record<string, string>;
  points: (p: number) => [string, string];
}> {
  const { series, startMs = 1_700_000_000_000, intervalMs = 1000, seed = 1 } = shape;
  const rand = seededRandom(seed);
  for (let s = 0; s < series; s++) {
    const labels = seriesLabels(s);
    const counter = labels.__name__!.endsWith('_total');
    let value = counter ? 0 : 50_000_000 + Math.floor(rand() * 100_000_000);
    yield {
      labels,
      // Called for p = 0, 1, ... in order (the value is a random walk).
      points: (p) => {
        // Real scrapes jitter by a few ms around the interval.
        const ts = startMs + p * intervalMs + Math.floor(rand() * 5);
        if (counter) {
          value = rand() < 0.0005 ? 0 : Math.round((value + rand() * 0.9) * 100) / 100;
        } else {
          value += Math.floor((rand() - 0.5) * 4096) * 4096;
        }
        return [(ts / 1000).toFixed(3), String(value)];
      },
    };
  }
}

/** Writes text to a file stream, waiting for it to drain; `end` closes it. */
function fileWriter(path: string): { write: (text: string) => Promise<void>; end: () => Promise<void> } {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  return {
    write: async (text) => {
      if (!out.write(text)) await once(out, 'drain');
    },
    end: async () => {
      out.end();
      await once(out, 'finish');
    },
  };
}

export async function writePromJson(path: string, shape: PromJsonShape): Promise<number> {
  const out = fileWriter(path);
  await out.write('{"status":"success","data":{"resultType":"matrix","result":[');
  let s = 0;
  for (const { labels, points } of generatedSeries(shape)) {
    await out.write(`${s++ ? ',' : ''}{"metric":${JSON.stringify(labels)},"values":[`);
    let chunk = '';
    for (let p = 0; p < shape.points; p++) {
      const [ts, value] = points(p);
      chunk += `${p ? ',' : ''}[${ts},"${value}"]`;
      if (chunk.length > 1 << 16) {
        await out.write(chunk);
        chunk = '';
      }
    }
    await out.write(`${chunk}]}`);
  }
  await out.write(']}}\n');
  await out.end();
  return shape.series * shape.points;
}

/**
 * The same samples as writePromJson, as OpenMetrics text for `promtool tsdb create-blocks-from
 * openmetrics` (one line per sample, series after series, `# EOF` at the end; no TYPE lines, so
 * the metric names stay as they are). `extraLabels` are added to every series (the deployment
 * trace-analyze adds at import, so both sides see the same label sets).
 */
export async function writeOpenMetrics(
  path: string,
  shape: PromJsonShape,
  extraLabels: Record<string, string> = {},
): Promise<number> {
  const out = fileWriter(path);
  for (const { labels, points } of generatedSeries(shape)) {
    const { __name__: name, ...rest } = { ...labels, ...extraLabels };
    const prefix = `${name}{${Object.entries(rest)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}} `;
    let chunk = '';
    for (let p = 0; p < shape.points; p++) {
      const [ts, value] = points(p);
      chunk += `${prefix}${value} ${ts}\n`;
      if (chunk.length > 1 << 16) {
        await out.write(chunk);
        chunk = '';
      }
    }
    await out.write(chunk);
  }
  await out.write('# EOF\n');
  await out.end();
  return shape.series * shape.points;
}

export interface ProcSnapshotShape {
  /** Snapshots, one per `intervalMs`. */
  snapshots: number;
  /** Worker processes besides the master (gunicorn-like: a master and its workers). */
  workers: number;
  startMs?: number;
  intervalMs?: number;
  seed?: number;
}

const CLK_TCK = 100;
const PAGE = 4096;
const BOOT_S = 1_699_990_000;

/** One process of the generated /proc set: fixed identity, counters that grow by the snapshot. */
interface SimProcess {
  pid: number;
  ppid: number;
  startTicks: number;
  utime: number;
  stime: number;
  rssKb: number;
  readBytes: number;
  writeBytes: number;
}

/**
 * Writes a /proc snapshot set in the layout of docs/design.md (`<root>/<unix_ms>/meta`,
 * `proc/{stat,meminfo,uptime}`, `proc/<pid>/{stat,status,smaps_rollup,cmdline,io}`), with file
 * contents shaped like the real capture's (test/fixtures/real-capture-1/procsnap). Every
 * `restartEvery` snapshots one worker is replaced by a new pid, as after a crash.
 * Returns the number of files written.
 */
export async function writeProcSnapshots(root: string, shape: ProcSnapshotShape): Promise<number> {
  const { snapshots, workers, startMs = 1_700_000_000_000, intervalMs = 1000, seed = 2 } = shape;
  const rand = seededRandom(seed);
  const restartEvery = 600;
  let nextPid = 20000;
  const spawn = (ppid: number, atS: number): SimProcess => ({
    pid: nextPid++,
    ppid,
    startTicks: Math.round((atS - BOOT_S) * CLK_TCK),
    utime: 0,
    stime: 0,
    rssKb: 60_000 + Math.floor(rand() * 20_000),
    readBytes: 0,
    writeBytes: 0,
  });
  const t0 = startMs / 1000;
  const master = spawn(1, t0 - 30);
  let pool = Array.from({ length: workers }, () => spawn(master.pid, t0 - 29));
  let cpuUser = 35_000;
  let cpuSystem = 10_000;
  let cpuIdle = 150_000;
  let files = 0;
  for (let s = 0; s < snapshots; s++) {
    const ms = startMs + s * intervalMs;
    const nowS = ms / 1000;
    if (s > 0 && s % restartEvery === 0 && pool.length > 0) {
      const victim = s / restartEvery - 1;
      pool = pool.map((p, i) => (i === victim % pool.length ? spawn(master.pid, nowS) : p));
    }
    const dir = `${root}/${ms}`;
    await Promise.all([master, ...pool].map((p) => mkdir(`${dir}/proc/${p.pid}`, { recursive: true })));
    const writes: Promise<void>[] = [];
    const put = (path: string, text: string) => {
      files++;
      writes.push(writeFile(`${dir}/${path}`, text));
    };
    const ticks = (intervalMs / 1000) * CLK_TCK;
    cpuUser += Math.floor(ticks * 2 * 0.6 * rand());
    cpuSystem += Math.floor(ticks * 2 * 0.2 * rand());
    cpuIdle += Math.floor(ticks * 2 * 0.3 * rand());
    put(
      'meta',
      `hostname=bench\nclk_tck=${CLK_TCK}\npagesize=${PAGE}\nmaster_pid=${master.pid}\nsnapshot_start_unix_ms=${ms}\nsnapshot_end_unix_ms=${ms + 40}\n`,
    );
    put(
      'proc/stat',
      `cpu  ${cpuUser} 0 ${cpuSystem} ${cpuIdle} 605 0 201 84 0 0\n` +
        `cpu0 ${Math.floor(cpuUser / 2)} 0 ${Math.floor(cpuSystem / 2)} ${Math.floor(cpuIdle / 2)} 152 0 62 37 0 0\n` +
        `cpu1 ${Math.ceil(cpuUser / 2)} 0 ${Math.ceil(cpuSystem / 2)} ${Math.ceil(cpuIdle / 2)} 452 0 138 46 0 0\n` +
        `ctxt ${1_700_000 + s * 900}\nbtime ${BOOT_S}\nprocesses ${nextPid}\nprocs_running 3\nprocs_blocked 0\n`,
    );
    put('proc/uptime', `${(nowS - BOOT_S).toFixed(2)} ${((nowS - BOOT_S) * 1.5).toFixed(2)}\n`);
    const free = 23_000_000 - Math.floor(rand() * 500_000);
    put(
      'proc/meminfo',
      `MemTotal:       24683656 kB\nMemFree:        ${free} kB\nMemAvailable:   ${free + 450_000} kB\n` +
        `Buffers:           11080 kB\nCached:           581916 kB\nSwapCached:            0 kB\n` +
        `Active:           375476 kB\nInactive:         682916 kB\nSwapTotal:             0 kB\n` +
        `SwapFree:              0 kB\nDirty:              4224 kB\nAnonPages:        476196 kB\n` +
        `Mapped:            89316 kB\nShmem:              8924 kB\nSlab:             220592 kB\n`,
    );
    for (const p of [master, ...pool]) {
      const busy = p === master ? 0.01 : 0.5 * rand();
      p.utime += Math.round(ticks * busy);
      p.stime += Math.round(ticks * busy * 0.1);
      p.rssKb += Math.floor((rand() - 0.45) * 64);
      p.readBytes += Math.floor(rand() * 4096);
      p.writeBytes += Math.floor(rand() * 1024);
      const comm = 'gunicorn';
      const rssPages = Math.floor(p.rssKb / 4);
      const pss = Math.floor(p.rssKb * (p === master ? 0.6 : 0.45));
      const anon = Math.floor(p.rssKb * 0.7);
      const base = `proc/${p.pid}`;
      put(
        `${base}/stat`,
        `${p.pid} (${comm}) S ${p.ppid} ${master.pid} ${master.pid} 0 -1 4194368 28568 75 15 0 ${p.utime} ${p.stime} 0 0 20 0 ${p === master ? 1 : 4} 0 ${p.startTicks} ${p.rssKb * 10_240} ${rssPages} 18446744073709551615 4321280 7148169 140730057748112 0 0 0 0 16781312 3162114 0 0 0 17 0 0 0 0 0 0 9723336 11027064 739897344 140730057752392 140730057752491 140730057752491 140730057752550 0\n`,
      );
      put(
        `${base}/status`,
        `Name:\t${comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t${p.pid}\nNgid:\t0\nPid:\t${p.pid}\nPPid:\t${p.ppid}\n` +
          `TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t256\nVmPeak:\t  ${p.rssKb * 10} kB\n` +
          `VmSize:\t  ${p.rssKb * 10} kB\nVmHWM:\t   ${p.rssKb} kB\nVmRSS:\t   ${p.rssKb} kB\nRssAnon:\t   ${anon} kB\n` +
          `RssFile:\t   ${p.rssKb - anon} kB\nRssShmem:\t       0 kB\nVmSwap:\t       0 kB\nThreads:\t${p === master ? 1 : 4}\n` +
          `voluntary_ctxt_switches:\t${209 + s}\nnonvoluntary_ctxt_switches:\t15\n`,
      );
      put(
        `${base}/smaps_rollup`,
        `00400000-7ffe451a0000 ---p 00000000 00:00 0                              [rollup]\n` +
          `Rss:            ${String(p.rssKb).padStart(6)} kB\nPss:            ${String(pss).padStart(6)} kB\n` +
          `Pss_Dirty:      ${String(Math.floor(pss * 0.9)).padStart(6)} kB\nPss_Anon:       ${String(Math.floor(pss * 0.9)).padStart(6)} kB\n` +
          `Pss_File:       ${String(pss - Math.floor(pss * 0.9)).padStart(6)} kB\nPss_Shmem:           0 kB\n` +
          `Shared_Clean:   ${String(Math.floor(p.rssKb * 0.3)).padStart(6)} kB\nShared_Dirty:   ${String(Math.floor(p.rssKb * 0.25)).padStart(6)} kB\n` +
          `Private_Clean:      272 kB\nPrivate_Dirty:  ${String(p.rssKb - Math.floor(p.rssKb * 0.55) - 272).padStart(6)} kB\n` +
          `Referenced:     ${String(p.rssKb).padStart(6)} kB\nAnonymous:      ${String(anon).padStart(6)} kB\nSwap:                0 kB\nSwapPss:             0 kB\n`,
      );
      put(
        `${base}/cmdline`,
        [
          '/usr/bin/python3',
          '/usr/bin/gunicorn',
          '-k',
          'uvicorn.workers.UvicornWorker',
          '-w',
          String(workers),
          'app:app',
          '',
        ].join('\0'),
      );
      put(
        `${base}/io`,
        `rchar: ${p.readBytes * 8}\nwchar: ${p.writeBytes * 2}\nsyscr: ${s * 3}\nsyscw: ${s}\nread_bytes: ${p.readBytes}\nwrite_bytes: ${p.writeBytes}\ncancelled_write_bytes: 0\n`,
      );
    }
    await Promise.all(writes);
  }
  return files;
}
