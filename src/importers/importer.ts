import type { InputLimits } from '../base/limits.js';
import type { ImportBatch } from '../store/batch.js';
import type { Source } from './source.js';

/** What an importer may know beyond its input. */
export interface ImportContext {
  deployment: string;
  /** --start: absolute time (unix ms) for inputs that hold only relative times. */
  start?: number;
  /** Size limits raised on the command line (DEFAULT_LIMITS otherwise; src/base/limits.ts). */
  limits?: InputLimits;
}

/**
 * One input format: a cheap `detect` on the first bytes (or a folder listing) and a streaming
 * `parse` that yields batches in the store's shape. Errors a user can cause are InputErrors
 * naming the file and position.
 */
export interface Importer {
  readonly format: string;
  /**
   * Whether --start can place its samples (times relative to a start, or none at all): then the
   * start is part of the import's identity (src/store/loader.ts).
   */
  readonly readsStart?: boolean;
  detect(source: Source): boolean;
  parse(source: Source, context: ImportContext): AsyncIterable<ImportBatch>;
}
