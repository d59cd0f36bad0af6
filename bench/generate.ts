/**
 * Generates large, realistic inputs for the benchmarks: a Prometheus query_range-style JSON body
 * of N series × M points (process-exporter-like labels, CPU counters with occasional resets,
 * memory gauges), written as a stream so the generator itself stays small.
 * Used by bench/run.ts (`npm run bench`).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A small deterministic PRNG (mulberry32) so every run generates the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

export async function writePromJson(path: string, shape: PromJsonShape): Promise<number> {
  const { series, points, startMs = 1_700_000_000_000, intervalMs = 1000, seed = 1 } = shape;
  const rand = prng(seed);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"status":"success","data":{"resultType":"matrix","result":[');
  for (let s = 0; s < series; s++) {
    const labels = seriesLabels(s);
    const counter = labels.__name__!.endsWith('_total');
    await write(`${s ? ',' : ''}{"metric":${JSON.stringify(labels)},"values":[`);
    let value = counter ? 0 : 50_000_000 + Math.floor(rand() * 100_000_000);
    let chunk = '';
    for (let p = 0; p < points; p++) {
      // Real scrapes jitter by a few ms around the interval.
      const ts = startMs + p * intervalMs + Math.floor(rand() * 5);
      if (counter) {
        value = rand() < 0.0005 ? 0 : Math.round((value + rand() * 0.9) * 100) / 100;
      } else {
        value += Math.floor((rand() - 0.5) * 4096) * 4096;
      }
      chunk += `${p ? ',' : ''}[${(ts / 1000).toFixed(3)},"${value}"]`;
      if (chunk.length > 1 << 16) {
        await write(chunk);
        chunk = '';
      }
    }
    await write(`${chunk}]}`);
  }
  await write(']}}\n');
  out.end();
  await once(out, 'finish');
  return series * points;
}
