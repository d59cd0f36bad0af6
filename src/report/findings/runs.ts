import { welchInterval, type RunsInterval } from '../../models/interval.js';
import type { MemoryModel, PhaseReport } from '../../models/pool-types.js';
import { fixed, mib, percent } from '../format.js';
import type { RunGroup } from '../runs.js';
import type { DeploymentSummary, Finding } from '../summary.js';
import { busy, claim, halfWidth } from './cpu.js';

/**
 * The comparisons of an experiment whose deployments ran more than once (`experiment --runs N`):
 * each deployment against the baseline's deployment (`groups`: the baseline's first), never one
 * run against another. A figure is taken from each run; the finding states the means of the
 * runs and claims a difference only where Welch's t-interval over the runs' values excludes 0
 * (src/models/interval.ts, welchInterval). That interval replaces the within-run block
 * bootstrap: the spread of the runs' values holds that noise and also what changes from run to
 * run. The same ids as for single runs (docs/report-json.md), with the runs' values:
 *   cpu-per-request   CPU-seconds per 1000 requests and throughput, per phase busy in every run
 *   cpu-vs-baseline   CPU-seconds over each run's window
 *   memory-per-worker the pool's PSS, or each worker's USS when the pools' sizes differ
 */
export function cpuRunFindings(groups: RunGroup[]): Finding[] {
  const [base, ...others] = groups;
  if (!base) return [];
  const out: Finding[] = [];
  for (const g of others) {
    const perRequest = cpuPerRequest(base, g);
    out.push(...perRequest, ...cpuTotal(base, g, perRequest.length > 0));
  }
  return out;
}

export function memoryRunFindings(groups: RunGroup[]): Finding[] {
  const [base, ...others] = groups;
  if (!base) return [];
  return others.flatMap((g) => memoryPerWorker(base, g));
}

/** One figure of every run of both groups, with the interval of the difference of their means. */
interface Compared {
  values: number[];
  baseline_values: number[];
  mean: number;
  baseline_mean: number;
  change: number | null;
  interval: RunsInterval | null;
}

function compare(
  base: RunGroup,
  g: RunGroup,
  figure: (d: DeploymentSummary) => number | null,
): Compared | null {
  const values = g.runs.map(figure);
  const baseline = base.runs.map(figure);
  if (values.includes(null) || baseline.includes(null)) return null;
  const v = values as number[];
  const b = baseline as number[];
  const mean = average(v);
  const baselineMean = average(b);
  return {
    values: v,
    baseline_values: b,
    mean,
    baseline_mean: baselineMean,
    change: baselineMean > 0 ? mean / baselineMean - 1 : null,
    interval: welchInterval(b, v),
  };
}

function average(values: number[]): number {
  return values.reduce((s, x) => s + x, 0) / values.length;
}

/** "mean of 3 runs: 1.220, 1.250, 1.232" */
function runValues(values: number[], format: (x: number) => string): string {
  return values.length === 1
    ? `its only run`
    : `mean of ${values.length} runs: ${values.map(format).join(', ')}`;
}

/** "over 3 runs of each", "over 3 runs of b and 2 of a" */
function overRuns(base: RunGroup, g: RunGroup): string {
  return g.runs.length === base.runs.length
    ? `over ${g.runs.length} runs of each`
    : `over ${g.runs.length} runs of ${g.deployment} and ${base.runs.length} of ${base.deployment}`;
}

/** The claim with where its interval comes from, or why there is none. */
function runClaim(c: Compared, base: RunGroup, g: RunGroup): string {
  if (c.interval) return `${claim(c.interval)}, from the spread over the runs`;
  const single = [g, base].filter((x) => x.runs.length < 2).map((x) => x.deployment);
  return single.length > 0
    ? `${percent(c.change)}, no interval: ${single.join(' and ')} completed a single run (an interval over runs needs 2 or more of each)`
    : `${percent(c.change)}, no interval: every run gave the same value`;
}

/** What every finding over runs carries: the runs' values and the interval (docs/report-json.md). */
function intervalValues(prefix: string, c: Compared): Finding['values'] {
  const p = prefix === '' ? '' : `${prefix}_`;
  return {
    [`${p}relative_change`]: c.change,
    [`${p}interval_low`]: c.interval?.low ?? null,
    [`${p}interval_high`]: c.interval?.high ?? null,
    [`${p}difference`]: c.mean - c.baseline_mean,
    [`${p}difference_low`]: c.interval?.difference_low ?? null,
    [`${p}difference_high`]: c.interval?.difference_high ?? null,
    [`${p}degrees_of_freedom`]: c.interval?.degrees_of_freedom ?? null,
  };
}

const severityOf = (c: Compared, major: number, minor: number) =>
  !c.interval?.measurable || c.change === null
    ? 'info'
    : Math.abs(c.change) >= major
      ? 'major'
      : Math.abs(c.change) >= minor
        ? 'minor'
        : 'info';

/** The run's phase of that name and rank (an experiment's runs share the timeline's phases). */
function phaseOf(d: DeploymentSummary, name: string, rank: number): PhaseReport | undefined {
  return d.phases.filter((p) => p.name === name)[rank];
}

function cpuPerRequest(base: RunGroup, g: RunGroup): Finding[] {
  const out: Finding[] = [];
  const first = g.runs[0]!;
  for (const phase of first.phases) {
    const rank = first.phases.filter((p) => p.name === phase.name).indexOf(phase);
    const all = [...base.runs, ...g.runs];
    if (!all.every((d) => busy(phaseOf(d, phase.name, rank)))) continue;
    const at = (d: DeploymentSummary) => phaseOf(d, phase.name, rank)!;
    const cpu = compare(base, g, (d) => 1000 * at(d).cpu_seconds_per_request!)!;
    const rps = compare(base, g, (d) => at(d).requests_per_second)!;
    const saturated = all.some((d) => at(d).saturated);
    const where = `in the ${phase.name} phase`;
    const k = (x: number) => fixed(x, 3);
    const r = (x: number) => fixed(x, 1);
    out.push({
      id: 'cpu-per-request',
      severity: severityOf(cpu, 0.1, 0),
      deployment: g.deployment,
      text:
        `${g.deployment} used ${k(cpu.mean)} CPU-seconds per 1000 requests ${where} ` +
        `(${runValues(cpu.values, k)}), against ${k(cpu.baseline_mean)} for ${base.deployment} ` +
        `(${runValues(cpu.baseline_values, k)}): ${runClaim(cpu, base, g)}. Throughput ` +
        `${r(rps.mean)} requests/s against ${r(rps.baseline_mean)}, the means of the runs: ` +
        `${runClaim(rps, base, g)}.` +
        (saturated
          ? ' The host was saturated: per request and throughput are the comparison, not total CPU.'
          : ''),
      values: {
        phase: phase.name,
        runs: g.runs.length,
        baseline_runs: base.runs.length,
        cpu_seconds_per_1000_requests: cpu.mean,
        baseline_cpu_seconds_per_1000_requests: cpu.baseline_mean,
        cpu_seconds_per_1000_requests_runs: cpu.values,
        baseline_cpu_seconds_per_1000_requests_runs: cpu.baseline_values,
        ...intervalValues('', cpu),
        requests_per_second: rps.mean,
        baseline_requests_per_second: rps.baseline_mean,
        requests_per_second_runs: rps.values,
        baseline_requests_per_second_runs: rps.baseline_values,
        ...intervalValues('throughput', rps),
      },
      answer:
        (!cpu.interval
          ? `Per request, ${g.deployment}'s CPU ${where} against ${base.deployment}'s ${overRuns(base, g)}`
          : cpu.interval.measurable
            ? `Per request, ${g.deployment} used ${fixed(Math.abs(cpu.change!) * 100, 1)} % ` +
              `${cpu.change! > 0 ? 'more' : 'less'} CPU than ${base.deployment} ${where}, ${overRuns(base, g)}`
            : `Per request, ${g.deployment}'s CPU ${where} shows no measurable difference from ` +
              `${base.deployment}'s ${overRuns(base, g)}`) +
        `: ${k(cpu.mean)} against ${k(cpu.baseline_mean)} CPU-seconds per 1000 requests, the means of the runs ` +
        `(${answerInterval(cpu, base, g)}).`,
    });
  }
  return out;
}

/** The interval as the Answer states it. */
function answerInterval(c: Compared, base: RunGroup, g: RunGroup): string {
  if (!c.interval) return runClaim(c, base, g);
  const i = c.interval;
  return i.measurable
    ? `95 % interval ${percent(i.low)} to ${percent(i.high)}, from the spread over the runs`
    : `±${halfWidth(i)}, from the spread over the runs`;
}

function cpuTotal(base: RunGroup, g: RunGroup, requestsKnown: boolean): Finding[] {
  const cpu = compare(base, g, (d) => d.cpu.seconds);
  if (!cpu) return [];
  const window = average(g.runs.map((d) => d.duration_seconds));
  const baseWindow = average(base.runs.map((d) => d.duration_seconds));
  const saturated = [...base.runs, ...g.runs].some((d) => d.phases.some((p) => p.saturated));
  const c = (x: number) => fixed(x, 1);
  const totals =
    `${g.deployment} used ${c(cpu.mean)} CPU-seconds over its ${fixed(window, 0)} s windows, against ` +
    `${c(cpu.baseline_mean)} over the ${fixed(baseWindow, 0)} s of ${base.deployment}'s, the means ` +
    `${overRuns(base, g)}: ${answerClaim(cpu, base, g)}`;
  const note = requestsKnown
    ? ' The totals depend on the requests each served: compare CPU per request.'
    : saturated
      ? ' The host was saturated: the totals measure the capacity left, not the cost of the work.'
      : '';
  return [
    {
      id: 'cpu-vs-baseline',
      severity: cpu.interval?.measurable ? 'major' : 'info',
      deployment: g.deployment,
      text:
        `${g.deployment} used ${c(cpu.mean)} CPU-seconds over its ${fixed(window, 0)} s windows ` +
        `(${runValues(cpu.values, c)}), against ${c(cpu.baseline_mean)} for ${base.deployment} ` +
        `(${runValues(cpu.baseline_values, c)}): ${runClaim(cpu, base, g)}.${note}`,
      values: {
        runs: g.runs.length,
        baseline_runs: base.runs.length,
        cpu_seconds: cpu.mean,
        baseline_cpu_seconds: cpu.baseline_mean,
        cpu_seconds_runs: cpu.values,
        baseline_cpu_seconds_runs: cpu.baseline_values,
        ...intervalValues('', cpu),
        window_seconds: window,
        baseline_window_seconds: baseWindow,
      },
      ...(requestsKnown
        ? {}
        : {
            answer: saturated
              ? `${totals}; totals on a saturated host, which measure the capacity left, not the cost of the work.`
              : `${totals}; totals over the whole window, not per request served.`,
          }),
    },
  ];
}

/**
 * As memory.ts, over runs: the load phase's models of every run (else the idle-before-load
 * ones); the pools' PSS when every run of both ran the same number of workers and none ran short
 * of a lost worker, else each worker's private memory (USS).
 */
function memoryPerWorker(base: RunGroup, g: RunGroup): Finding[] {
  const all = [...base.runs, ...g.runs];
  const role = all.every((d) => d.memory.load_model) ? 'load' : 'before_load';
  const model = (d: DeploymentSummary) => (role === 'load' ? d.memory.load_model : d.memory.model);
  if (!all.every((d) => model(d))) return [];
  const short = (d: DeploymentSummary) => d.workers_lost > 0 && model(d)!.workers_alive < d.workers;
  const alive = new Set(all.map((d) => model(d)!.workers_alive));
  const perWorker = alive.size > 1 || all.some(short);
  const figure = (d: DeploymentSummary) =>
    perWorker ? model(d)!.private_bytes_per_worker : model(d)!.pss_bytes;
  const c = compare(base, g, figure)!;
  const m: MemoryModel = model(g.runs[0]!)!;
  const phase =
    role === 'load'
      ? 'the load phase'
      : m.phase === 'idle'
        ? 'the idle phase before the load'
        : `phase "${m.phase}"`;
  const n = (x: number) => fixed(x, 0);
  const alivePerRun = (x: RunGroup) =>
    `${x.deployment} ${x.runs.map((d) => n(model(d)!.workers_alive)).join(', ')}`;
  const headline = (withRuns: boolean) => {
    const detail = (values: number[]) => (withRuns ? ` (${runValues(values, mib)})` : '');
    return perWorker
      ? `At ${phase}, per live worker (workers alive in the runs: ${alivePerRun(g)}; ${alivePerRun(base)}), ` +
          `each of ${g.deployment}'s workers holds ${mib(c.mean)} of private memory, what one more worker ` +
          `adds (USS)${detail(c.values)}, against ${mib(c.baseline_mean)} for ${base.deployment}` +
          `${detail(c.baseline_values)}`
      : `At ${phase}, with ${n(m.workers_alive)} workers each, ${g.deployment} holds ${mib(c.mean)} PSS` +
          `${detail(c.values)}, against ${mib(c.baseline_mean)} for ${base.deployment}${detail(c.baseline_values)}`;
  };
  return [
    {
      id: 'memory-per-worker',
      severity: severityOf(c, 0.1, 0.02),
      deployment: g.deployment,
      text: `${headline(true)}: ${runClaim(c, base, g)}.`,
      answer: `${headline(false)}, the means ${overRuns(base, g)}: ${answerClaim(c, base, g)}.`,
      values: {
        phase: m.phase,
        basis: perWorker ? 'per_live_worker' : 'pool',
        runs: g.runs.length,
        baseline_runs: base.runs.length,
        workers_alive_runs: g.runs.map((d) => model(d)!.workers_alive),
        baseline_workers_alive_runs: base.runs.map((d) => model(d)!.workers_alive),
        value_bytes: c.mean,
        baseline_value_bytes: c.baseline_mean,
        value_bytes_runs: c.values,
        baseline_value_bytes_runs: c.baseline_values,
        ...intervalValues('', c),
        measurable: c.interval?.measurable ? 'yes' : 'no',
      },
    },
  ];
}

/** The Answer's claim: the change with its interval, or no measurable difference (±x). */
function answerClaim(c: Compared, base: RunGroup, g: RunGroup): string {
  if (!c.interval) return runClaim(c, base, g);
  return `${c.interval.measurable ? `${percent(c.change)} (` : 'no measurable difference ('}${answerInterval(c, base, g)})`;
}
