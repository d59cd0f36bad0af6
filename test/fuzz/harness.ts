/**
 * Runs fuzz inputs through an importer and checks the house rules for bad input:
 * - the import ends within TIME_BOUND_MS, with success or a CliError (exit 1) whose message is
 *   one line naming the input; any other exception (the CLI's "internal error"), an uncaught
 *   exception or an unhandled rejection is a failure;
 * - after a failed import the database content is identical to before (contentHash);
 * - after a successful one, exactly the imported samples were added.
 * Most inputs run in-process through importPath (fast); a sample also runs through the built
 * CLI as a child process (exit code, stderr, no stack trace, database file unchanged).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, InputError } from '../../src/base/errors.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { cli } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';
import type { FuzzInput } from './spec.js';

/** The most one (small) fuzz input may take in-process, generous for a shared, loaded machine. */
export const TIME_BOUND_MS = 10_000;
/** The most one input may take through the CLI (process start and DuckDB open included). */
export const CLI_TIME_BOUND_MS = 60_000;

export const DEPLOYMENT = 'fuzz';

/** Counts from the environment: FUZZ_RUNS inputs per format (npm run fuzz sets 10,000). */
export function fuzzRuns(): number {
  const n = Number(process.env.FUZZ_RUNS ?? 200);
  return Number.isInteger(n) && n > 0 ? n : 200;
}

/** Inputs per format that also run through the CLI as a child process. */
export function cliRuns(): number {
  const n = Number(process.env.FUZZ_CLI_RUNS ?? Math.max(4, Math.ceil(fuzzRuns() / 250)));
  return Number.isInteger(n) && n >= 0 ? n : 4;
}

export class FuzzFailure extends Error {}

/** Writes an input below `dir` and returns the path to import. */
export function materialize(input: FuzzInput, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, input.name);
  if (input.kind === 'file') {
    writeFileSync(path, input.bytes);
    return path;
  }
  for (const [rel, bytes] of Object.entries(input.files)) {
    const file = join(path, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  mkdirSync(path, { recursive: true });
  return path;
}

export interface CheckResult {
  status: 'imported' | 'noop' | 'failed';
  samples: number;
  message?: string;
}

/** One format's in-process target: a database holding a baseline import, reset after every success. */
export class FuzzTarget {
  private db!: TraceDatabase;
  private hash = '';
  private baselineSamples = 0;
  private readonly escaped: unknown[] = [];
  private readonly onEscape = (e: unknown) => this.escaped.push(e);

  private constructor(
    private readonly format: string,
    private readonly baseline: FuzzInput,
    private readonly workDir: string,
  ) {}

  static async create(format: string, baseline: FuzzInput, workDir: string): Promise<FuzzTarget> {
    const target = new FuzzTarget(format, baseline, workDir);
    await target.reset();
    process.on('uncaughtException', target.onEscape);
    process.on('unhandledRejection', target.onEscape);
    return target;
  }

  private async reset(): Promise<void> {
    this.db?.close();
    this.db = await TraceDatabase.open(':memory:', { create: true });
    const path = materialize(this.baseline, join(this.workDir, 'baseline'));
    await importPath(this.db, path, { deployment: DEPLOYMENT, format: this.format });
    this.hash = await contentHash(this.db);
    this.baselineSamples = await this.sampleCount();
  }

  private async sampleCount(): Promise<number> {
    const [row] = await this.db.rowsJS('SELECT count(*)::INTEGER AS n FROM samples');
    return Number(row!.n);
  }

  /** Imports one input and checks the rules; throws FuzzFailure when one is broken. */
  async check(input: FuzzInput, format: string): Promise<CheckResult> {
    const path = materialize(input, join(this.workDir, 'input'));
    const started = performance.now();
    let error: unknown;
    let result: CheckResult = { status: 'failed', samples: 0 };
    try {
      const { outcomes } = await importPath(this.db, path, { deployment: DEPLOYMENT, format });
      const imported = outcomes.filter((o) => o.result.status === 'imported');
      result = {
        status: imported.length > 0 ? 'imported' : 'noop',
        samples: imported.reduce((n, o) => n + (o.result.status === 'imported' ? o.result.samples : 0), 0),
      };
    } catch (e) {
      error = e;
    }
    const elapsed = performance.now() - started;
    // Let stray stream errors surface before judging the input.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.escaped.length > 0) {
      const e = this.escaped.splice(0);
      throw new FuzzFailure(`uncaught exception or unhandled rejection: ${describe(e[0])}`);
    }
    if (elapsed > TIME_BOUND_MS) throw new FuzzFailure(`import took ${elapsed.toFixed(0)} ms`);
    if (error !== undefined) {
      if (!(error instanceof CliError)) throw new FuzzFailure(`internal error: ${describe(error)}`);
      if (error.exitCode !== 1) throw new FuzzFailure(`exit code ${error.exitCode}: ${error.message}`);
      if (error.message.includes('\n')) throw new FuzzFailure(`message is not one line: ${error.message}`);
      const names = error instanceof InputError ? error.file : error.message;
      if (!names.includes(path)) throw new FuzzFailure(`error does not name the input: ${error.message}`);
      const after = await contentHash(this.db);
      if (after !== this.hash) throw new FuzzFailure(`database changed by a failed import: ${error.message}`);
      return { status: 'failed', samples: 0, message: error.message };
    }
    const samples = await this.sampleCount();
    if (samples !== this.baselineSamples + result.samples) {
      throw new FuzzFailure(
        `import reported ${result.samples} samples but the database gained ${samples - this.baselineSamples}`,
      );
    }
    if (result.status === 'imported') await this.reset();
    return result;
  }

  close(): void {
    process.off('uncaughtException', this.onEscape);
    process.off('unhandledRejection', this.onEscape);
    this.db.close();
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`;
  return String(e);
}

/** The CLI side: a pristine database file with the baseline import, copied before every run. */
export class CliFuzzTarget {
  private readonly pristine: string;
  private readonly work: string;
  private hash = '';

  private constructor(
    private readonly format: string,
    private readonly workDir: string,
  ) {
    this.pristine = join(workDir, 'pristine.duckdb');
    this.work = join(workDir, 'work.duckdb');
  }

  static async create(format: string, baseline: FuzzInput, workDir: string): Promise<CliFuzzTarget> {
    const target = new CliFuzzTarget(format, workDir);
    mkdirSync(workDir, { recursive: true });
    const db = await TraceDatabase.open(target.pristine, { create: true });
    try {
      const path = materialize(baseline, join(workDir, 'cli-baseline'));
      await importPath(db, path, { deployment: DEPLOYMENT, format });
      target.hash = await contentHash(db);
    } finally {
      db.close();
    }
    return target;
  }

  /** Runs `trace-analyze import` on one input in a child process and checks the rules. */
  async check(input: FuzzInput, format: string): Promise<number> {
    const path = materialize(input, join(this.workDir, 'cli-input'));
    rmSync(`${this.work}.wal`, { force: true });
    copyFileSync(this.pristine, this.work);
    const started = performance.now();
    const r = cli(['import', path, '--db', this.work, '--deployment', DEPLOYMENT, '--format', format], {
      timeout: CLI_TIME_BOUND_MS,
    });
    const elapsed = performance.now() - started;
    const context = `${this.format} input ${path}: exit ${r.status} after ${elapsed.toFixed(0)} ms; stderr:\n${r.stderr}`;
    if (r.status !== 0 && r.status !== 1) throw new FuzzFailure(`unexpected exit (or timeout): ${context}`);
    if (/internal error/.test(r.stderr)) throw new FuzzFailure(`internal error: ${context}`);
    if (/^\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) throw new FuzzFailure(`stack trace: ${context}`);
    if (r.status === 1) {
      const lines = r.stderr.trimEnd().split('\n');
      if (lines.length !== 1 || !lines[0]!.startsWith('trace-analyze: ') || !lines[0]!.includes(path)) {
        throw new FuzzFailure(`error is not one line naming the input: ${context}`);
      }
      if (!existsSync(this.work)) throw new FuzzFailure(`database file vanished: ${context}`);
      const db = await TraceDatabase.open(this.work, { readOnly: true });
      try {
        if ((await contentHash(db)) !== this.hash) throw new FuzzFailure(`database changed: ${context}`);
      } finally {
        db.close();
      }
    }
    return r.status;
  }
}
