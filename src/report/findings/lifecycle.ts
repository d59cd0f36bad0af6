import type { WorkerExit } from '../../models/pool-types.js';
import { fixed } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';

/**
 * Worker-lifecycle findings (the deployment model's `lifecycle`, src/models/pool/185-lifecycle.sql):
 * workers lost and never replaced, workers that died and were replaced, workers recycled under load.
 */
export function lifecycleFindings(deployments: DeploymentSummary[]): Finding[] {
  return deployments.flatMap((d) => [...workerLost(d), ...workerReplaced(d), ...workersRecycled(d)]);
}

/** "workers 1 and 2", "worker 1" */
function workerList(exits: WorkerExit[], pid: (e: WorkerExit) => number = (e) => e.pid): string {
  const pids = exits.map(pid);
  const list = pids.length === 1 ? `${pids[0]}` : `${pids.slice(0, -1).join(', ')} and ${pids.at(-1)}`;
  return `worker${pids.length === 1 ? '' : 's'} ${list}`;
}

const afterStart = (d: DeploymentSummary, e: WorkerExit) => `${fixed(e.at - d.start, 1)} s`;

function workerLost(d: DeploymentSummary): Finding[] {
  const lost = d.lifecycle.lost.filter((e) => e.replaced === null);
  if (lost.length === 0) return [];
  const { workers, workers_at_stop: left } = d.lifecycle;
  const first = lost[0]!;
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
        `its last ${fixed(first.short_seconds, 1)} s on ${left} of ${workers} workers.`,
      values: {
        workers_lost: lost.length,
        pids: lost.map((e) => e.pid).join(', '),
        at: first.at,
        seconds_after_start: first.at - d.start,
        short_seconds: first.short_seconds,
        workers,
        workers_at_stop: left,
      },
      answer:
        `${d.name} lost ${one ? 'a worker' : `${lost.length} workers`} that ${one ? 'was' : 'were'} never ` +
        `replaced and ran its last ${fixed(first.short_seconds, 1)} s on ${left} of ${workers} workers: ` +
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
        `${d.name}: ${one ? 'a worker' : `${replaced.length} workers`} exited outside the load (not ` +
        `recycled: killed or crashed) and ${one ? 'was' : 'were'} replaced: ${parts.join('; ')}.`,
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
      ? `${fixed(per1000, 1)} per 1000 requests (${requests} requests)`
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
