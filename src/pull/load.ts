import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parsePromJson } from '../importers/prom-json.js';
import type { TraceDatabase } from '../store/database.js';
import { loadImport, type ImportResult } from '../store/loader.js';
import { promJsonBody } from './body.js';
import type { PullResult } from './pull.js';

/**
 * Writes the pulled data to a prom-json file that `trace-analyze import` (and any Prometheus
 * client) reads; gzip-compressed when the name ends in `.gz`.
 */
export async function writePullFile(path: string, result: PullResult): Promise<void> {
  const body = Readable.from(promJsonBody(result.series, result.metadata, result.warnings));
  try {
    if (path.endsWith('.gz')) await pipeline(body, createGzip(), createWriteStream(path));
    else await pipeline(body, createWriteStream(path));
  } catch (e) {
    throw new CliError(msg.cannotWrite(path, (e as Error).message));
  }
}

/**
 * Imports the pulled data directly: the same prom-json body a file would hold, read by the
 * prom-json importer, in one transaction. Its sha256 is that of the body, so pulling the same
 * data again is a reported no-op, as importing the same file again is.
 */
export async function importPull(
  db: TraceDatabase,
  deployment: string,
  label: string,
  result: PullResult,
): Promise<ImportResult> {
  const body = () => promJsonBody(result.series, result.metadata, result.warnings);
  const hash = createHash('sha256');
  for (const piece of body()) hash.update(piece);
  const pieces = async function* () {
    for (const piece of body()) yield Buffer.from(piece);
  };
  return loadImport(
    db,
    { deployment, path: label, format: 'prom-json', sha256: hash.digest('hex') },
    parsePromJson(label, pieces()),
  );
}
