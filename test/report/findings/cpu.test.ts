import { describe, expect, it } from 'vitest';
import type { ChangeWithInterval, PhaseReport } from '../../../src/models/pool-types.js';
import { cpuFindings } from '../../../src/report/findings/cpu.js';
import type { DeploymentSummary } from '../../../src/report/summary.js';

// The CPU findings' rules on small hand-made summaries: what each sentence may claim.

function phase(over: Partial<PhaseReport> & { cores?: number }): PhaseReport {
  const seconds = over.seconds ?? 60;
  const requests = over.requests ?? null;
  const cores = over.cores ?? 1;
  return {
    name: 'load',
    start: 1000,
    end: 1000 + seconds,
    seconds,
    overridden: false,
    workers_alive: 4,
    cpu: {
      cores_mean: cores,
      cores_p50: cores,
      cores_p95: cores,
      cores_max: cores,
      user_cores_mean: null,
      system_cores_mean: null,
    },
    memory: {
      rss_bytes: null,
      pss_bytes: null,
      uss_bytes: null,
      rss_overcount: null,
      worker_shared_fraction: null,
      peak: { rss_bytes: null, pss_bytes: null, uss_bytes: null },
      model: null,
    },
    requests,
    requests_per_second: requests === null ? null : requests / seconds,
    cpu_seconds_per_request: requests ? (cores * seconds) / requests : null,
    requests_source: requests === null ? null : 'prometheus_client',
    requests_attributed: false,
    latency_seconds: { p50: null, p99: null },
    host: { cores: 2, idle_cores: 1 },
    throttled_ratio: null,
    saturated: false,
    vs_baseline: null,
    ...over,
  };
}

function deployment(
  name: string,
  phases: PhaseReport[],
  cpuSeconds = 100,
  change: number | null = null,
): DeploymentSummary {
  return {
    name,
    phases,
    duration_seconds: 100,
    cpu: { seconds: cpuSeconds, window_cores_mean: cpuSeconds / 100 },
    delta: change === null ? null : { 'cpu.seconds': change },
  } as unknown as DeploymentSummary;
}

const interval = (change: number, low: number, high: number): ChangeWithInterval => ({
  change,
  low,
  high,
  measurable: low > 0 || high < 0,
});

function pair(vs: { cpu: ChangeWithInterval; rps?: ChangeWithInterval }, over: Partial<PhaseReport> = {}) {
  const base = phase({ requests: 60_000, cores: 1 });
  const other = phase({ requests: 60_000 * 0.9, cores: 1.045, ...over });
  other.vs_baseline = {
    baseline_phase: { start: base.start, end: base.end },
    cores_mean: null,
    requests_per_second: vs.rps ?? null,
    cpu_seconds_per_request: vs.cpu,
  };
  return [deployment('gunicorn', [base]), deployment('uvicorn', [other], 104.5, 0.045)];
}

describe('cpu-per-request', () => {
  it('claims a difference with its interval when the interval excludes 0', () => {
    const [base, other] = pair({ cpu: interval(0.1611, 0.076, 0.252), rps: interval(-0.1, -0.29, 0.11) });
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!;
    expect(f.severity).toBe('major');
    expect(f.text).toContain(
      '1.161 CPU-seconds per 1000 requests in its load phase (60 s), against 1.000 for gunicorn',
    );
    expect(f.text).toContain('+16.1 % (95 % interval +7.6 % to +25.2 %)');
    expect(f.text).toContain(
      'Throughput 900.0 requests/s against 1000.0: no measurable difference (±29.0 %)',
    );
    expect(f.answer).toBe(
      'Per request, uvicorn used 16.1 % more CPU than gunicorn in its load phase (60 s): 1.161 against 1.000 ' +
        'CPU-seconds per 1000 requests (95 % interval +7.6 % to +25.2 %). It served 900.0 requests/s, against ' +
        '1000.0 for gunicorn: no measurable difference (±29.0 %).',
    );
    expect(f.values.interval_low).toBe(0.076);
  });

  it('says "no measurable difference (±x %)" when the interval holds 0', () => {
    const [base, other] = pair({ cpu: interval(0.03, -0.05, 0.12) });
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!;
    expect(f.severity).toBe('info');
    expect(f.text).toContain('no measurable difference (±12.0 %)');
    expect(f.text).not.toContain('+3.0 %');
    expect(f.answer).toContain('shows no measurable difference');
  });

  it('says a load tool’s throughput is one run’s total, with no interval', () => {
    // wrk's summary: one count for its run, spread evenly over its seconds (no interval drawn)
    const [base, other] = pair({ cpu: interval(0.16, 0.08, 0.25) }, { requests_source: 'load-tool' });
    base!.phases[0]!.requests_source = 'load-tool';
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!;
    const none = "(each from one load-tool run's total, with no per-second series: no interval)";
    expect(f.text).toContain(`Throughput 900.0 requests/s against 1000.0 ${none}.`);
    expect(f.answer).toContain(`It served 900.0 requests/s, against 1000.0 for gunicorn ${none}.`);
    expect(f.values).toMatchObject({
      requests_source: 'load-tool',
      baseline_requests_source: 'load-tool',
      throughput_change: null,
      throughput_interval_low: null,
      throughput_interval_high: null,
    });
    // only the baseline's from a load tool: named
    base!.phases[0]!.requests_source = 'load-tool';
    other!.phases[0]!.requests_source = 'prometheus_client';
    expect(cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!.text).toContain(
      "(gunicorn's from one load-tool run's total, with no per-second series: no interval)",
    );
  });

  it('says over how long the baseline’s rate ran where its phase is of another length', () => {
    const [base, other] = pair({ cpu: interval(0.16, 0.08, 0.25), rps: interval(-0.1, -0.15, -0.05) });
    base!.phases[0] = phase({ requests: 66_000, seconds: 66, cores: 1 });
    other!.phases[0]!.vs_baseline!.baseline_phase.end = base!.phases[0].end;
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!;
    expect(f.answer).toContain(
      'It served 900.0 requests/s, against 1000.0 for gunicorn over its 66 s load phase:',
    );
    expect(f.values.baseline_phase_seconds).toBe(66);
  });

  it('uses an interval for a load tool’s throughput where one is given (e.g. over runs)', () => {
    const [base, other] = pair(
      { cpu: interval(0.16, 0.08, 0.25), rps: interval(-0.1, -0.15, -0.05) },
      { requests_source: 'load-tool' },
    );
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!;
    expect(f.text).toContain(
      'Throughput 900.0 requests/s against 1000.0: -10.0 % (95 % interval -15.0 % to -5.0 %).',
    );
  });

  it('a measurable difference under 10 % is minor', () => {
    const [base, other] = pair({ cpu: interval(0.05, 0.02, 0.08) });
    expect(cpuFindings([base!, other!]).find((x) => x.id === 'cpu-per-request')!.severity).toBe('minor');
  });

  it('is not made for phases serving under 1 request/s', () => {
    const [base, other] = pair({ cpu: interval(0.5, 0.2, 0.8) }, { requests: 30, seconds: 60 });
    expect(cpuFindings([base!, other!]).some((x) => x.id === 'cpu-per-request')).toBe(false);
  });
});

describe('cpu-vs-baseline and host-saturated', () => {
  it('says the totals depend on the requests where they are known', () => {
    const [base, other] = pair({ cpu: interval(0.16, 0.08, 0.25) });
    const f = cpuFindings([base!, other!]).find((x) => x.id === 'cpu-vs-baseline')!;
    expect(f.text).not.toContain('Within 5 %');
    expect(f.text).toContain('The totals depend on the requests each served: compare CPU per request.');
  });

  it('never says "Within 5 %" of a saturated host', () => {
    const base = deployment('gunicorn', [phase({ saturated: true, host: { cores: 2, idle_cores: 0 } })]);
    const other = deployment('uvicorn', [phase({})], 98, -0.02);
    const all = cpuFindings([base, other]);
    const f = all.find((x) => x.id === 'cpu-vs-baseline')!;
    expect(f.text).not.toContain('Within 5 %');
    expect(f.text).toContain('The host was saturated');
    const s = all.find((x) => x.id === 'host-saturated')!;
    expect(s.deployment).toBe('gunicorn');
    expect(s.severity).toBe('major');
    expect(s.text).toContain("(in its load phase: at most 0.00 of the host's 2 cores idle on average)");
    expect(s.answer).toContain('its total CPU measures capacity, not cost');
  });

  it('says "Within 5 %" only without requests and saturation', () => {
    const base = deployment('gunicorn', [phase({})]);
    const other = deployment('uvicorn', [phase({})], 98, -0.02);
    const all = cpuFindings([base, other]);
    expect(all.find((x) => x.id === 'cpu-vs-baseline')!.text).toContain('Within 5 %');
    expect(all.some((x) => x.id === 'host-saturated')).toBe(false);
  });

  it('a saturated idle phase only is minor, without an answer', () => {
    const base = deployment('gunicorn', [
      phase({ name: 'idle', saturated: true, host: { cores: 4, idle_cores: 0.1 } }),
    ]);
    const s = cpuFindings([base]).find((x) => x.id === 'host-saturated')!;
    expect(s.severity).toBe('minor');
    expect(s.answer).toBeUndefined();
  });

  it('names a throttled container', () => {
    const base = deployment('gunicorn', [
      phase({ saturated: true, throttled_ratio: 0.4, host: { cores: null, idle_cores: null } }),
    ]);
    const s = cpuFindings([base]).find((x) => x.id === 'host-saturated')!;
    expect(s.text).toContain('its container throttled in at least 40 % of its CFS periods');
  });
});
