import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, poolUnderQuota, writeSnapshots, type CgroupRaw } from '../helpers/cgroup-synth.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_300_000;

interface WindowJson {
  name?: string;
  end?: number;
  cpu_seconds: number;
  periods: number;
  throttled_periods: number;
  throttled_fraction: number;
  throttled_seconds: number;
}

interface ContainerJson {
  container: string;
  pool: { workers: number; workers_per_quota_core: number; pss_peak_bytes: number };
  cpu: { quota_cores: number; quota_source: string; seconds: number; cores_peak: number };
  throttling: {
    periods: number;
    throttled_periods: number;
    throttled_fraction: number;
    throttled_seconds: number;
    startup: WindowJson;
    after_startup: WindowJson;
    phases: WindowJson[];
  };
  memory: {
    limit_bytes: number;
    working_set_peak_bytes: number;
    headroom_bytes: number;
    headroom_after_pool_pss_bytes: number;
  };
  oom_kills: number;
}

interface JsonReport {
  deployments: { name: string; containers: ContainerJson[] }[];
  findings: { id: string; deployment: string; text: string; values: Record<string, number | null> }[];
}

/**
 * One-shot report of three deployments: "quota" (a spawn pool under a 2-CPU quota, recorded with
 * cgroup files), "plain" (the same processes, no cgroup folder) and "host" (the same cgroup files
 * read from the root cgroup `/`, as on a plain host).
 */
const root = join(tmp.dir, 'capture');
let raws: CgroupRaw[] = [];
let report: JsonReport;
let html = '';
beforeAll(async () => {
  const scenario = poolUnderQuota(T0);
  raws = scenario.raws;
  // a 700 MiB limit: the working set (up to 678 MiB) leaves under 10 % headroom
  const tight = scenario.snapshots.map((s) => ({ ...s, cgroup: { ...s.cgroup!, memoryMax: 700 * MiB } }));
  raws = tight.map((s) => s.cgroup);
  writeSnapshots(join(root, 'quota'), tight);
  writeSnapshots(
    join(root, 'plain'),
    scenario.snapshots.map((s) => ({ ...s, cgroup: undefined, cgroupPath: undefined })),
  );
  // a plain host: the server in the root cgroup, whose files are the whole machine's
  writeSnapshots(
    join(root, 'host'),
    scenario.snapshots.map((s) => ({ ...s, cgroupPath: '/' })),
  );
  // startup ends at 8 s and the load phase runs 20–35 s after t0 (times as unix seconds)
  const pool = [
    '--ready',
    String((T0 + 8000) / 1000),
    '--phase',
    `load=${(T0 + 20_000) / 1000}..${(T0 + 35_000) / 1000}`,
  ];
  const json = await cliAsync(['report', root, '--format', 'json', ...pool]);
  expect(json.status, json.stderr).toBe(0);
  report = JSON.parse(json.stdout) as JsonReport;
  const out = join(tmp.dir, 'r.html');
  const h = await cliAsync(['report', root, '-o', out, ...pool]);
  expect(h.status, h.stderr).toBe(0);
  html = readFileSync(out, 'utf8');
}, 240_000);

describe('report: containers next to the pool', () => {
  it('JSON: quota, throttling, memory headroom and OOM kills per container, from the raw counters', () => {
    const quota = report.deployments.find((d) => d.name === 'quota')!;
    const plain = report.deployments.find((d) => d.name === 'plain')!;
    expect(plain.containers).toEqual([]);
    expect(quota.containers).toHaveLength(1);
    const c = quota.containers[0]!;
    const first = raws[0]!;
    const last = raws.at(-1)!;
    const peakWs = Math.max(...raws.map((r) => r.memoryCurrent - r.inactiveFile));
    expect(c.container).toBe('/kubepods/pod-web/web');
    expect(c.cpu.quota_cores).toBe(first.quotaUs! / first.periodUs);
    expect(c.cpu.quota_source).toBe('cfs');
    expect(c.cpu.seconds).toBeCloseTo((last.usageUsec - first.usageUsec) / 1e6, 9);
    expect(c.throttling.periods).toBe(last.nrPeriods! - first.nrPeriods!);
    expect(c.throttling.throttled_periods).toBe(last.nrThrottled! - first.nrThrottled!);
    expect(c.throttling.throttled_fraction).toBeCloseTo(
      (last.nrThrottled! - first.nrThrottled!) / (last.nrPeriods! - first.nrPeriods!),
      12,
    );
    expect(c.throttling.throttled_seconds).toBeCloseTo((last.throttledUsec! - first.throttledUsec!) / 1e6, 9);
    expect(c.memory.limit_bytes).toBe(700 * MiB);
    expect(c.memory.working_set_peak_bytes).toBe(peakWs);
    expect(c.memory.headroom_bytes).toBe(700 * MiB - peakWs);
    expect(c.oom_kills).toBe(last.oomKill - first.oomKill);
  });

  it('JSON: throttling per phase (startup separately) and the pool against the quota and limit', () => {
    const c = report.deployments.find((d) => d.name === 'quota')!.containers[0]!;
    const window = (w: WindowJson, a: number, b: number) => {
      const x = raws[a]!;
      const y = raws[b]!;
      expect(w.cpu_seconds).toBeCloseTo((y.usageUsec - x.usageUsec) / 1e6, 9);
      expect(w.periods).toBeCloseTo(y.nrPeriods! - x.nrPeriods!, 9);
      expect(w.throttled_periods).toBeCloseTo(y.nrThrottled! - x.nrThrottled!, 9);
      expect(w.throttled_fraction).toBeCloseTo(
        (y.nrThrottled! - x.nrThrottled!) / (y.nrPeriods! - x.nrPeriods!),
        12,
      );
      expect(w.throttled_seconds).toBeCloseTo((y.throttledUsec! - x.throttledUsec!) / 1e6, 9);
    };
    window(c.throttling.startup, 0, 8);
    // after startup: the pool's steady state, which ends where its workers begin to stop (in
    // the last snapshot's bucket); an increase across its end counts in proportion
    const e = (c.throttling.after_startup.end! * 1000 - T0) / 1000;
    expect(e).toBeGreaterThan(raws.length - 3);
    expect(e).toBeLessThan(raws.length - 1);
    const k = Math.floor(e);
    const part = (f: (r: (typeof raws)[number]) => number) =>
      f(raws[k]!) - f(raws[8]!) + (e - k) * (f(raws[k + 1]!) - f(raws[k]!));
    const after = c.throttling.after_startup;
    expect(after.cpu_seconds).toBeCloseTo(part((r) => r.usageUsec) / 1e6, 9);
    expect(after.periods).toBeCloseTo(
      part((r) => r.nrPeriods!),
      9,
    );
    expect(after.throttled_periods).toBeCloseTo(
      part((r) => r.nrThrottled!),
      9,
    );
    expect(after.throttled_seconds).toBeCloseTo(part((r) => r.throttledUsec!) / 1e6, 9);
    expect(c.throttling.phases.map((p) => p.name)).toEqual(['load']);
    window(c.throttling.phases[0]!, 20, 35);
    expect(c.pool.workers).toBe(4);
    expect(c.pool.workers_per_quota_core).toBe(2);
    expect(c.pool.pss_peak_bytes).toBe((50 + 4 * 120) * MiB);
    expect(c.memory.headroom_after_pool_pss_bytes).toBe(700 * MiB - (50 + 4 * 120) * MiB);
  });

  it('findings: the quota saturated at peak, low memory headroom, OOM kills — with their numbers', () => {
    const ids = report.findings.filter((f) => f.deployment === 'quota').map((f) => f.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'quota-saturated',
        'throttling-in-startup',
        'memory-headroom-low',
        'oom-kills',
      ]),
    );
    const startup = report.findings.find((f) => f.id === 'throttling-in-startup')!;
    expect(startup.values.startup_throttled_fraction).toBeCloseTo(
      (raws[8]!.nrThrottled! - raws[0]!.nrThrottled!) / (raws[8]!.nrPeriods! - raws[0]!.nrPeriods!),
      12,
    );
    expect(
      report.findings.filter((f) => f.deployment === 'plain' && /quota|oom|headroom/.test(f.id)),
    ).toEqual([]);
    const saturated = report.findings.find((f) => f.id === 'quota-saturated')!;
    // the container's peak over one second, or the pool's (master + 4 workers at half a core) when higher
    const containerPeak = Math.max(...raws.slice(1).map((r, i) => (r.usageUsec - raws[i]!.usageUsec) / 1e6));
    const peak = Math.max(containerPeak, 0.01 + 4 * 0.5);
    expect(saturated.values.cores_peak).toBeCloseTo(peak, 9);
    expect(saturated.values.quota_cores).toBe(2);
    expect(saturated.text).toContain(`${peak.toFixed(2)} cores of its 2.00-core CPU quota`);
  });

  it('the root cgroup `/` is the whole machine, never a deployment’s container', () => {
    expect(report.deployments.find((d) => d.name === 'host')!.containers).toEqual([]);
    expect(
      report.findings.filter((f) => f.deployment === 'host' && /quota|oom|headroom|throttl/.test(f.id)),
    ).toEqual([]);
  });

  it('HTML: the containers table shows the same figures', () => {
    const section = html.slice(html.indexOf('Containers'), html.indexOf('Data quality'));
    expect(section).not.toContain('<td>host</td>');
    // the text for a table without rows is not shown above one with rows
    expect(section).not.toContain('No container');
    expect(section).toContain('/kubepods/pod-web/web');
    const first = raws[0]!;
    const last = raws.at(-1)!;
    const fraction = (last.nrThrottled! - first.nrThrottled!) / (last.nrPeriods! - first.nrPeriods!);
    expect(section).toContain(`<td class="num">${Math.round(fraction * 1000) / 1000}</td>`);
    expect(section).toContain(`<td class="num">${(last.throttledUsec! - first.throttledUsec!) / 1e6}</td>`);
    // the per-phase table: startup throttled in 72 of its 80 periods
    const startupFraction =
      (raws[8]!.nrThrottled! - first.nrThrottled!) / (raws[8]!.nrPeriods! - first.nrPeriods!);
    expect(section).toMatch(
      new RegExp(`<td>startup</td>(<td[^>]*>[^<]*</td>){2}<td class="num">${startupFraction}</td>`),
    );
  });
});

describe('report on cAdvisor scrapes', () => {
  it('a deployment known only from cAdvisor and kube-state-metrics series still reports its container', async () => {
    const dir = join(tmp.dir, 'k8s', 'web');
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < 6; k++) {
      const ts = T0 + k * 15_000;
      const labels = 'container="web",namespace="shop",pod="web-1"';
      writeFileSync(
        join(dir, `${ts}.prom`),
        [
          '# TYPE process_cpu_seconds_total counter',
          `process_cpu_seconds_total{pid="7"} ${k * 15 * 0.5} ${ts}`,
          '# TYPE process_resident_memory_bytes gauge',
          `process_resident_memory_bytes{pid="7"} ${100 * MiB} ${ts}`,
          '# TYPE container_cpu_cfs_periods_total counter',
          `container_cpu_cfs_periods_total{${labels}} ${k * 150} ${ts}`,
          '# TYPE container_cpu_cfs_throttled_periods_total counter',
          `container_cpu_cfs_throttled_periods_total{${labels}} ${k * 15} ${ts}`,
          '# TYPE kube_pod_container_resource_limits gauge',
          `kube_pod_container_resource_limits{${labels},resource="cpu",unit="core"} 0.5 ${ts}`,
          '',
        ].join('\n'),
      );
    }
    const r = await cliAsync(['report', join(tmp.dir, 'k8s'), '--format', 'json']);
    expect(r.status, r.stderr).toBe(0);
    const c = (JSON.parse(r.stdout) as JsonReport).deployments[0]!.containers[0]!;
    expect(c.container).toBe('shop/web-1/web');
    expect(c.cpu.quota_cores).toBe(0.5);
    expect(c.cpu.quota_source).toBe('limit');
    expect(c.throttling.periods).toBe(5 * 150);
    expect(c.throttling.throttled_fraction).toBeCloseTo(0.1, 12);
  });
});
