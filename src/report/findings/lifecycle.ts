import type { WorkerExit } from '../../models/pool-types.js';
import { fixed } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

/**
 * Worker-lifecycle findings (the deployment model's `lifecycle`, src/models/pool/185-lifecycle.sql):
 * workers lost and never replaced, workers that died and were replaced, workers recycled under
 * load, and what a worker costs at start (`deployments`: the baseline first).
 */
export function lifecycleFindings(deployments: DeploymentSummary[]): Finding[] {
  const base = deployments[0];
  return deployments.flatMap((d) => [
    ...workerLost(d),
    ...workerReplaced(d),
    ...workersRecycled(d),
    ...startupCost(d, base === d ? undefined : base),
  ]);
}

/** "workers 1 and 2", "worker 1" */
function workerList(exits: WorkerExit[]): string {
  const pids = exits.map((e) => e.pid);
  const list = pids.length === 1 ? `${pids[0]}` : `${pids.slice(0, -1).join(', ')} and ${pids.at(-1)}`;
  return `worker${pids.length === 1 ? '' : 's'} ${list}`;
}

const afterStart = (d: DeploymentSummary, e: WorkerExit) => `${fixed(e.at - d.start, 1)} s`;

function workerLost(d: DeploymentSummary): Finding[] {
  const lost = d.lifecycle.lost.filter((e) => e.replaced === null);
  if (lost.length === 0) return [];
  const { workers, workers_at_stop: left } = d.lifecycle;
  const first = lost[0]!;
  // on the fewest workers since the last of them
  const fewest = lost.at(-1)!.short_seconds;
  const one = lost.length === 1;
  const when = lost.map((e) => afterStart(d, e)).join(', ');
  return [
    {
      id: 'worker-lost',
      severity: 'critical',
      deployment: d.name,
      text:
        `${d.name}: ${workerList(lost)} exited (last seen alive ${when} after the start) and ` +
        `${one ? 'was' : 'were'} never replaced: the pool ran short from then until the stop, ` +
        `${one ? '' : `${fixed(first.short_seconds, 1)} s, `}its last ${fixed(fewest, 1)} s on ${left} of ${workers} workers.`,
      values: {
        workers_lost: lost.length,
        pids: lost.map((e) => e.pid).join(', '),
        at: first.at,
        seconds_after_start: first.at - d.start,
        short_seconds: first.short_seconds,
        fewest_workers_seconds: fewest,
        workers,
        workers_at_stop: left,
      },
      answer:
        `${d.name} lost ${one ? 'a worker' : `${lost.length} workers`} that ${one ? 'was' : 'were'} never ` +
        `replaced and ran its last ${fixed(fewest, 1)} s on ${left} of ${workers} workers: ` +
        `its CPU and memory from then on are those of a smaller pool, not like for like with a full one.`,
    },
  ];
}

function workerReplaced(d: DeploymentSummary): Finding[] {
  const replaced = d.lifecycle.lost.filter((e) => e.replaced !== null);
  if (replaced.length === 0) return [];
  const one = replaced.length === 1;
  const parts = replaced.map(
    (e) =>
      `${e.pid} (last seen alive ${afterStart(d, e)} after the start) by ${e.replaced!.pid} ` +
      `${fixed(e.replaced!.after_seconds, 2)} s later`,
  );
  return [
    {
      id: 'worker-replaced',
      severity: 'minor',
      deployment: d.name,
      text:
        `${d.name}: ${one ? 'a worker' : `${replaced.length} workers`} exited outside a load phase and ` +
        `${one ? 'was' : 'were'} replaced: ${parts.join('; ')}. Not counted as recycled (a server ` +
        `recycles a worker after it served its requests, under load): most likely killed or crashed.`,
      values: {
        workers_replaced: replaced.length,
        pids: replaced.map((e) => e.pid).join(', '),
        replacement_pids: replaced.map((e) => e.replaced!.pid).join(', '),
        at: replaced[0]!.at,
        after_seconds: replaced[0]!.replaced!.after_seconds,
      },
    },
  ];
}

function workersRecycled(d: DeploymentSummary): Finding[] {
  const { count, requests, per_1000_requests: per1000 } = d.lifecycle.recycled;
  if (count === 0) return [];
  const rate =
    per1000 !== null && requests !== null
      ? `${fixed(per1000, 1)} per 1000 requests, of ${requests}`
      : 'requests unknown (no load-tool summary imported)';
  return [
    {
      id: 'workers-recycled',
      severity: 'major',
      deployment: d.name,
      text:
        `${d.name} recycled ${count} worker${count === 1 ? '' : 's'} under load: each exited while the ` +
        `pool served requests and a new worker took its slot (as gunicorn --max-requests does): ${rate}.`,
      values: { recycled: count, requests, per_1000_requests: per1000 },
      answer:
        `${d.name} replaced ${count} worker${count === 1 ? '' : 's'} under load (${rate}): every ` +
        `replacement is a new process that pays its start-up again, which adds to the CPU spent on the same work.`,
    },
  ];
}

/** Replacements' start CPU from this share of the deployment's CPU on is a major finding. */
const MAJOR_START_SHARE = 0.05;

function startupCost(d: DeploymentSummary, base: DeploymentSummary | undefined): Finding[] {
  const start = d.lifecycle.start;
  const perWorker = start.cpu_seconds_per_worker;
  if (perWorker === null) return [];
  const perReplacement = start.cpu_seconds_per_replacement;
  const replacementsCpu = start.cpu_seconds_replacements;
  const share =
    replacementsCpu !== null && d.cpu.seconds !== null && d.cpu.seconds > 0
      ? replacementsCpu / d.cpu.seconds
      : null;
  const n = start.replacements_measured;
  const replacements =
    perReplacement !== null && replacementsCpu !== null
      ? (n === 1
          ? `; its replacement worker used ${fixed(replacementsCpu, 2)} CPU-s`
          : `; its ${n} replacement workers used ${fixed(perReplacement, 2)} CPU-s each, ${fixed(replacementsCpu, 2)} CPU-s in all`) +
        (share !== null ? ` (${fixed(100 * share, 1)} % of its CPU)` : '')
      : '';
  const baseline = base?.lifecycle.start.cpu_seconds_per_worker ?? null;
  const answer =
    base !== undefined && baseline !== null
      ? `Each ${d.name} worker used ${fixed(perWorker, 2)} CPU-s at start (until it settled), ` +
        `against ${fixed(baseline, 2)} for each of ${base.name}'s${replacements}.`
      : replacements !== ''
        ? `Each ${d.name} worker used ${fixed(perWorker, 2)} CPU-s at start${replacements}.`
        : undefined;
  return [
    {
      id: 'startup-cost',
      severity: share !== null && share >= MAJOR_START_SHARE ? 'major' : 'info',
      deployment: d.name,
      text:
        `${d.name}: each worker used ${fixed(perWorker, 2)} CPU-s from its start until it settled ` +
        `(its CPU and memory quiet, or its memory no longer growing; ${start.workers_measured} workers measured)${replacements}.`,
      values: {
        cpu_seconds_per_worker: perWorker,
        workers_measured: start.workers_measured,
        replacements: start.replacements_measured,
        cpu_seconds_per_replacement: perReplacement,
        cpu_seconds_replacements: replacementsCpu,
        share_of_cpu: share,
        baseline_cpu_seconds_per_worker: base !== undefined ? baseline : null,
      },
      ...(answer !== undefined ? { answer } : {}),
    },
  ];
}
