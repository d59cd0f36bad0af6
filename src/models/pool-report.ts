/**
 * The deployment comparison: reads the pool models (src/models/pool/*.sql) into what
 * `report --format json` prints under `deployments` and what the verdict table shows.
 * Steps, in order:
 *   1. resolve the model's parameters (--ready / --phase, src/cli/pool-options.ts) against the
 *      deployments imported
 *   2. load the pool models with them (`loadModelSets`, src/models/registry.ts)
 *   3. read the steady-state, startup, restart, lifecycle, phase, agreement and quality tables
 *      (pool-rows.ts maps their rows to pool-types.ts)
 *   4. order by baseline and compute the deltas
 * Field by field, with units and formulas: docs/report-json.md.
 */
import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { TraceDatabase } from '../store/database.js';
import { applyBaseline as orderByBaseline, pick, POOL_DELTA_FIELDS, relativeChange } from './baseline.js';
import { ratioChangeInterval, type RatioSample } from './interval.js';
import {
  cowPhase,
  groupBy,
  lifecycle,
  memoryModel,
  num,
  phaseReport,
  PROJECTION_WORKERS,
  qualityMessage,
  seconds,
  workerStartup,
} from './pool-rows.js';
import type {
  ChangeWithInterval,
  DeploymentReport,
  MemoryChange,
  MemoryModel,
  MemoryMoments,
  PhaseBuckets,
  PhaseReport,
  PoolParameters,
  PoolReport,
} from './pool-types.js';
import { loadModelSets, NO_POOL_PARAMETERS } from './registry.js';

export { pick, relativeChange };

export interface PoolReportOptions {
  /** The deployment the others are compared with (default: the first imported). */
  baseline?: string;
  /** The models' parameters, from the names of the deployments imported (default: none). */
  parameters?: (deployments: string[]) => PoolParameters;
  /** Worker counts the memory models are projected to besides 1, 2, 4, 8, 16 and 32 (`report --workers`). */
  workers?: readonly number[];
}

/** Loads the pool models and builds the comparison. The database file is not written (parameters and model rows are temporary). */
export async function buildPoolReport(
  db: TraceDatabase,
  options: PoolReportOptions = {},
): Promise<PoolReport> {
  await loadModelSets(db, 'pool', options.parameters?.(await importOrder(db)) ?? NO_POOL_PARAMETERS);
  return readPoolReport(db, options);
}

/** The comparison from the pool models, which must be loaded (src/models/registry.ts). */
export async function readPoolReport(
  db: TraceDatabase,
  options: Pick<PoolReportOptions, 'baseline' | 'workers'> = {},
): Promise<PoolReport> {
  const baseline = options.baseline;
  const imported = await importOrder(db);
  const spans = await db.rowsJS('SELECT deployment, start_ts, end_ts FROM pool_span ORDER BY deployment');
  if (spans.length === 0)
    return {
      baseline: baseline ?? imported[0] ?? '',
      deployments: [],
      phase_buckets: () => undefined,
      memory_moments: () => undefined,
    };

  const byName = async (sql: string) => groupBy(await db.rowsJS(sql), 'deployment');
  const steady = await byName('SELECT * FROM pool_steady_stats');
  const totals = await byName('SELECT * FROM pool_deployment_totals');
  const startup = await byName('SELECT * FROM pool_startup');
  const workers = await byName(
    'SELECT * FROM pool_worker_startup ORDER BY coalesce(start_ts, 0), pid, process',
  );
  const restarts = await byName('SELECT * FROM pool_restarts');
  const lifecycles = await byName('SELECT * FROM pool_lifecycle');
  const exits = await byName('SELECT * FROM pool_worker_lifecycle ORDER BY exit_ts, pid, process');
  const phases = await byName('SELECT * FROM pool_phase_stats ORDER BY start_ts, end_ts, name');
  const phaseKey = (r: Record<string, unknown>) =>
    `${String(r.deployment)}|${String(r.name)}|${String(r.start_ts)}`;
  const work = groupBy(
    (await db.rowsJS('SELECT * FROM pool_phase_work')).map((r) => ({ ...r, key: phaseKey(r) })),
    'key',
  );
  const latency = groupBy(
    (await db.rowsJS('SELECT * FROM pool_phase_latency_buckets ORDER BY upper_bound')).map((r) => ({
      ...r,
      key: phaseKey(r),
    })),
    'key',
  );
  const perBucket = new Map<string, PhaseBuckets>(
    (await db.rowsJS('SELECT * FROM pool_phase_work_buckets')).map((r) => [
      phaseKey(r),
      { cpu: numbers(r.cpu_seconds), requests: numbers(r.requests), seconds: numbers(r.seconds) },
    ]),
  );
  const processes = await byName(
    'SELECT * FROM pool_process_totals ORDER BY coalesce(start_ts, alive_from), pid, process',
  );
  const agreement = await byName(
    'SELECT * FROM pool_source_agreement ORDER BY quantity, source, chosen_source',
  );
  const models = await byName('SELECT * FROM pool_memory_models ORDER BY start_ts');
  const modelKey = (r: Record<string, unknown>) => `${String(r.name)}|${num(r.start_ts)}|${num(r.end_ts)}`;
  const moments = new Map<string, MemoryMoments>(
    (
      await db.rowsJS(
        `SELECT deployment, name, start_ts, end_ts,
                list(pss_bytes::DOUBLE ORDER BY moment_ts) AS pss_bytes,
                list(worker_uss_bytes::DOUBLE / workers_alive ORDER BY moment_ts) AS private_bytes_per_worker
         FROM pool_memory_phase_moments GROUP BY ALL`,
      )
    ).map((r) => [
      `${String(r.deployment)}|${modelKey(r)}`,
      { pss_bytes: numbers(r.pss_bytes), private_bytes_per_worker: numbers(r.private_bytes_per_worker) },
    ]),
  );
  const momentsOf = (deployment: string, m: MemoryModel) =>
    moments.get(`${deployment}|${m.phase}|${Math.round(m.start * 1000)}|${Math.round(m.end * 1000)}`);
  const modelRoles = await byName('SELECT * FROM pool_memory_model_roles');
  const projected = [...new Set([...PROJECTION_WORKERS, ...(options.workers ?? [])])].sort((a, b) => a - b);
  const quality = await byName('SELECT * FROM pool_quality ORDER BY "check", detail, count, seconds, ratio');
  const pss = new Set(
    (
      await db.rowsJS(`SELECT DISTINCT deployment FROM pool_quantity_series WHERE quantity = 'pss_bytes'`)
    ).map((r) => String(r.deployment)),
  );

  const deployments = spans.map((span) => {
    const name = String(span.deployment);
    const s = steady.get(name)?.[0] ?? {};
    const st = startup.get(name)?.[0] ?? {};
    const r = restarts.get(name)?.[0] ?? {};
    const w = totals.get(name)?.[0] ?? {};
    // each phase's memory model, by the phase (phases given with --phase may overlap)
    const phaseModels = new Map(
      (models.get(name) ?? []).map((m) => [modelKey(m), memoryModel(m, projected)] as const),
    );
    const roleModel = (role: string) => {
      const r = (modelRoles.get(name) ?? []).find((x) => x.role === role);
      return r ? (phaseModels.get(modelKey(r)) ?? null) : null;
    };
    const model = roleModel('before_load');
    const loadModel = roleModel('load');
    const report: DeploymentReport = {
      name,
      start: seconds(span.start_ts)!,
      end: seconds(span.end_ts)!,
      workers: num(r.workers) ?? 0,
      restarts: num(r.restarts) ?? 0,
      workers_lost: num(r.workers_lost) ?? 0,
      processes: num(r.processes) ?? 0,
      lifecycle: lifecycle(lifecycles.get(name)?.[0] ?? {}, exits.get(name) ?? []),
      startup: {
        seconds: num(st.seconds),
        cpu_seconds_per_worker: num(st.cpu_seconds_per_worker),
        cpu_seconds: num(st.cpu_seconds),
        settled: seconds(st.settled_ts),
        from_ready: st.from_ready === true,
        workers: (workers.get(name) ?? []).map(workerStartup),
      },
      steady: { start: seconds(s.start_ts)!, end: seconds(s.end_ts)!, seconds: num(s.seconds) ?? 0 },
      window: {
        seconds: num(w.seconds) ?? 0,
        cpu_seconds: num(w.cpu_seconds),
        cores_mean: num(w.cores_mean),
        cores_p95: num(w.cores_p95),
        cores_max: num(w.cores_max),
      },
      cpu: {
        cores_mean: num(s.cores_mean),
        cores_p50: num(s.cores_p50),
        cores_p95: num(s.cores_p95),
        cores_max: num(s.cores_max),
        user_cores_mean: num(s.user_cores_mean),
        system_cores_mean: num(s.system_cores_mean),
        by_role: {
          master: num(s.master_cores_mean),
          workers: num(s.worker_cores_mean),
          helpers: num(s.helper_cores_mean),
        },
      },
      memory: {
        rss_bytes: num(s.rss_bytes),
        pss_bytes: num(s.pss_bytes),
        uss_bytes: num(s.uss_bytes),
        per_worker: {
          rss_bytes: num(s.rss_bytes_per_worker),
          pss_bytes: num(s.pss_bytes_per_worker),
          uss_bytes: num(s.uss_bytes_per_worker),
        },
        workers_alive: num(s.workers_alive),
        rss_overcount: num(s.rss_overcount),
        worker_shared_fraction: num(s.worker_shared_fraction),
        worker: {
          rss_bytes: num(s.worker_rss_bytes),
          pss_bytes: num(s.worker_pss_bytes),
          uss_bytes: num(s.worker_uss_bytes),
          shared_bytes:
            num(s.worker_rss_bytes) !== null && num(s.worker_uss_bytes) !== null
              ? num(s.worker_rss_bytes)! - num(s.worker_uss_bytes)!
              : null,
        },
        pss_available: pss.has(name),
        steady_peak: {
          rss_bytes: num(w.rss_bytes_peak),
          pss_bytes: num(w.pss_bytes_peak),
          uss_bytes: num(w.uss_bytes_peak),
          rss_bytes_at_pss_peak: num(w.rss_bytes_at_pss_peak),
        },
        model,
        load_model: loadModel,
        cow:
          model && loadModel
            ? {
                before: cowPhase(model),
                during: cowPhase(loadModel),
                change: memoryChange({ name, model }, { name, model: loadModel }, momentsOf),
              }
            : null,
        vs_baseline: null,
      },
      phases: (phases.get(name) ?? []).map((p) =>
        phaseReport(
          p,
          work.get(phaseKey(p))?.[0],
          latency.get(phaseKey(p)) ?? [],
          phaseModels.get(modelKey(p)) ?? null,
        ),
      ),
      process_list: (processes.get(name) ?? []).map((p) => ({
        pid: Number(p.pid),
        process_key: String(p.process),
        role: String(p.role),
        pool: p.pool === null || p.pool === undefined ? null : String(p.pool),
        start: seconds(p.start_ts),
        alive_from: seconds(p.alive_from),
        alive_to: seconds(p.alive_to),
        cpu_seconds: num(p.cpu_seconds),
        user_cpu_seconds: num(p.user_cpu_seconds),
        system_cpu_seconds: num(p.system_cpu_seconds),
        reaped_children_cpu_seconds: num(p.reaped_children_cpu_seconds),
        exited_early: p.exited_early === true,
      })),
      sources: (agreement.get(name) ?? []).map((a) => ({
        quantity: String(a.quantity),
        used: String(a.chosen_source),
        other: String(a.source),
        pairs: num(a.pairs) ?? 0,
        rel_diff_median: num(a.rel_diff_median),
        rel_diff_p95: num(a.rel_diff_p95),
      })),
      quality: (quality.get(name) ?? []).map((q) => ({ check: String(q.check), message: qualityMessage(q) })),
      delta: null,
      delta_absolute: null,
    };
    return report;
  });
  const report: PoolReport = {
    ...applyBaseline(deployments, imported, baseline),
    phase_buckets: (deployment, phase) =>
      perBucket.get(`${deployment}|${phase.name}|${Math.round(phase.start * 1000)}`),
    memory_moments: momentsOf,
  };
  compareWork(report.deployments, report.phase_buckets);
  compareMemory(report.deployments, report.memory_moments);
  return report;
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.map((x) => Number(x)) : [];
}

/**
 * Fills every phase's vs_baseline: against the baseline's phase of the same name and rank (the
 * second load with the second load; among the phases that served requests where both have
 * such), the relative change of mean cores, requests per second and CPU-seconds per request,
 * each with its 95 % block-bootstrap interval over the two phases' whole buckets
 * (src/models/interval.ts). The change is the phases' own figures' (exact, edges split); the
 * interval keeps the bootstrap's distances from the buckets' estimate around it. A load tool's
 * summary gives a count, not its spread over the seconds (it is spread evenly): requests per
 * second then have no interval, and CPU per request's comes from the CPU's seconds alone.
 */
export function compareWork(
  ordered: { name: string; phases: PhaseReport[] }[],
  bucketsOf: PoolReport['phase_buckets'],
): void {
  for (const d of ordered) for (const p of d.phases) p.vs_baseline = null;
  const [base, ...others] = ordered;
  if (!base) return;
  // phases that served requests match the baseline's that did, by rank within their name (a
  // startup detected as load does not shift the load that served the requests); the others by
  // rank within their name
  const served = (p: PhaseReport) => (p.requests ?? 0) > 0;
  const match = (d: { phases: PhaseReport[] }, phase: PhaseReport): PhaseReport | undefined => {
    const rankIn = (list: PhaseReport[]) => list.indexOf(phase);
    const same = (list: PhaseReport[]) => list.filter((x) => x.name === phase.name);
    if (served(phase)) {
      const k = rankIn(same(d.phases).filter(served));
      const bp = same(base.phases).filter(served)[k];
      if (bp) return bp;
    }
    return same(base.phases)[rankIn(same(d.phases))];
  };
  for (const d of others) {
    for (const phase of d.phases) {
      const bp = match(d, phase);
      if (!bp) continue;
      const a = bucketsOf(base.name, bp);
      const b = bucketsOf(d.name, phase);
      const compare = (
        headline: (p: PhaseReport) => number | null,
        sample: (x: PhaseBuckets) => RatioSample,
      ): ChangeWithInterval | null => {
        const h0 = headline(bp);
        const h1 = headline(phase);
        if (!a || !b || h0 === null || h1 === null || h0 === 0) return null;
        return aroundHeadline(h0, h1, ratioChangeInterval(sample(a), sample(b)));
      };
      phase.vs_baseline = {
        baseline_phase: { start: bp.start, end: bp.end },
        cores_mean: compare(
          (p) => p.cpu.cores_mean,
          (x) => ({ numerator: x.cpu, denominator: x.seconds }),
        ),
        requests_per_second: compare(
          (p) =>
            p.requests_source === 'load-tool' || bp.requests_source === 'load-tool'
              ? null
              : p.requests_per_second,
          (x) => ({ numerator: x.requests, denominator: x.seconds }),
        ),
        cpu_seconds_per_request: compare(
          (p) => p.cpu_seconds_per_request,
          (x) => ({ numerator: x.cpu, denominator: x.requests }),
        ),
      };
    }
  }
}

/**
 * The change of two headline figures (other / baseline − 1) with the interval of a bootstrap
 * over their samples, kept at the bootstrap's distances from its own estimate around it.
 */
function aroundHeadline(
  baseline: number,
  other: number,
  i: ReturnType<typeof ratioChangeInterval>,
): ChangeWithInterval | null {
  if (!i || baseline === 0) return null;
  const change = other / baseline - 1;
  const low = change - (i.change - i.low);
  const high = change + (i.high - i.change);
  return { change, low, high, measurable: low > 0 || high < 0 };
}

/**
 * One memory model against another (`base`): the change of the pool's PSS and of the private
 * memory per worker (the models' medians over their steady moments), each with the 95 %
 * block-bootstrap interval of the mean over the moments (src/models/interval.ts), the
 * moments of each phase resampled on their own. Memory moves slowly, so consecutive moments
 * are strongly correlated: the blocks keep that, and the interval says what this run's phases
 * show — not how another run would differ.
 */
export function memoryChange(
  base: { name: string; model: MemoryModel },
  other: { name: string; model: MemoryModel },
  momentsOf: PoolReport['memory_moments'],
): MemoryChange {
  const a = momentsOf(base.name, base.model);
  const b = momentsOf(other.name, other.model);
  const change = (q: keyof MemoryMoments): ChangeWithInterval | null => {
    if (!a || !b) return null;
    const mean = (values: number[]) => ({ numerator: values, denominator: values.map(() => 1) });
    return aroundHeadline(base.model[q], other.model[q], ratioChangeInterval(mean(a[q]), mean(b[q])));
  };
  return {
    against: {
      deployment: base.name,
      phase: base.model.phase,
      start: base.model.start,
      end: base.model.end,
    },
    pss_bytes: change('pss_bytes'),
    private_bytes_per_worker: change('private_bytes_per_worker'),
  };
}

/**
 * Fills every deployment's memory.vs_baseline: its memory model of the idle phase before the
 * load and of the load against the baseline's of the same role (null where either has none).
 */
export function compareMemory(
  ordered: {
    name: string;
    memory: Pick<DeploymentReport['memory'], 'model' | 'load_model' | 'vs_baseline'>;
  }[],
  momentsOf: PoolReport['memory_moments'],
): void {
  const [base, ...others] = ordered;
  if (!base) return;
  base.memory.vs_baseline = null;
  const against = (d: (typeof ordered)[number], role: 'model' | 'load_model') => {
    const m = d.memory[role];
    const mb = base.memory[role];
    return m && mb
      ? memoryChange({ name: base.name, model: mb }, { name: d.name, model: m }, momentsOf)
      : null;
  };
  for (const d of others)
    d.memory.vs_baseline = { before_load: against(d, 'model'), load: against(d, 'load_model') };
}

/** The deployments in the order they were first imported. */
export async function importOrder(db: TraceDatabase): Promise<string[]> {
  const rows = await db.rowsJS('SELECT deployment FROM imports GROUP BY 1 ORDER BY min(import_id)');
  return rows.map((r) => String(r.deployment));
}

/** Puts the baseline (--baseline, else the first imported) first and fills every other deployment's deltas. */
export function applyBaseline(
  deployments: DeploymentReport[],
  importOrder: string[],
  baseline: string | undefined,
): Omit<PoolReport, 'phase_buckets' | 'memory_moments'> {
  const { baseline: chosen, ordered } = orderByBaseline(
    deployments,
    importOrder,
    baseline,
    POOL_DELTA_FIELDS,
    (b, names) => new UsageError(msg.poolUnknownBaseline(b, names)),
  );
  for (const { deployment, message } of rangeMismatches(ordered))
    ordered.find((d) => d.name === deployment)!.quality.push({ check: 'time_range_mismatch', message });
  return { baseline: chosen, deployments: ordered };
}

/** Deployments (after the baseline, which comes first) whose steady state is over 25 % longer or 20 % shorter than the baseline's. */
export function rangeMismatches(
  ordered: { name: string; steady: { seconds: number } }[],
): { deployment: string; message: string }[] {
  const [base, ...others] = ordered;
  if (base === undefined) return [];
  return others.flatMap((d) => {
    const ratio = base.steady.seconds > 0 ? d.steady.seconds / base.steady.seconds : 1;
    return ratio > 1.25 || ratio < 0.8
      ? [
          {
            deployment: d.name,
            message: msg.poolTimeRangeMismatch(d.steady.seconds, base.name, base.steady.seconds),
          },
        ]
      : [];
  });
}
