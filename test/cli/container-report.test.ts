import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiB, poolUnderQuota, writeSnapshots, type CgroupRaw } from '../helpers/cgroup-synth.js';
import { tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_300_000;

interface ContainerJson {
  container: string;
  cpu: { quota_cores: number; quota_source: string; seconds: number; cores_peak: number };
  throttling: {
    periods: number;
    throttled_periods: number;
    throttled_fraction: number;
    throttled_seconds: number;
  };
  memory: { limit_bytes: number; working_set_peak_bytes: number; headroom_bytes: number };
  oom_kills: number;
}

interface JsonReport {
  deployments: { name: string; containers: ContainerJson[] }[];
  findings: { id: string; deployment: string; text: string; values: Record<string, number | null> }[];
}

/**
 * One-shot report of two deployments: "quota" (a spawn pool under a 2-CPU quota, recorded with
 * cgroup files) and "plain" (the same processes, no cgroup folder).
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
  const json = await cliAsync(['report', root, '--format', 'json']);
  expect(json.status, json.stderr).toBe(0);
  report = JSON.parse(json.stdout) as JsonReport;
  const out = join(tmp.dir, 'r.html');
  const h = await cliAsync(['report', root, '-o', out]);
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

  it('findings: the quota saturated at peak, low memory headroom, OOM kills — with their numbers', () => {
    const ids = report.findings.filter((f) => f.deployment === 'quota').map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['quota-saturated', 'memory-headroom-low', 'oom-kills']));
    expect(
      report.findings.filter((f) => f.deployment === 'plain' && /quota|oom|headroom/.test(f.id)),
    ).toEqual([]);
    const saturated = report.findings.find((f) => f.id === 'quota-saturated')!;
    const peak = Math.max(...raws.slice(1).map((r, i) => (r.usageUsec - raws[i]!.usageUsec) / 1e6));
    expect(saturated.values.cores_peak).toBeCloseTo(peak, 9);
    expect(saturated.values.quota_cores).toBe(2);
    expect(saturated.text).toContain(`${peak.toFixed(2)} cores of its 2.00-core CPU quota`);
  });

  it('HTML: the containers table shows the same figures', () => {
    const section = html.slice(html.indexOf('Containers'), html.indexOf('Data quality'));
    expect(section).toContain('/kubepods/pod-web/web');
    const first = raws[0]!;
    const last = raws.at(-1)!;
    const fraction = (last.nrThrottled! - first.nrThrottled!) / (last.nrPeriods! - first.nrPeriods!);
    expect(section).toContain(`<td class="num">${Math.round(fraction * 1000) / 1000}</td>`);
    expect(section).toContain(`<td class="num">${(last.throttledUsec! - first.throttledUsec!) / 1e6}</td>`);
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
