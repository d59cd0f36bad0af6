import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelSets } from '../../src/models/registry.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { type CgroupRaw, MiB, poolUnderQuota, writeSnapshots } from '../helpers/cgroup-synth.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_200_000;

/** The container models (and the pool models they need) over what was imported. */
async function withModels(db: TraceDatabase): Promise<void> {
  await loadModelSets(db, 'containers');
}

async function summary(db: TraceDatabase) {
  return db.rowsJS(`SELECT * FROM container_summary ORDER BY deployment, container`);
}

/** Increase of a counter over raw samples, reset-aware (a drop means the counter restarted from 0). */
function increase(values: number[]): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++)
    sum += values[i]! < values[i - 1]! ? values[i]! : values[i]! - values[i - 1]!;
  return sum;
}

describe('container models on /proc snapshots with cgroup files', () => {
  it('quota, CPU, throttling, memory peaks, headroom and OOM kills match the raw counters', async () => {
    const { snapshots, raws } = poolUnderQuota(T0);
    const dir = join(tmp.dir, 'pool');
    writeSnapshots(dir, snapshots);
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, dir, { deployment: 'uvicorn' });
    await withModels(db);
    const rows = await summary(db);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    const first = raws[0]!;
    const last = raws.at(-1)!;
    const seconds = (snapshots.at(-1)!.ts - snapshots[0]!.ts) / 1000;
    const peakCores = Math.max(...raws.slice(1).map((r, i) => (r.usageUsec - raws[i]!.usageUsec) / 1e6 / 1));
    const peakWorkingSet = Math.max(...raws.map((r) => r.memoryCurrent - r.inactiveFile));
    expect(row.container).toBe('/kubepods/pod-web/web');
    expect(row.quota_cores).toBe(first.quotaUs! / first.periodUs);
    expect(row.quota_origin).toBe('cfs');
    expect(row.quota_changed).toBe(false);
    expect(row.seconds).toBe(seconds);
    expect(row.cpu_seconds).toBeCloseTo((last.usageUsec - first.usageUsec) / 1e6, 9);
    expect(row.cores_mean).toBeCloseTo((last.usageUsec - first.usageUsec) / 1e6 / seconds, 9);
    expect(row.cores_peak).toBeCloseTo(peakCores, 9);
    expect(row.periods).toBe(last.nrPeriods! - first.nrPeriods!);
    expect(row.throttled_periods).toBe(last.nrThrottled! - first.nrThrottled!);
    expect(row.throttled_fraction).toBeCloseTo(
      (last.nrThrottled! - first.nrThrottled!) / (last.nrPeriods! - first.nrPeriods!),
      12,
    );
    expect(row.throttled_seconds).toBeCloseTo((last.throttledUsec! - first.throttledUsec!) / 1e6, 9);
    expect(row.memory_limit_bytes).toBe(last.memoryMax);
    expect(row.working_set_peak_bytes).toBe(peakWorkingSet);
    expect(row.memory_usage_peak_bytes).toBe(Math.max(...raws.map((r) => r.memoryCurrent)));
    expect(row.headroom_bytes).toBe(last.memoryMax! - peakWorkingSet);
    expect(row.oom_kills).toBe(last.oomKill - first.oomKill);
    expect(row.cpu_pressure_waiting_seconds).toBeCloseTo((last.cpuSomeUsec - first.cpuSomeUsec) / 1e6, 9);
    db.close();
  });

  it('a restarted container (counters back near zero) adds its new counts, as increase() does', async () => {
    const { snapshots, raws } = poolUnderQuota(T0, 12);
    const restarted: CgroupRaw[] = raws.map((r, k) =>
      k < 6
        ? r
        : {
            ...r,
            usageUsec: r.usageUsec - raws[5]!.usageUsec + 1000,
            nrPeriods: r.nrPeriods! - raws[5]!.nrPeriods! + 1,
            nrThrottled: r.nrThrottled! - raws[5]!.nrThrottled! + 1,
            throttledUsec: r.throttledUsec! - raws[5]!.throttledUsec! + 10,
          },
    );
    const dir = join(tmp.dir, 'restart');
    writeSnapshots(
      dir,
      snapshots.map((s, k) => ({ ...s, cgroup: restarted[k] })),
    );
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, dir, { deployment: 'd' });
    await withModels(db);
    const row = (await summary(db))[0]!;
    expect(row.cpu_seconds).toBeCloseTo(increase(restarted.map((r) => r.usageUsec)) / 1e6, 9);
    expect(row.periods).toBe(increase(restarted.map((r) => r.nrPeriods!)));
    expect(row.throttled_periods).toBe(increase(restarted.map((r) => r.nrThrottled!)));
    db.close();
  });
});

/** A kubelet /metrics/cadvisor + kube-state-metrics scrape at one time, as text exposition. */
function cadvisorScrape(k: number, ts: number): string {
  const pod = 'namespace="shop",pod="web-7d9f"';
  const web = `container="web",id="/kubepods/burstable/podabc/c1",image="web:1",name="c1",${pod}`;
  const envoy = `container="envoy",id="/kubepods/burstable/podabc/c2",image="envoy:1",name="c2",${pod}`;
  const podLevel = `container="",id="/kubepods/burstable/podabc",${pod}`;
  const pause = `container="POD",id="/kubepods/burstable/podabc/c0",image="pause:3",name="c0",${pod}`;
  const lines = [
    '# TYPE container_cpu_usage_seconds_total counter',
    `container_cpu_usage_seconds_total{${web},cpu="total"} ${100 + k * 15 * 1.4} ${ts}`,
    `container_cpu_usage_seconds_total{${web},cpu="cpu00"} ${50 + k * 15 * 0.7} ${ts}`,
    `container_cpu_usage_seconds_total{${envoy},cpu="total"} ${10 + k * 15 * 0.1} ${ts}`,
    `container_cpu_usage_seconds_total{${podLevel},cpu="total"} ${110 + k * 15 * 1.5} ${ts}`,
    `container_cpu_usage_seconds_total{${pause},cpu="total"} ${0.5} ${ts}`,
    '# TYPE container_cpu_cfs_periods_total counter',
    `container_cpu_cfs_periods_total{${web}} ${1000 + k * 150} ${ts}`,
    `container_cpu_cfs_periods_total{${podLevel}} ${1000 + k * 150} ${ts}`,
    '# TYPE container_cpu_cfs_throttled_periods_total counter',
    `container_cpu_cfs_throttled_periods_total{${web}} ${200 + k * 60} ${ts}`,
    '# TYPE container_cpu_cfs_throttled_seconds_total counter',
    `container_cpu_cfs_throttled_seconds_total{${web}} ${30 + k * 4.5} ${ts}`,
    '# TYPE container_memory_working_set_bytes gauge',
    `container_memory_working_set_bytes{${web}} ${(500 + 10 * k) * MiB} ${ts}`,
    `container_memory_working_set_bytes{${envoy}} ${40 * MiB} ${ts}`,
    `container_memory_working_set_bytes{${podLevel}} ${(540 + 10 * k) * MiB} ${ts}`,
    '# TYPE container_spec_memory_limit_bytes gauge',
    `container_spec_memory_limit_bytes{${web}} ${768 * MiB} ${ts}`,
    '# TYPE container_oom_events_total counter',
    `container_oom_events_total{${web}} ${k >= 5 ? 2 : 0} ${ts}`,
    '# TYPE kube_pod_container_resource_limits gauge',
    `kube_pod_container_resource_limits{container="web",${pod},node="n1",resource="cpu",uid="u1",unit="core"} 1.5 ${ts}`,
    `kube_pod_container_resource_limits{container="web",${pod},node="n1",resource="memory",uid="u1",unit="byte"} ${768 * MiB} ${ts}`,
    `kube_pod_container_resource_limits{container="envoy",${pod},node="n1",resource="cpu",uid="u1",unit="core"} 0.25 ${ts}`,
  ];
  return `${lines.join('\n')}\n`;
}

describe('cAdvisor and kube-state-metrics exports through the catalog', () => {
  const dir = join(tmp.dir, 'cadvisor');
  mkdirSync(dir, { recursive: true });
  const times = Array.from({ length: 9 }, (_, k) => T0 + k * 15_000);
  times.forEach((ts, k) => writeFileSync(join(dir, `${ts}.prom`), cadvisorScrape(k, ts)));

  it('map each series to its container quantity, leaving out pod-level, pause and per-CPU series', async () => {
    const db = await TraceDatabase.open(':memory:');
    const { outcomes } = await importPath(db, dir, { deployment: 'k8s' });
    await withModels(db);
    expect(outcomes.map((o) => o.format)).toEqual(['prom-text']);
    const mapped = await db.rowsJS(
      `SELECT container, metric, source, quantity FROM container_series ORDER BY container, quantity, metric`,
    );
    expect(mapped).toEqual([
      {
        container: 'shop/web-7d9f/envoy',
        metric: 'kube_pod_container_resource_limits',
        source: 'kube-state-metrics',
        quantity: 'cpu_limit_cores',
      },
      {
        container: 'shop/web-7d9f/envoy',
        metric: 'container_cpu_usage_seconds_total',
        source: 'cadvisor',
        quantity: 'cpu_seconds',
      },
      {
        container: 'shop/web-7d9f/envoy',
        metric: 'container_memory_working_set_bytes',
        source: 'cadvisor',
        quantity: 'working_set_bytes',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_cpu_cfs_periods_total',
        source: 'cadvisor',
        quantity: 'cfs_periods',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_cpu_cfs_throttled_periods_total',
        source: 'cadvisor',
        quantity: 'cfs_throttled_periods',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_cpu_cfs_throttled_seconds_total',
        source: 'cadvisor',
        quantity: 'cfs_throttled_seconds',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'kube_pod_container_resource_limits',
        source: 'kube-state-metrics',
        quantity: 'cpu_limit_cores',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_cpu_usage_seconds_total',
        source: 'cadvisor',
        quantity: 'cpu_seconds',
      },
      // cAdvisor's limit (priority 40) is used over kube-state-metrics' (45)
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_spec_memory_limit_bytes',
        source: 'cadvisor',
        quantity: 'memory_limit_bytes',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_oom_events_total',
        source: 'cadvisor',
        quantity: 'oom_kills',
      },
      {
        container: 'shop/web-7d9f/web',
        metric: 'container_memory_working_set_bytes',
        source: 'cadvisor',
        quantity: 'working_set_bytes',
      },
    ]);
    const all = await db.rowsJS(
      `SELECT metric, quantity FROM container_quantity_series WHERE metric = 'kube_pod_container_resource_limits' ORDER BY ALL`,
    );
    expect(all.map((r) => r.quantity)).toEqual(['cpu_limit_cores', 'cpu_limit_cores', 'memory_limit_bytes']);
    db.close();
  });

  it('the summary: CPU limit from kube-state-metrics when cAdvisor has no quota; figures from the scraped counters', async () => {
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, dir, { deployment: 'k8s' });
    await withModels(db);
    const rows = await summary(db);
    expect(rows.map((r) => r.container)).toEqual(['shop/web-7d9f/envoy', 'shop/web-7d9f/web']);
    const [envoy, web] = rows;
    const n = times.length - 1;
    const span = (times.at(-1)! - times[0]!) / 1000;
    expect(web!.quota_cores).toBe(1.5);
    expect(web!.quota_origin).toBe('limit');
    expect(envoy!.quota_cores).toBe(0.25);
    expect(web!.cpu_seconds).toBeCloseTo(n * 15 * 1.4, 9);
    expect(web!.cores_mean).toBeCloseTo((n * 15 * 1.4) / span, 9);
    expect(web!.cores_peak).toBeCloseTo(1.4, 9);
    expect(web!.periods).toBe(n * 150);
    expect(web!.throttled_periods).toBe(n * 60);
    expect(web!.throttled_fraction).toBeCloseTo(60 / 150, 12);
    expect(web!.throttled_seconds).toBeCloseTo(n * 4.5, 9);
    expect(web!.working_set_peak_bytes).toBe((500 + 10 * n) * MiB);
    expect(web!.memory_limit_bytes).toBe(768 * MiB);
    expect(web!.headroom_bytes).toBe(768 * MiB - (500 + 10 * n) * MiB);
    expect(web!.oom_kills).toBe(2);
    expect(envoy!.periods).toBeNull();
    expect(envoy!.memory_limit_bytes).toBeNull();
    expect(envoy!.headroom_bytes).toBeNull();
    db.close();
  });
});
