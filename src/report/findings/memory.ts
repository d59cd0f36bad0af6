import type { ChangeWithInterval, MemoryModel } from '../../models/pool-types.js';
import { fixed, mib, percent } from '../format.js';
import type { DeploymentSummary, Finding } from '../summary.js';
import { claim } from './cpu.js';

/**
 * Memory findings, each read from the memory models of whole phases (src/models/pool/
 * 185-memory-model.sql: steady moments only, never startup, a worker starting or leaving, or
 * the stop), never from a peak (`deployments`: the baseline first). A difference is claimed
 * only where its 95 % interval over the two phases' steady moments excludes 0
 * (`memory.vs_baseline`, `memory.cow.change`: src/models/pool-report.ts):
 *   memory-per-worker  each deployment against the baseline at the same phase: the pool's PSS
 *                      at the same number of live workers, else per live worker
 *   cow-erosion        workers whose private memory grows once the load starts
 *   rss-overstates     what summing RSS over the processes adds to PSS
 */
export function memoryFindings(deployments: DeploymentSummary[]): Finding[] {
  const [base, ...others] = deployments;
  if (!base) return [];
  return [
    ...others.flatMap((d) => memoryPerWorker(d, base)),
    ...deployments.flatMap(cowErosion),
    ...deployments.flatMap(rssOverstates),
  ];
}

/** A model's phase in a sentence. */
function phaseName(m: MemoryModel, role: 'load' | 'before_load'): string {
  if (role === 'load') return 'the load phase';
  return m.phase === 'idle' ? 'the idle phase before the load' : `phase "${m.phase}"`;
}

/** A fraction as a whole percentage: 0.675 → 68 %. */
function share(fraction: number | null): string {
  return fraction === null ? 'n/a' : `${Math.round(fraction * 100)} %`;
}

/**
 * A change as a sentence states it: "+1.0 % (95 % interval +0.8 % to +1.2 %)", "no measurable
 * difference (±0.9 %)", or without an interval (a phase with fewer than two steady moments)
 * the change and that no difference is claimed.
 */
function stated(change: number | null, interval: ChangeWithInterval | null): string {
  if (interval) return claim(interval);
  return `${percent(change)}; too few steady moments for an interval: no difference claimed`;
}

/**
 * Like for like: the load phase's models of both (else the idle-before-load ones). With the
 * same number of workers alive and neither pool short of a lost worker, the pools' PSS; else
 * per live worker — each worker's private memory (USS: what one more worker adds; a PSS per
 * live worker would shrink with the pool's size as the master's pages are shared out) — and
 * the sentence says so, with the model's pool at the baseline's number of workers. A
 * difference is claimed only when its 95 % interval excludes 0.
 */
function memoryPerWorker(d: DeploymentSummary, base: DeploymentSummary): Finding[] {
  const role = d.memory.load_model && base.memory.load_model ? 'load' : 'before_load';
  const md = role === 'load' ? d.memory.load_model : d.memory.model;
  const mb = role === 'load' ? base.memory.load_model : base.memory.model;
  if (!md || !mb) return [];
  const phase = phaseName(md, role);
  // a pool that lost a worker for good and runs short of its size in the phase
  const short = (x: DeploymentSummary, m: MemoryModel) => x.workers_lost > 0 && m.workers_alive < x.workers;
  const perWorker = md.workers_alive !== mb.workers_alive || short(d, md) || short(base, mb);
  const value = perWorker ? md.private_bytes_per_worker : md.pss_bytes;
  const baseValue = perWorker ? mb.private_bytes_per_worker : mb.pss_bytes;
  const change = baseValue > 0 ? (value - baseValue) / baseValue : null;
  const vs = d.memory.vs_baseline?.[role] ?? null;
  const interval = (perWorker ? vs?.private_bytes_per_worker : vs?.pss_bytes) ?? null;
  const measurable = interval?.measurable ?? false;
  const severity = !measurable
    ? 'info'
    : change !== null && Math.abs(change) >= 0.1
      ? 'major'
      : change !== null && Math.abs(change) >= 0.02
        ? 'minor'
        : 'info';
  const why = reason(d, base, md, mb, role);
  const n = (x: number) => fixed(x, 0);
  const shortNote = [d, base]
    .map((x, i) => ({ x, m: i === 0 ? md : mb }))
    .filter(({ x, m }) => short(x, m))
    .map(
      ({ x, m }) =>
        `${x.name} ran ${n(m.workers_alive)} of its ${n(x.workers)} workers: ${x.workers_lost} lost, never replaced`,
    );
  const modelled = md.shared_bytes + mb.workers_alive * md.private_bytes_per_worker;
  const headline = perWorker
    ? `At ${phase}, per live worker (${
        shortNote.length > 0
          ? shortNote.join('; ')
          : `${d.name} ran ${n(md.workers_alive)} workers, ${base.name} ${n(mb.workers_alive)}`
      }), each of ${d.name}'s workers holds ${mib(value)} of private memory (USS, what one more worker ` +
      `adds), against ${mib(baseValue)} for ${base.name}: ${stated(change, interval)}`
    : `At ${phase}, with ${n(md.workers_alive)} workers each, ${d.name} holds ${mib(value)} PSS, against ` +
      `${mib(baseValue)} for ${base.name}: ${stated(change, interval)}`;
  const detail = perWorker
    ? `; its memory model gives ${mib(modelled)} PSS at ${base.name}'s ${n(mb.workers_alive)} workers, ` +
      `against ${mib(mb.pss_bytes)} measured`
    : `; each of its workers holds ${mib(md.private_bytes_per_worker)} of private memory (USS, what one ` +
      `more worker adds), against ${mib(mb.private_bytes_per_worker)}`;
  const text = measurable ? `${headline}${detail}${why.text ? `: ${why.text}` : ''}.` : `${headline}.`;
  const answer = measurable ? `${headline}${why.answer ? `: ${why.answer}` : ''}.` : `${headline}.`;
  return [
    {
      id: 'memory-per-worker',
      severity,
      deployment: d.name,
      text,
      answer,
      values: {
        phase: md.phase,
        phase_start: md.start,
        baseline_phase_start: mb.start,
        basis: perWorker ? 'per_live_worker' : 'pool',
        workers_alive: md.workers_alive,
        baseline_workers_alive: mb.workers_alive,
        value_bytes: value,
        baseline_value_bytes: baseValue,
        relative_change: change,
        interval_low: interval?.low ?? null,
        interval_high: interval?.high ?? null,
        measurable: measurable ? 'yes' : 'no',
        pss_bytes: md.pss_bytes,
        baseline_pss_bytes: mb.pss_bytes,
        private_bytes_per_worker: md.private_bytes_per_worker,
        baseline_private_bytes_per_worker: mb.private_bytes_per_worker,
        modelled_pss_bytes_at_baseline_workers: modelled,
        worker_shared_fraction: md.worker_shared_fraction,
        baseline_worker_shared_fraction: mb.worker_shared_fraction,
        worker_shared_fraction_before_load: d.memory.model?.worker_shared_fraction ?? null,
        baseline_worker_shared_fraction_before_load: base.memory.model?.worker_shared_fraction ?? null,
      },
    },
  ];
}

/**
 * Why one deployment's workers hold more (or less) of their own, from the parts of their
 * resident pages they share; only when their private memory differs by 10 % or more. `text`
 * gives the shares at the phase, and before the load where they tell forked workers sharing
 * their master's pages from workers holding their own; `answer` only the latter (or nothing).
 */
function reason(
  d: DeploymentSummary,
  base: DeploymentSummary,
  md: MemoryModel,
  mb: MemoryModel,
  role: 'load' | 'before_load',
): { text: string; answer: string } {
  const pd = md.private_bytes_per_worker;
  const pb = mb.private_bytes_per_worker;
  if (Math.abs(pd - pb) < 0.1 * Math.max(pd, pb)) return { text: '', answer: '' };
  const [more, less] = pd > pb ? [d, base] : [base, d];
  const [mMore, mLess] = pd > pb ? [md, mb] : [mb, md];
  const sharing =
    `${more.name}'s workers share ${share(mMore.worker_shared_fraction)} of their resident pages, ` +
    `${less.name}'s ${share(mLess.worker_shared_fraction)}`;
  // Before the load, a worker shares most of its resident pages only when its master loaded
  // them before forking it; one that loaded what it runs itself shares little. Which code the
  // master loaded (the application with gunicorn --preload, else only the server) the data does
  // not hold: the sentence gives the shares, not the application's place.
  const before = (x: DeploymentSummary) => x.memory.model?.worker_shared_fraction ?? null;
  const bMore = before(more);
  const bLess = before(less);
  if (bMore === null || bLess === null || !(bMore < 0.5 && bLess >= 0.5))
    return { text: sharing, answer: '' };
  const model =
    `each of ${more.name}'s workers holds most of its resident pages as its own (it shares ` +
    `${share(bMore)} of them before the load), where ${less.name}'s share the pages their master ` +
    `loaded before forking (${share(bLess)} of their resident pages before the load`;
  // fewer under the load as the sentence's whole per cents show it
  const under = mLess.worker_shared_fraction;
  const fewer = role === 'load' && under !== null && Math.round(under * 100) < Math.round(bLess * 100);
  return {
    text: `${sharing}: ${model}${fewer ? ', fewer under it' : ''})`,
    answer: `${model})`,
  };
}

/**
 * Copy-on-write erosion: the workers' private memory grows from the idle phase before the
 * load to the load (the 95 % interval of its change above 0) and the share of their resident
 * pages they share falls by 5 points or more.
 */
function cowErosion(d: DeploymentSummary): Finding[] {
  const before = d.memory.model;
  const during = d.memory.load_model;
  if (!before || !during) return [];
  const sb = before.worker_shared_fraction;
  const sd = during.worker_shared_fraction;
  if (sb === null || sd === null || sb - sd < 0.05) return [];
  const grows = d.memory.cow?.change?.private_bytes_per_worker ?? null;
  if (!grows || grows.low <= 0) return [];
  const growth = during.private_bytes_per_worker - before.private_bytes_per_worker;
  const poolGrowth = during.pss_bytes - before.pss_bytes;
  const pool = d.memory.cow?.change?.pss_bytes ?? null;
  const poolChange = before.pss_bytes > 0 ? poolGrowth / before.pss_bytes : null;
  const why =
    'a page a worker inherited from its master is copied the first time the worker writes to it, ' +
    "and CPython writes to every object it uses (reference counts, the garbage collector's links)";
  return [
    {
      id: 'cow-erosion',
      severity: poolGrowth >= 0.1 * before.pss_bytes ? 'major' : 'minor',
      deployment: d.name,
      text:
        `${d.name}: its workers' copy-on-write sharing erodes under load. From ${phaseName(before, 'before_load')} ` +
        `to the load phase, each worker's private memory (USS) grows from ${mib(before.private_bytes_per_worker)} ` +
        `to ${mib(during.private_bytes_per_worker)}, ${claim(grows)}, and its PSS from ${mib(before.worker_pss_bytes)} to ` +
        `${mib(during.worker_pss_bytes)}; the share of its resident pages it shares falls from ${share(sb)} to ` +
        `${share(sd)}. The pool's PSS goes from ${mib(before.pss_bytes)} to ${mib(during.pss_bytes)} ` +
        `with ${fixed(before.workers_alive, 0)} and ${fixed(during.workers_alive, 0)} workers, ${stated(poolChange, pool)}, while what it holds ` +
        `once stays at ${mib(before.shared_bytes)} and ${mib(during.shared_bytes)}: ${why}.`,
      answer:
        `${d.name}'s memory grows once the load starts: each worker's private memory from ` +
        `${mib(before.private_bytes_per_worker)} to ${mib(during.private_bytes_per_worker)}, ${claim(grows)}, and ` +
        `its pool's PSS from ${mib(before.pss_bytes)} to ${mib(during.pss_bytes)}` +
        `${pool?.measurable ? '' : `, ${stated(poolChange, pool)}`} (copy-on-write ` +
        `pages inherited from the master are copied as the workers write to them).`,
      values: {
        phase_before: before.phase,
        phase_before_start: before.start,
        phase_during_start: during.start,
        private_bytes_per_worker_before: before.private_bytes_per_worker,
        private_bytes_per_worker_during: during.private_bytes_per_worker,
        private_growth_bytes_per_worker: growth,
        private_change: grows.change,
        private_interval_low: grows.low,
        private_interval_high: grows.high,
        worker_pss_bytes_before: before.worker_pss_bytes,
        worker_pss_bytes_during: during.worker_pss_bytes,
        worker_shared_fraction_before: sb,
        worker_shared_fraction_during: sd,
        pss_bytes_before: before.pss_bytes,
        pss_bytes_during: during.pss_bytes,
        pss_growth_bytes: poolGrowth,
        pss_change: poolChange,
        pss_interval_low: pool?.low ?? null,
        pss_interval_high: pool?.high ?? null,
        shared_bytes_before: before.shared_bytes,
        shared_bytes_during: during.shared_bytes,
      },
    },
  ];
}

/**
 * What summing RSS adds: the load phase's medians (else the idle phase before it), or without
 * a memory model the steady state's; never a peak.
 */
function rssOverstates(d: DeploymentSummary): Finding[] {
  const m = d.memory.load_model ?? d.memory.model;
  const where = m
    ? `at ${phaseName(m, d.memory.load_model ? 'load' : 'before_load')}`
    : 'over its steady state';
  const rss = m ? m.rss_bytes : d.memory.rss_bytes;
  const pss = m ? m.pss_bytes : d.memory.pss_bytes;
  if (rss === null || pss === null || pss <= 0) return [];
  const ratio = rss / pss;
  return [
    {
      id: 'rss-overstates',
      severity: 'info',
      deployment: d.name,
      text:
        `${d.name}: ${where}, summing RSS over its processes gives ${mib(rss)}, but PSS (which splits ` +
        `each shared page among the processes mapping it) gives ${mib(pss)}: summed RSS overstates the ` +
        `memory used ${fixed(ratio, 2)}×.`,
      values: {
        phase: m ? m.phase : 'steady',
        phase_start: m ? m.start : d.steady.start,
        rss_bytes: rss,
        pss_bytes: pss,
        rss_over_pss: ratio,
      },
    },
  ];
}
