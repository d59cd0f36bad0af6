import { CliError, InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { TraceDatabase } from '../store/database.js';
import { loadImport, type ImportResult } from '../store/loader.js';
import type { ImportContext, Importer } from './importer.js';
import { procfs } from './procfs.js';
import { promJson } from './prom-json.js';
import { psrecord } from './psrecord.js';
import { grafanaCsv } from './grafana-csv.js';
import { promText } from './prom-text.js';
import { promtoolDump } from './promtool-dump.js';
import { vmJsonl } from './vm-jsonl.js';
import { ab } from './ab.js';
import { autocannon } from './autocannon.js';
import { hey } from './hey.js';
import { k6 } from './k6.js';
import { locust } from './locust.js';
import { wrk } from './wrk.js';
import { ioError, listFiles, openSource, sha256Of, type Source } from './source.js';

/** Every importer, in the order detection tries them (most specific first). */
export const IMPORTERS: readonly Importer[] = [
  promJson,
  vmJsonl,
  promtoolDump,
  procfs,
  psrecord,
  wrk,
  hey,
  ab,
  k6,
  locust,
  autocannon,
  promText,
  grafanaCsv,
];

export const FORMATS: readonly string[] = IMPORTERS.map((i) => i.format);

export function importerFor(format: string): Importer {
  const importer = IMPORTERS.find((i) => i.format === format);
  if (!importer) throw new CliError(msg.unknownFormat('--format', format, ['auto', ...FORMATS]), 2);
  return importer;
}

/** The importer that recognises a source, or undefined. */
export function detect(source: Source): Importer | undefined {
  return IMPORTERS.find((i) => i.detect(source));
}

export interface ImportOptions extends ImportContext {
  /** A format name, or 'auto' (default) to detect it. */
  format?: string;
  /** --pool: the pool of every process the import adds. */
  pool?: string;
  /** --pid-label: the label that carries a pid. */
  pidLabel?: string;
  /** Aborted (Ctrl-C): the import in progress stops and rolls back. */
  signal?: AbortSignal;
  /** Called with (bytes read, total bytes) while a file is read. */
  progress?: (done: number, total: number) => void;
}

export interface ImportOutcome {
  path: string;
  format: string;
  result: ImportResult;
}

/**
 * Imports one path. A file is one import; a folder is one import when an importer reads
 * folders (a /proc snapshot set, a folder of scrapes), else each file inside is imported and
 * files no importer recognises are skipped (listed in `skipped`).
 */
export async function importPath(
  db: TraceDatabase,
  path: string,
  options: ImportOptions,
): Promise<{ outcomes: ImportOutcome[]; skipped: string[] }> {
  const source = await openSource(path);
  const forced = options.format && options.format !== 'auto' ? importerFor(options.format) : undefined;
  const importer = forced ?? detect(source);
  if (importer) return { outcomes: [await importSource(db, source, importer, options)], skipped: [] };
  if (source.kind === 'file') throw new InputError(path, undefined, msg.undetectedFormat(FORMATS));

  const outcomes: ImportOutcome[] = [];
  const skipped: string[] = [];
  for (const file of await listFiles(source.path)) {
    const inner = await openSource(file);
    const found = detect(inner);
    if (found) outcomes.push(await importSource(db, inner, found, options));
    else skipped.push(file);
  }
  return { outcomes, skipped };
}

async function importSource(
  db: TraceDatabase,
  source: Source,
  importer: Importer,
  options: ImportOptions,
): Promise<ImportOutcome> {
  // Not awaited: the loader checks for an identical earlier import once the hash is known.
  const sha256 = sha256Of(source);
  sha256.catch(() => undefined); // the loader awaits it; this only keeps an early failure from counting as unhandled
  if (source.kind === 'file' && options.progress) {
    const { progress } = options;
    const total = source.size;
    source.onRead = (done) => progress(done, total);
  }
  if (source.kind === 'file' && options.limits) source.maxBytes = options.limits.maxInputBytes;
  const context: ImportContext = {
    deployment: options.deployment,
    start: options.start,
    limits: options.limits,
  };
  let result: ImportResult;
  try {
    result = await loadImport(
      db,
      {
        deployment: options.deployment,
        path: source.path,
        format: importer.format,
        sha256,
        pool: options.pool,
        pidLabel: options.pidLabel,
        start: importer.readsStart ? options.start : undefined,
        signal: options.signal,
      },
      importer.parse(source, context),
    );
  } catch (e) {
    // A read that fails midway (a file removed, a disk error) is the input's problem, named as such.
    throw ioError(source.path, e);
  }
  return { path: source.path, format: importer.format, result };
}
