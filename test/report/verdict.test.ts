import { describe, expect, it } from 'vitest';
import type { PhaseReport } from '../../src/models/pool-types.js';
import type { DeploymentSummary, ReportSummary } from '../../src/report/summary.js';
import { phaseLabels, verdictTable } from '../../src/report/verdict.js';

const MIB = 1024 * 1024;

function phase(name: string, seconds: number, workers: number, cores: number, pssMiB: number): PhaseReport {
  return {
    name,
    start: 0,
    end: seconds,
    seconds,
    overridden: false,
    workers_alive: workers,
    cpu: {
      cores_mean: cores,
      cores_p50: null,
      cores_p95: null,
      cores_max: null,
      user_cores_mean: null,
      system_cores_mean: null,
    },
    memory: {
      rss_bytes: null,
      pss_bytes: pssMiB * MIB,
      uss_bytes: null,
      rss_overcount: null,
      worker_shared_fraction: null,
      peak: { rss_bytes: null, pss_bytes: null, uss_bytes: null },
      model: null,
    },
    requests: null,
    requests_per_second: null,
    cpu_seconds_per_request: null,
    requests_source: null,
    requests_attributed: false,
    latency_seconds: { p50: null, p99: null },
    host: { cores: null, idle_cores: null },
    throttled_ratio: null,
    saturated: false,
    vs_baseline: null,
  };
}

function deployment(name: string, over: Partial<DeploymentSummary>): DeploymentSummary {
  return {
    name,
    workers: 4,
    restarts: 0,
    workers_lost: 0,
    processes: 6,
    duration_seconds: 100,
    startup: { seconds: null, cpu_seconds_per_worker: null },
    cpu: { seconds: 50, window_cores_mean: 0.5 },
    phases: [],
    ...over,
  } as unknown as DeploymentSummary;
}

describe('phaseLabels', () => {
  const named = (...names: string[]) => phaseLabels(names.map((n) => phase(n, 1, 1, 0, 0)));

  it('names the idle stretches by where they lie around the load', () => {
    expect(named('idle', 'load', 'idle')).toEqual(['idle before load', 'load', 'idle after load']);
    expect(named('idle', 'load', 'idle', 'load', 'idle')).toEqual([
      'idle before load',
      'load',
      'idle between loads',
      'load 2',
      'idle after load',
    ]);
    expect(named('idle')).toEqual(['idle']);
  });

  it('keeps --phase names, numbering a repeated one', () => {
    expect(named('warm', 'busy', 'warm')).toEqual(['warm', 'busy', 'warm 2']);
  });
});

describe('verdictTable', () => {
  const summary = {
    baseline: 'gunicorn',
    deployments: [
      deployment('gunicorn', {
        restarts: 1,
        phases: [
          phase('idle', 20, 4, 0.02, 400),
          phase('load', 60, 4, 1.8, 420),
          phase('idle', 35, 4, 0.03, 420),
        ],
      }),
      deployment('uvicorn', {
        workers_lost: 1,
        cpu: { seconds: 60, window_cores_mean: 0.6 } as DeploymentSummary['cpu'],
        phases: [phase('idle', 19, 4, 0.02, 400), phase('load', 61, 3, 1.8, 330)],
      }),
    ],
  } as unknown as ReportSummary;
  const table = verdictTable(summary);
  const row = (label: string) => table.rows.find((r) => r[0] === label);
  const groupRows = () => table.groups!.map((i) => table.rows[i]);

  it('groups the pool, each phase (with its length per deployment) and the whole window', () => {
    expect(groupRows()).toEqual([
      ['Pool', '', ''],
      ['idle before load', '20 s', '19 s'],
      ['load', '60 s', '61 s'],
      ['idle after load', '35 s', 'none'],
      ['Whole window', '100 s', '100 s'],
    ]);
    expect(table.header).toEqual(['metric', 'gunicorn (baseline)', 'uvicorn']);
  });

  it('shows counts as counts, measures with their change in %', () => {
    expect(row('workers replaced (restarts)')).toEqual(['workers replaced (restarts)', '1', '1 → 0']);
    expect(row('workers lost (never replaced)')).toEqual(['workers lost (never replaced)', '0', '0 → 1']);
    expect(row('workers (pool size)')).toEqual(['workers (pool size)', '4', '4']);
    expect(row('CPU-seconds over the window')).toEqual([
      'CPU-seconds over the window',
      '50.0 s',
      '60.0 s (+20.0 %)',
    ]);
    expect(table.rows.flat().some((c) => c.includes('-100.0 %'))).toBe(false);
  });

  it('compares each phase with the baseline’s same phase, per live worker too', () => {
    const load = table.rows.findIndex((r) => r[0] === 'load');
    const after = table.rows.findIndex((r) => r[0] === 'idle after load');
    const inLoad = (label: string) => table.rows.slice(load, after).find((r) => r[0] === label);
    expect(inLoad('workers alive (median)')).toEqual(['workers alive (median)', '4', '4 → 3']);
    // 330 MiB over 3 workers = 110 MiB against 420 / 4 = 105 MiB: +4.8 %
    expect(inLoad('PSS sum per live worker')).toEqual([
      'PSS sum per live worker',
      '105.0 MiB',
      '110.0 MiB (+4.8 %)',
    ]);
    expect(inLoad('PSS sum (median)')).toEqual(['PSS sum (median)', '420.0 MiB', '330.0 MiB (-21.4 %)']);
    // a phase the deployment does not have
    const idleAfter = table.rows.slice(after).find((r) => r[0] === 'CPU cores, mean');
    expect(idleAfter).toEqual(['CPU cores, mean', '0.03', 'n/a']);
  });

  it('leaves out rows no deployment has a value for', () => {
    expect(table.rows.some((r) => r[0] === 'requests' || r[0] === 'USS sum (median)')).toBe(false);
    expect(row('startup until all workers settled')).toBeUndefined();
  });
});

describe('verdictTable: what the startup row measures', () => {
  const startup = (fromReady: boolean[]) =>
    verdictTable({
      baseline: 'a',
      deployments: fromReady.map((r, i) =>
        deployment(String.fromCharCode(97 + i), {
          startup: { seconds: 2, cpu_seconds_per_worker: 0.4, from_ready: r },
        } as unknown as Partial<DeploymentSummary>),
      ),
    } as unknown as ReportSummary).rows.find((r) => r[0]!.startsWith('startup until'))![0];

  it('until the workers settled, until ready (--ready, an experiment), or says it is either', () => {
    expect(startup([false, false])).toBe('startup until all workers settled');
    expect(startup([true, true])).toBe('startup until ready (--ready, or the first 2xx of an experiment)');
    expect(startup([true, false])).toBe('startup until all workers settled, or until ready where known');
  });
});
