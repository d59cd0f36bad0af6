import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { detect, importPath } from '../importers/index.js';
import { openSource } from '../importers/source.js';
import type { PhaseSpec, ReadySpec } from './pool-options.js';
import { REPORT_FORMATS, renderReport, type ReportFormat, type ReportOptions } from '../report/report.js';
import { readExperimentFolder, type ExperimentFolder, type RunFacts } from '../report/timeline.js';
import { TraceDatabase } from '../store/database.js';
import { onInterrupt, type Interrupt } from './interrupt.js';
import { terminalSafe } from './output.js';
import { progressLine, stageLine } from './progress.js';
import { collect, parsePhaseOption, parseReadyOption } from './pool-options.js';
import {
  applyStartOptions,
  checkDistinctNames,
  deploymentsIn,
  type OneShotDeployment,
} from './report-inputs.js';
import { VERSION } from './version.js';

interface ReportCliOptions {
  db?: string;
  output?: string;
  baseline?: string;
  format: string;
  title?: string;
  notebook?: string;
  ready: string[];
  phase: string[];
  start: string[];
  workers: string[];
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write the deployment comparison (HTML, Markdown or JSON) from a database or, in one shot, from folders',
    )
    .argument(
      '[path...]',
      'one shot: a deployment folder (or file, e.g. collect --out run.tar.gz), or a folder of deployment folders; every file inside is imported',
    )
    .option('--db <file>', 'report on this database (opened read-only)')
    .option(
      '-o, --output <file>',
      'write the report here; - is standard output (default: standard output, or report.<format> in the current folder when that is a terminal)',
    )
    .option('--baseline <name>', 'deployment the others are compared with (default: the first imported)')
    .option('--format <fmt>', 'html, md or json', 'html')
    .option('--title <text>', 'title of the report (default: the notebook title)')
    .option('--notebook <file>', 'render this notebook instead of notebooks/deployment-comparison.md')
    .option(
      '--ready <[deployment/]time>',
      'when the pool was ready (absolute, or a duration after the deployment start); repeatable',
      collect,
      [],
    )
    .option(
      '--phase <[deployment/]name=start..end>',
      'a phase instead of the detected idle/load phases (times absolute or durations after the start); repeatable',
      collect,
      [],
    )
    .option(
      '--workers <n>',
      "project each deployment's memory model to this many workers too (besides 1, 2, 4, 8, 16, 32); repeatable, or several separated by commas",
      collect,
      [],
    )
    .option(
      '--start <[deployment=]time>',
      "one shot: when the deployment's psrecord logs (and scrapes without times) started; repeatable",
      collect,
      [],
    )
    .action(async (paths: string[], options: ReportCliOptions) => {
      if (!(REPORT_FORMATS as readonly string[]).includes(options.format))
        throw new UsageError(msg.unknownFormat('--format', options.format, REPORT_FORMATS));
      if (options.db !== undefined && paths.length > 0) throw new UsageError(msg.reportDbAndPaths());
      if (options.db === undefined && paths.length === 0) throw new UsageError(msg.reportNothingToRead());
      if (options.db !== undefined && options.start.length > 0) throw new UsageError(msg.reportStartWithDb());
      const output = outputPath(options.output, options.format);
      const progress = stageLine('report');
      const settings: ReportSettings = {
        format: options.format as ReportFormat,
        notebookPath: options.notebook,
        baseline: options.baseline,
        title: options.title,
        ready: options.ready.map(parseReadyOption),
        phases: options.phase.map(parsePhaseOption),
        progress: progress.stage,
        workers: options.workers.flatMap(parseWorkersOption),
      };
      let text: string;
      try {
        if (options.db !== undefined) {
          text = await reportOnDatabase(options.db, settings);
        } else {
          text = await reportOnFolders(paths, settings, options.start);
        }
      } finally {
        progress.done();
      }
      if (output === undefined) process.stdout.write(text);
      else {
        writeOutput(output, text);
        process.stderr.write(`${msg.reportWritten(output.path, Buffer.byteLength(text))}\n`);
      }
    });
}

/** What `report` is asked for, besides its inputs. */
export interface ReportSettings {
  format: ReportFormat;
  notebookPath?: string;
  baseline?: string;
  title?: string;
  ready: ReadySpec[];
  phases: PhaseSpec[];
  /** Told each stage of the report as it starts (stageLine on a terminal). */
  progress?: (stage: string) => void;
  /** --workers: worker counts the memory models are projected to, besides the standard ones. */
  workers?: number[];
}

/** `--workers 12` or `--workers 12,24`: worker counts, each a whole number from 1 to 100000. */
export function parseWorkersOption(text: string): number[] {
  return text.split(',').map((part) => {
    const t = part.trim();
    if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > 100_000)
      throw new UsageError(msg.reportBadWorkers(text));
    return Number(t);
  });
}

function reportOptions(settings: ReportSettings, experiment?: Map<string, RunFacts>): ReportOptions {
  return {
    ...settings,
    experiment,
    version: VERSION,
    generatedAt: sourceDateEpoch() ?? new Date(),
  };
}

/**
 * The report on a database, opened read-only. Ctrl-C or SIGTERM stops the query running and
 * closes the database, which removes DuckDB's spill folder (gigabytes on a large database) from
 * the system's temporary folder; a second one removes it at once.
 */
async function reportOnDatabase(path: string, settings: ReportSettings): Promise<string> {
  let db: TraceDatabase | undefined;
  const interrupt = onInterrupt(msg.reportDbInterrupted, () => db?.removeSpill());
  try {
    db = await TraceDatabase.open(path, { readOnly: true });
    const opened = db;
    return await untilInterrupted(opened, interrupt, () => renderReport(opened, reportOptions(settings)));
  } finally {
    interrupt.dispose();
  }
}

/**
 * Runs work on a database, then closes it. The interrupt stops the query running, and is then
 * what fails: a query stopped by it fails with DuckDB's own error, which would say less.
 */
async function untilInterrupted<T>(
  db: TraceDatabase,
  interrupt: Interrupt,
  work: () => Promise<T>,
): Promise<T> {
  const stop = () => db.interrupt();
  interrupt.signal.addEventListener('abort', stop);
  try {
    interrupt.signal.throwIfAborted();
    const result = await work();
    interrupt.signal.throwIfAborted();
    return result;
  } catch (e) {
    interrupt.signal.throwIfAborted();
    throw e;
  } finally {
    interrupt.signal.removeEventListener('abort', stop);
    db.close();
  }
}

/**
 * One shot: imports each deployment (report-inputs.ts) into a temporary database, deleted
 * afterwards — also on Ctrl-C or SIGTERM, which stop the import or the query running (a second
 * one removes it at once) — and renders the report. An experiment's folder (with
 * timeline.json) gives its completed runs as deployments, and their phases and ready times from
 * the timeline — unless --phase / --ready are given, which then replace the timeline's.
 * `starts`: --start <deployment>=<time> options, placing psrecord logs.
 */
export async function reportOnFolders(
  folders: string[],
  settings: ReportSettings,
  starts: readonly string[] = [],
): Promise<string> {
  const deployments: (ExperimentFolder['deployments'][number] & OneShotDeployment)[] = [];
  const timelinePhases: PhaseSpec[] = [];
  const timelineReady: ReadySpec[] = [];
  const facts = new Map<string, RunFacts>();
  for (const folder of folders) {
    const experiment = readExperimentFolder(folder);
    if (experiment) {
      if (experiment.deployments.length === 0) throw new CliError(msg.reportNoCompletedRuns(folder));
      deployments.push(...experiment.deployments);
      timelinePhases.push(...experiment.phases);
      timelineReady.push(...experiment.ready);
      for (const [name, f] of experiment.facts) facts.set(name, f);
      continue;
    }
    deployments.push(...(await deploymentsIn(folder)));
  }
  checkDistinctNames(deployments);
  applyStartOptions(starts, deployments);
  const options = reportOptions(
    {
      ...settings,
      phases: settings.phases.length > 0 ? settings.phases : timelinePhases,
      ready: settings.ready.length > 0 ? settings.ready : timelineReady,
    },
    facts.size > 0 ? facts : undefined,
  );
  const dir = mkdtempSync(join(tmpdir(), 'trace-analyze-report-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  const interrupt = onInterrupt(msg.reportInterrupted, removeDir);
  try {
    const db = await TraceDatabase.open(join(dir, 'report.duckdb'), { create: true });
    return await untilInterrupted(db, interrupt, async () => {
      for (const d of deployments) {
        // the import's own progress line (as `import` shows it), then the report's stages
        const line = progressLine(terminalSafe(d.path));
        const { skipped } = await importPath(db, d.path, {
          deployment: d.name,
          format: 'auto',
          start: d.start,
          signal: interrupt.signal,
          progress: line.update,
        }).finally(line.done);
        const skippedNames = skipped.map((f) => relative(d.path, f));
        if (d.load) {
          // an experiment's load output, imported when a load-tool importer knows its format
          const importer = detect(await openSource(d.load.path));
          if (importer)
            await importPath(db, d.load.path, {
              deployment: d.name,
              format: importer.format,
              start: d.load.start,
              signal: interrupt.signal,
            });
          else skippedNames.push(d.load.path);
        }
        if (skippedNames.length > 0)
          process.stderr.write(terminalSafe(`${msg.reportSkipped(d.path, skippedNames)}\n`));
      }
      return renderReport(db, options);
    });
  } finally {
    removeDir();
    interrupt.dispose();
  }
}

/**
 * Where the report goes: -o's file; standard output for a pipe (or -o -); on a terminal, which
 * 1.2 MB of HTML would flood, `report.<format>` in the current folder, never over an existing file.
 */
function outputPath(
  option: string | undefined,
  format: string,
): { path: string; exclusive: boolean } | undefined {
  if (option === '-') return undefined;
  if (option !== undefined) return { path: option, exclusive: false };
  if (!process.stdout.isTTY) return undefined;
  const path = `report.${format}`;
  if (existsSync(path)) throw new CliError(msg.reportDefaultExists(path));
  return { path, exclusive: true };
}

function writeOutput(output: { path: string; exclusive: boolean }, text: string): void {
  try {
    writeFileSync(output.path, text, { flag: output.exclusive ? 'wx' : 'w' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliError(msg.reportDefaultExists(output.path));
    throw e;
  }
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org): the report's time, so equal inputs give equal bytes. */
function sourceDateEpoch(): Date | undefined {
  const text = process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(msg.badSourceDateEpoch(text));
  return new Date(Number(text) * 1000);
}
