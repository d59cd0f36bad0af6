import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { DEFAULT_LIMITS, formatBytes, parseByteSize, type InputLimits } from '../base/limits.js';
import { parseTimeArg } from '../base/time.js';
import { FORMATS, importPath, type ImportOptions } from '../importers/index.js';
import { ioError } from '../importers/source.js';
import { compactCopyPath, importMemoryLimitBytes, TraceDatabase } from '../store/database.js';
import { onInterrupt } from './interrupt.js';
import { terminalSafe } from './output.js';
import { progressLine } from './progress.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import files into a database, each file in one transaction')
    .argument('<path...>', 'files or folders (gzip is recognised by its magic bytes)')
    .requiredOption('--db <file>', 'DuckDB database file (created if missing)')
    .requiredOption('--deployment <name>', 'deployment the data belongs to (e.g. gunicorn-preload)')
    .option('--format <fmt>', `input format: auto, ${FORMATS.join(', ')}`, 'auto')
    .option('--start <time>', 'absolute start for inputs with relative times (RFC 3339 or unix seconds)')
    .option(
      '--max-bytes <size>',
      `most bytes one gzip input may decompress to (default ${formatBytes(DEFAULT_LIMITS.maxInputBytes)})`,
    )
    .option(
      '--max-entry-bytes <size>',
      `largest archive member read (default ${formatBytes(DEFAULT_LIMITS.maxEntryBytes)})`,
    )
    .option(
      '--pool <name>',
      'pool of every process this import adds (default: the server tree, or the pod/instance label)',
    )
    .option(
      '--pid-label <label>',
      'label that carries a process id in Prometheus data (default pid; groupname "comm:pid" is read too)',
    )
    .action(
      async (
        paths: string[],
        options: {
          db: string;
          deployment: string;
          format: string;
          start?: string;
          maxBytes?: string;
          maxEntryBytes?: string;
          pool?: string;
          pidLabel?: string;
        },
      ) => {
        if (options.format !== 'auto' && !FORMATS.includes(options.format)) {
          throw new UsageError(msg.unknownFormat('--format', options.format, ['auto', ...FORMATS]));
        }
        if (options.deployment.trim() === '') throw new UsageError(msg.missingOption('--deployment'));
        if (options.pool !== undefined && options.pool.trim() === '')
          throw new UsageError(msg.badPoolOption(options.pool));
        const start = options.start === undefined ? undefined : parseTimeArg(options.start, '--start');
        const limits: InputLimits = {
          maxInputBytes: sizeOption(options.maxBytes, '--max-bytes', DEFAULT_LIMITS.maxInputBytes),
          maxEntryBytes: sizeOption(options.maxEntryBytes, '--max-entry-bytes', DEFAULT_LIMITS.maxEntryBytes),
        };
        // Every input must exist before anything is created: a typo makes no database.
        for (const path of paths) checkReadable(path);
        const created = !existsSync(options.db);
        const sizeBefore = created ? 0 : statSync(options.db).size;
        const done = { landed: false };
        // A second Ctrl-C does not wait for the rollback: remove what this command created.
        const interrupt = onInterrupt(msg.importInterrupted, () => {
          removeStaging(options.db);
          rmSync(compactCopyPath(options.db), { force: true });
          if (created && !done.landed) removeDatabase(options.db);
        });
        try {
          const db = await TraceDatabase.open(options.db, {
            create: true,
            memoryLimit: importMemoryLimitBytes(),
          });
          try {
            const importOptions: ImportOptions = {
              deployment: options.deployment,
              format: options.format,
              start,
              limits,
              pool: options.pool,
              pidLabel: options.pidLabel,
              signal: interrupt.signal,
            };
            await importEach(db, paths, importOptions, done);
          } catch (e) {
            const free = await db.freeBytes().catch(() => 0);
            db.close();
            // A database this command created and nothing landed in is removed: failure creates
            // nothing. Otherwise the blocks a rolled-back import wrote go back to the file system.
            if (created && !done.landed) removeDatabase(options.db);
            // Best effort: when another process holds the file the space stays, reused by the next
            // import, and the error that matters is still e.
            else if (free > 0 && statSync(options.db).size > sizeBefore)
              await TraceDatabase.compact(options.db).catch(() => undefined);
            throw e;
          }
          db.close();
        } finally {
          interrupt.dispose();
        }
      },
    );
}

/** Imports each path in turn, one line per import on stderr; `done.landed` once one import is in. */
async function importEach(
  db: TraceDatabase,
  paths: string[],
  options: ImportOptions,
  done: { landed: boolean },
): Promise<void> {
  for (const path of paths) {
    options.signal?.throwIfAborted();
    const progress = progressLine(terminalSafe(path));
    try {
      const { outcomes, skipped } = await importPath(db, path, { ...options, progress: progress.update });
      progress.done();
      if (outcomes.length === 0) {
        throw new CliError(
          skipped.length === 0
            ? msg.importEmptyFolder(path)
            : msg.importNothingRecognised(path, relativeNames(path, skipped)),
        );
      }
      for (const o of outcomes) {
        const r = o.result;
        if (r.status === 'imported') done.landed = true;
        // Paths and warnings carry text from the input: escaped, never raw to the terminal.
        process.stderr.write(
          terminalSafe(
            r.status === 'noop'
              ? `${msg.importNoop(o.path, options.deployment, r.importId)}\n`
              : `${msg.importDone(o.path, o.format, r.series, r.samples, options.deployment)}\n`,
          ),
        );
        if (r.status === 'imported')
          for (const w of r.warnings)
            process.stderr.write(`  warning: ${terminalSafe(w).replace(/\n/g, '\\n')}\n`);
      }
      if (skipped.length > 0)
        process.stderr.write(
          terminalSafe(`${msg.importSkippedSummary(path, outcomes.length, relativeNames(path, skipped))}\n`),
        );
    } finally {
      progress.done();
    }
  }
}

/** A missing or unreadable input as the one-line error import gives for it. */
function checkReadable(path: string): void {
  try {
    statSync(path);
  } catch (e) {
    throw ioError(path, e);
  }
}

/** Skipped files named relative to the folder given, so the summary stays short. */
function relativeNames(folder: string, files: string[]): string[] {
  return files.map((f) => relative(folder, f) || f);
}

/** The database file and what DuckDB keeps beside it. */
function removeDatabase(path: string): void {
  for (const p of [path, `${path}.wal`, `${path}.tmp`]) rmSync(p, { recursive: true, force: true });
}

/** The loader's staging folders beside the database (src/store/loader.ts); DuckDB's lock makes them this command's. */
function removeStaging(dbPath: string): void {
  const prefix = `.${basename(dbPath)}.import-`;
  try {
    for (const name of readdirSync(dirname(resolve(dbPath))))
      if (name.startsWith(prefix))
        rmSync(join(dirname(resolve(dbPath)), name), { recursive: true, force: true });
  } catch {
    // the folder is gone or unreadable: nothing of ours to remove there
  }
}

function sizeOption(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw new UsageError(msg.badByteSize(option, text));
  return bytes;
}
