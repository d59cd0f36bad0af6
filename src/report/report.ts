/**
 * The report pipeline, one step per file, in this order:
 *   notebook.ts  parse the notebook (prose, named sql blocks, vega-lite and section blocks)
 *   the models   every model set the report needs, loaded by one call (src/models/registry.ts)
 *   execute.ts   run the notebook's queries as temp views over them
 *   summary.ts   the numbers per deployment and their deltas against the baseline
 *   findings.ts  plain-language findings from those numbers, ranked
 *   answer.ts    the Answer section: the ranked findings' answer sentences
 *   chart.ts     each vega-lite block with its query's rows inline → Vega → static SVG
 *   html.ts | markdown.ts | JSON    assemble the output
 * Nothing is written to the database: every view is temporary.
 */
import { readFileSync } from 'node:fs';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { containerFindings, containerReports } from '../models/container-report.js';
import { poolParameters, type PhaseSpec, type ReadySpec } from '../cli/pool-options.js';
import { importOrder as importedDeployments, readPoolReport } from '../models/pool-report.js';
import { loadModelSets } from '../models/registry.js';
import type { TraceDatabase } from '../store/database.js';
import { composeAnswer } from './answer.js';
import { buildChart, type Chart } from './chart.js';
import { queryRows, runNotebook, type Rows } from './execute.js';
import { findings } from './findings.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { answeringByDeployment, baselineRun, runGroups, runSpreads } from './runs.js';
import type { RunFacts } from './timeline.js';
import { parseNotebook, type Notebook } from './notebook.js';
import { poolWarnings } from './pool.js';
import {
  deploymentSummaries,
  reportInputs,
  reportWarnings,
  type DeploymentSummary,
  type RankedFinding,
  type ReportSummary,
} from './summary.js';

export const REPORT_FORMATS = ['html', 'md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The default report is itself a notebook. */
export const DEFAULT_NOTEBOOK = new URL('../../notebooks/deployment-comparison.md', import.meta.url);

export interface ReportOptions {
  format: ReportFormat;
  notebookPath?: string;
  baseline?: string;
  /** --ready: when the pools were ready (else detected from CPU). */
  ready?: ReadySpec[];
  /** --phase: phases given instead of detected. */
  phases?: PhaseSpec[];
  /** --workers: worker counts the memory models are projected to, besides 1, 2, 4, 8, 16 and 32. */
  workers?: number[];
  /** An experiment's facts per deployment (time to ready, load counts, worker killed), from its timeline. */
  experiment?: Map<string, RunFacts>;
  title?: string;
  version: string;
  /** When the report is made (SOURCE_DATE_EPOCH when set, for reproducible bytes). */
  generatedAt: Date;
  /** Told each stage as it starts (the command line shows it on a terminal). */
  progress?: (stage: string) => void;
}

export interface BuiltReport {
  notebook: Notebook;
  summary: ReportSummary;
  results: Map<string, Rows>;
  /** Charts by the index of their block in the notebook. */
  charts: Map<number, Chart>;
}

export async function buildReport(db: TraceDatabase, options: ReportOptions): Promise<BuiltReport> {
  const stage = options.progress ?? (() => {});
  const notebook = loadNotebook(options.notebookPath);
  const importOrder = await importedDeployments(db);
  stage('models');
  // The report runs on every core (DuckDB's default): its sums of floats are exact_sum()
  // (src/models/006-aggregates.sql), which give the same result in any order of addition, so
  // equal inputs still give equal report bytes.
  await loadModelSets(
    db,
    'report',
    poolParameters({ ready: options.ready, phases: options.phases })(importOrder),
  );
  const pool = await readPoolReport(db, { workers: options.workers });
  const { baseline, deployments } = deploymentSummaries(
    pool,
    importOrder,
    baselineRun(options.baseline, importOrder, options.experiment),
  );
  const warnings = [...(await reportWarnings(db)), ...poolWarnings(pool, deployments)];
  stage('containers');
  const containers = await containerReports(db);
  for (const d of deployments) d.containers = containers.get(d.name) ?? [];
  if (options.experiment) {
    const load = new Map(
      (await queryRows(db, 'SELECT * FROM report_load')).map((r) => [String(r.deployment), r]),
    );
    for (const d of deployments) {
      const facts = options.experiment.get(d.name);
      if (!facts) continue;
      const l = load.get(d.name);
      d.experiment = {
        ...facts,
        load: l
          ? { tool: String(l.tool), responses: numberOrNull(l.responses), errors: numberOrNull(l.errors) }
          : null,
      };
    }
  }
  const spreads = runSpreads(deployments);
  stage('notebook queries');
  const results = await runNotebook(db, notebook);
  const ranked = findings(
    deployments,
    deployments.flatMap((d) => containerFindings(d.name, d.containers)),
  );
  const summary: ReportSummary = {
    tool: { name: 'trace-analyze', version: options.version },
    title: options.title ?? notebook.title ?? 'Deployment comparison',
    generated_at: options.generatedAt.toISOString(),
    baseline,
    answer: answerOf(baseline, deployments, ranked),
    deployments,
    ...(spreads.length > 0 ? { runs: spreads } : {}),
    findings: ranked,
    warnings,
    inputs: await reportInputs(db),
  };
  const charts = new Map<number, Chart>();
  if (options.format === 'html') {
    const total = notebook.blocks.filter((b) => b.kind === 'vega-lite').length;
    for (const [i, block] of notebook.blocks.entries()) {
      if (block.kind !== 'vega-lite') continue;
      stage(`charts (${charts.size + 1} of ${total})`);
      charts.set(i, await buildChart(notebook.path, block.line, block.spec, results.get(block.query) ?? []));
    }
  }
  return { notebook, summary, results, charts };
}

export async function renderReport(db: TraceDatabase, options: ReportOptions): Promise<string> {
  const report = await buildReport(db, options);
  options.progress?.('writing');
  if (options.format === 'json') return `${JSON.stringify(report.summary, null, 2)}\n`;
  if (options.format === 'md') return renderMarkdown(report);
  return renderHtml(report);
}

function loadNotebook(path: string | undefined): Notebook {
  const file = path ?? DEFAULT_NOTEBOOK;
  const name = path ?? 'notebooks/deployment-comparison.md';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(msg.notebookNotFound(name));
  }
  return parseNotebook(name, text);
}

/**
 * The Answer: of the report's deployments, or, when an experiment's deployments ran more than
 * once, of those deployments (the baseline's first), each over its runs.
 */
function answerOf(baseline: string, deployments: DeploymentSummary[], ranked: RankedFinding[]) {
  const groups = runGroups(deployments);
  if (!groups) return composeAnswer(baseline, deployments, ranked);
  return composeAnswer(
    groups[0]!.deployment,
    groups.map((g) => ({ name: g.deployment })),
    answeringByDeployment(ranked, groups),
  );
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v);
}
