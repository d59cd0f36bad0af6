import type { ChangeWithInterval, PhaseReport } from '../../models/pool-types.js';
import { intervalHalfWidth } from '../../models/interval.js';
import { fixed, percent } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

/**
 * CPU findings (`deployments`: the baseline first): CPU per request in each phase with work in
 * it (`cpu-per-request`), the host or container saturated (`host-saturated`), and the total CPU
 * against the baseline (`cpu-vs-baseline`). Differences are claimed only where their 95 %
 * interval excludes 0 (src/models/interval.ts).
 */
export function cpuFindings(deployments: DeploymentSummary[]): Finding[] {
  const [base, ...others] = deployments;
  if (!base) return [];
  const out: Finding[] = [];
  for (const d of deployments) {
    const saturated = hostSaturated(d);
    if (saturated) out.push(saturated);
  }
  const perRequest = new Set<string>();
  for (const d of others)
    for (const f of cpuPerRequest(base, d)) {
      out.push(f);
      perRequest.add(d.name);
    }
  for (const d of others) {
    const cpu = d.cpu.seconds;
    const baseCpu = base.cpu.seconds;
    if (cpu === null || baseCpu === null) continue;
    const change = d.delta?.['cpu.seconds'] ?? null;
    const saturated = [base, d].some((x) => x.phases.some((p) => p.saturated));
    const requestsKnown = perRequest.has(d.name);
    const totals =
      `${d.name} used ${fixed(cpu, 1)} CPU-seconds over its ${fixed(d.duration_seconds, 0)} s window, ` +
      `against ${fixed(baseCpu, 1)} over the ${fixed(base.duration_seconds, 0)} s of ${base.name} ` +
      `(${percent(change)})`;
    out.push({
      id: 'cpu-vs-baseline',
      severity: 'major',
      deployment: d.name,
      text:
        `${d.name} used ${fixed(cpu, 1)} CPU-seconds over its ${fixed(d.duration_seconds, 0)} s window ` +
        `(${fixed(d.cpu.window_cores_mean, 2)} cores on average), against ${fixed(baseCpu, 1)} for ` +
        `${base.name} (${percent(change)}).` +
        totalCpuNote(change, requestsKnown, saturated),
      values: {
        cpu_seconds: cpu,
        baseline_cpu_seconds: baseCpu,
        relative_change: change,
        window_seconds: d.duration_seconds,
        baseline_window_seconds: base.duration_seconds,
      },
      // a total over each window: where requests are known, cpu-per-request answers instead
      ...(requestsKnown
        ? {}
        : {
            answer: saturated
              ? `${totals}: totals on a saturated host, which measure the capacity left, not the cost of the work.`
              : `${totals}: totals over the whole window, not per request served.`,
          }),
    });
  }
  return out;
}

/**
 * What a total can say. Where requests are known, the totals depend on how many were served (the
 * comparison is per request); on a saturated host the total measures the capacity left. Only
 * without either may a small difference of totals say the process model does not change the CPU.
 */
function totalCpuNote(change: number | null, requestsKnown: boolean, saturated: boolean): string {
  if (requestsKnown) return ' The totals depend on the requests each served: compare CPU per request.';
  if (saturated)
    return ' The host was saturated: the totals measure the capacity left, not the cost of the work.';
  if (change !== null && Math.abs(change) < 0.05)
    return ' Within 5 %: for this workload the process model does not change the total CPU used.';
  return '';
}

/** A phase serves enough requests for a per-request figure to mean something: 1 per second on average. */
const MIN_REQUESTS_PER_SECOND = 1;

/** CPU-seconds per 1000 requests in each phase with requests, against the baseline's same phase. */
function cpuPerRequest(base: DeploymentSummary, d: DeploymentSummary): Finding[] {
  const out: Finding[] = [];
  for (const phase of d.phases) {
    const vs = phase.vs_baseline;
    const cmp = vs?.cpu_seconds_per_request;
    if (!vs || !cmp) continue;
    const bp = base.phases.find(
      (p) => p.start === vs.baseline_phase.start && p.end === vs.baseline_phase.end,
    );
    if (!bp || !busy(phase) || !busy(bp)) continue;
    const k = 1000 * phase.cpu_seconds_per_request!;
    const baseK = 1000 * bp.cpu_seconds_per_request!;
    const rps = vs.requests_per_second;
    const where = `in its ${phase.name} phase (${fixed(phase.seconds, 0)} s)`;
    const served = throughputClaim(rps, [d.name, phase], [base.name, bp]);
    const throughput = `${fixed(phase.requests_per_second, 1)} requests/s against ${fixed(bp.requests_per_second, 1)}${served}`;
    // a rate over a phase of another length is said with it (a longer phase may hold seconds
    // after the load tool stopped)
    const baseSeconds =
      fixed(bp.seconds, 0) === fixed(phase.seconds, 0)
        ? ''
        : ` over its ${fixed(bp.seconds, 0)} s ${bp.name} phase`;
    const servedAnswer =
      `It served ${fixed(phase.requests_per_second, 1)} requests/s, against ${fixed(bp.requests_per_second, 1)} ` +
      `for ${base.name}${baseSeconds}${served}.`;
    out.push({
      id: 'cpu-per-request',
      severity: !cmp.measurable ? 'info' : Math.abs(cmp.change) >= 0.1 ? 'major' : 'minor',
      deployment: d.name,
      text:
        `${d.name} used ${fixed(k, 3)} CPU-seconds per 1000 requests ${where}, against ${fixed(baseK, 3)} ` +
        `for ${base.name}: ${claim(cmp)}. Throughput ${throughput}.` +
        (phase.saturated || bp.saturated
          ? ' The host was saturated: per request and throughput are the comparison, not total CPU.'
          : ''),
      values: {
        phase: phase.name,
        phase_start: phase.start,
        phase_seconds: phase.seconds,
        baseline_phase_start: bp.start,
        baseline_phase_seconds: bp.seconds,
        cpu_seconds_per_1000_requests: k,
        baseline_cpu_seconds_per_1000_requests: baseK,
        relative_change: cmp.change,
        interval_low: cmp.low,
        interval_high: cmp.high,
        requests: phase.requests,
        baseline_requests: bp.requests,
        requests_per_second: phase.requests_per_second,
        baseline_requests_per_second: bp.requests_per_second,
        requests_source: phase.requests_source,
        baseline_requests_source: bp.requests_source,
        throughput_change: rps?.change ?? null,
        throughput_interval_low: rps?.low ?? null,
        throughput_interval_high: rps?.high ?? null,
      },
      answer: cmp.measurable
        ? `Per request, ${d.name} used ${fixed(Math.abs(cmp.change) * 100, 1)} % ${cmp.change > 0 ? 'more' : 'less'} ` +
          `CPU than ${base.name} ${where}: ${fixed(k, 3)} against ${fixed(baseK, 3)} CPU-seconds per 1000 ` +
          `requests (95 % interval ${percent(cmp.low)} to ${percent(cmp.high)}). ${servedAnswer}`
        : `Per request, ${d.name}'s CPU ${where} shows no measurable difference from ${base.name}'s: ` +
          `${fixed(k, 3)} against ${fixed(baseK, 3)} CPU-seconds per 1000 requests (±${halfWidth(cmp)}). ` +
          servedAnswer,
    });
  }
  return out;
}

/**
 * What can be said of a throughput difference: its interval where one was drawn (the phases'
 * per-second request counts; src/models/pool-report.ts), else why there is none. A load tool's
 * summary is one total for its run, with no spread over the seconds within it: the figure is that
 * one run's, and no interval is made up for it.
 */
function throughputClaim(rps: ChangeWithInterval | null, ...phases: [string, PhaseReport][]): string {
  if (rps) return `: ${claim(rps)}`;
  const totals = phases.filter(([, p]) => p.requests_source === 'load-tool').map(([name]) => name);
  if (totals.length === 0) return ' (no interval could be drawn from the phases’ seconds)';
  const whose = totals.length === phases.length ? 'each' : `${totals.join(' and ')}'s`;
  return ` (${whose} from one load-tool run's total, with no per-second series: no interval)`;
}

/** A phase (if there is one) served enough requests for a per-request figure. */
export function busy(p: PhaseReport | undefined): p is PhaseReport {
  return (
    p !== undefined &&
    p.cpu_seconds_per_request !== null &&
    p.requests_per_second !== null &&
    p.requests_per_second >= MIN_REQUESTS_PER_SECOND
  );
}

/** "+16.2 % (95 % interval +7.6 % to +25.2 %)", or "no measurable difference (±18.3 %)". */
export function claim(c: ChangeWithInterval): string {
  return c.measurable
    ? `${percent(c.change)} (95 % interval ${percent(c.low)} to ${percent(c.high)})`
    : `no measurable difference (±${halfWidth(c)})`;
}

/** The larger side of an interval: "18.3 %". */
export function halfWidth(c: { low: number; high: number }): string {
  return fixed(intervalHalfWidth(c) * 100, 1, ' %');
}

/** The host's idle CPU or the container's quota exhausted in some phase of the deployment. */
function hostSaturated(d: DeploymentSummary): Finding | null {
  const phases = d.phases.filter((p) => p.saturated);
  if (phases.length === 0) return null;
  const underLoad = phases.some(
    (p) => p.name === 'load' || (p.requests_per_second ?? 0) >= MIN_REQUESTS_PER_SECOND,
  );
  const idle = phases.map((p) => p.host.idle_cores).filter((x): x is number => x !== null);
  const throttled = phases.map((p) => p.throttled_ratio).filter((x): x is number => x !== null);
  const cores = phases.find((p) => p.host.cores !== null)?.host.cores ?? null;
  const names = phaseList(phases.map((p) => p.name));
  const maxIdle = idle.length > 0 ? Math.max(...idle) : null;
  const minThrottled = throttled.length > 0 ? Math.min(...throttled) : null;
  const how = [
    maxIdle !== null && cores !== null
      ? `at most ${fixed(maxIdle, 2)} of the host's ${cores} cores idle on average`
      : null,
    minThrottled !== null && minThrottled >= 0.25
      ? `its container throttled in at least ${fixed(minThrottled * 100, 0)} % of its CFS periods`
      : null,
  ]
    .filter((x) => x !== null)
    .join(', ');
  return {
    id: 'host-saturated',
    severity: underLoad ? 'major' : 'minor',
    deployment: d.name,
    text:
      `The CPU was exhausted while ${d.name} ran (in its ${names}: ${how}). There its CPU measures the ` +
      `capacity left, not the cost of the work: compare CPU per request and throughput instead.`,
    values: {
      phases: phases.map((p) => p.name).join(', '),
      host_cores: cores,
      host_idle_cores_max: maxIdle,
      throttled_ratio_min: minThrottled,
    },
    ...(underLoad
      ? {
          answer:
            `The CPU was exhausted while ${d.name} served its load (${how}), so its total CPU measures ` +
            `capacity, not cost: the comparison is per request and by throughput.`,
        }
      : {}),
  };
}

/** "load phase", "idle and load phases", "idle, load and idle phases". */
function phaseList(names: string[]): string {
  if (names.length === 1) return `${names[0]} phase`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} phases`;
}
