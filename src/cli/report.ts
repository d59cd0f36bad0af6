import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { detect, FORMATS, importPath } from '../importers/index.js';
import { openSource } from '../importers/source.js';
import type { PhaseSpec, ReadySpec } from '../models/pool-report.js';
import { REPORT_FORMATS, renderReport, type ReportFormat, type ReportOptions } from '../report/report.js';
import { readExperimentFolder, type ExperimentFolder, type RunFacts } from '../report/timeline.js';
import { TraceDatabase } from '../store/database.js';
import { collect, parsePhaseOption, parseReadyOption } from './pool-options.js';
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
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write the deployment comparison (HTML, Markdown or JSON) from a database or, in one shot, from folders',
    )
    .argument(
      '[folders...]',
      'one shot: each subfolder of a folder is a deployment; every file inside is imported',
    )
    .option('--db <file>', 'report on this database (opened read-only)')
    .option('-o, --output <file>', 'write the report here (default: standard output)')
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
    .action(async (folders: string[], options: ReportCliOptions) => {
      if (!(REPORT_FORMATS as readonly string[]).includes(options.format))
        throw new UsageError(msg.unknownFormat('--format', options.format, REPORT_FORMATS));
      if (options.db !== undefined && folders.length > 0) throw new UsageError(msg.reportDbAndPaths());
      if (options.db === undefined && folders.length === 0) throw new UsageError(msg.reportNothingToRead());
      const settings: ReportSettings = {
        format: options.format as ReportFormat,
        notebookPath: options.notebook,
        baseline: options.baseline,
        title: options.title,
        ready: options.ready.map(parseReadyOption),
        phases: options.phase.map(parsePhaseOption),
      };
      let text: string;
      if (options.db !== undefined) {
        const db = await TraceDatabase.open(options.db, { readOnly: true });
        try {
          text = await renderReport(db, reportOptions(settings));
        } finally {
          db.close();
        }
      } else {
        text = await reportOnFolders(folders, settings);
      }
      if (options.output === undefined) process.stdout.write(text);
      else {
        writeFileSync(options.output, text);
        process.stderr.write(`${msg.reportWritten(options.output, Buffer.byteLength(text))}\n`);
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
 * One shot: imports each subfolder of each folder as a deployment into a temporary database
 * (deleted afterwards) and renders the report. An experiment's folder (with timeline.json)
 * gives its completed runs as deployments, and their phases and ready times from the
 * timeline — unless --phase / --ready are given, which then replace the timeline's.
 */
export async function reportOnFolders(folders: string[], settings: ReportSettings): Promise<string> {
  const deployments: ExperimentFolder['deployments'] = [];
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
    let entries: string[];
    try {
      if (!statSync(folder).isDirectory()) throw new CliError(msg.reportNoSubfolders(folder));
      entries = readdirSync(folder).sort();
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(msg.fileNotFound(folder));
    }
    const subfolders = entries.filter((e) => !e.startsWith('.') && statSync(join(folder, e)).isDirectory());
    if (subfolders.length === 0) throw new CliError(msg.reportNoSubfolders(folder));
    for (const name of subfolders) deployments.push({ name: basename(name), path: join(folder, name) });
  }
  const options = reportOptions(
    {
      ...settings,
      phases: settings.phases.length > 0 ? settings.phases : timelinePhases,
      ready: settings.ready.length > 0 ? settings.ready : timelineReady,
    },
    facts.size > 0 ? facts : undefined,
  );
  const dir = mkdtempSync(join(tmpdir(), 'trace-analyze-report-'));
  try {
    const db = await TraceDatabase.open(join(dir, 'report.duckdb'), { create: true });
    try {
      for (const d of deployments) {
        const { skipped } = await importPath(db, d.path, { deployment: d.name, format: 'auto' });
        if (d.load) {
          // an experiment's load output, imported when a load-tool importer knows its format
          const importer = detect(await openSource(d.load.path));
          if (importer)
            await importPath(db, d.load.path, {
              deployment: d.name,
              format: importer.format,
              start: d.load.start,
            });
          else skipped.push(d.load.path);
        }
        for (const s of skipped) process.stderr.write(`${msg.reportSkipped(s, FORMATS)}\n`);
      }
      return await renderReport(db, options);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org): the report's time, so equal inputs give equal bytes. */
function sourceDateEpoch(): Date | undefined {
  const text = process.env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(msg.badSourceDateEpoch(text));
  return new Date(Number(text) * 1000);
}
