import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { createHash } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { CliError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { listSql, readSql } from '../base/sql-files.js';
import { duckdb } from './duckdb.js';

/** Migrations are src/store/migrations/NNN-name.sql; the schema version is the highest NNN applied. */
const MIGRATIONS = listSql('store/migrations').map((m) => ({ version: Number(m.name.slice(0, 3)), ...m }));
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
const CATALOG_SQL = readSql('store/catalog.sql');
const CATALOG_SHA = createHash('sha256').update(CATALOG_SQL).digest('hex');

/**
 * Read-only opens (query, report, export) may be of a database file from elsewhere: its views
 * and macros must not reach local files, the network or extensions, and DuckDB does not let
 * SQL turn that back on (docs/security.md). DuckDB's own temporary files still work; `allowedDirectories`
 * (export's --out) stay reachable.
 */
const READ_ONLY_CONFIG: Record<string, string> = {
  access_mode: 'READ_ONLY',
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
};

/**
 * DuckDB's memory limit: a quarter of the machine's memory, at most 1 GiB. Beyond it DuckDB
 * spills sorts, joins, aggregates and temporary tables to its temporary folder, so a report on a
 * billion samples needs no more memory than one on a million (docs/performance.md). DuckDB's
 * default, 80 % of the machine, would let one report crowd out everything else running.
 */
export function memoryLimitBytes(total = totalmem()): number {
  return Math.min(2 ** 30, Math.floor(total / 4 / 2 ** 20) * 2 ** 20);
}

/**
 * DuckDB's memory limit for an import: at most 256 MiB. An import needs little working memory
 * (the samples stream through Parquet staging files, src/store/sample-stage.ts), but DuckDB keeps
 * every block it writes in its buffer pool until the limit is reached, so under the general limit
 * an import's memory grew with its input, 4 bytes a sample, up to 1 GiB more than it needs
 * (docs/performance.md).
 */
export function importMemoryLimitBytes(total = totalmem()): number {
  return Math.min(256 * 2 ** 20, memoryLimitBytes(total));
}

/**
 * DuckDB's allocator (the jemalloc built into it) keeps the pages DuckDB frees until the thread
 * that freed them allocates again, so after a statement that used the whole memory limit they
 * stay resident though DuckDB holds none of them: on the bench's 1B-sample database, 1 GiB of RSS
 * after the scrape-interval sort with 3 MiB in DuckDB's buffers, to which the next statements
 * added their own. jemalloc's background threads give them back to the system meanwhile
 * (docs/performance.md, "The report in bounded memory").
 */
const ALLOCATOR_CONFIG: Record<string, string> = { allocator_background_threads: 'true' };

/**
 * Where DuckDB spills: beside a database opened for writing (`<db>.tmp`, DuckDB's own default),
 * else — a read-only open of a file that may lie in a folder we must not write to, or an
 * in-memory database — a fresh folder under the system's temporary folder, removed at close().
 */
function spillFolder(path: string, readOnly: boolean): { dir: string; owned: boolean } {
  if (path !== ':memory:' && !readOnly) return { dir: `${path}.tmp`, owned: false };
  return { dir: mkdtempSync(join(tmpdir(), 'trace-analyze-spill-')), owned: true };
}

/** DuckDB takes these only at run time, in this order (allowed folders before access is turned off). */
function sandboxSql(directories: readonly string[]): string {
  const quoted = directories.map((d) => `'${resolve(d).replace(/'/g, "''")}${sep}'`);
  return [
    ...(quoted.length > 0 ? [`SET allowed_directories = [${quoted.join(', ')}]`] : []),
    // DuckDB refuses to turn this back on while the database is open; the configuration is not
    // locked, because the models set options such as asof_loop_join_threshold at run time.
    'SET enable_external_access = false',
  ].join(';\n');
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Create the file when missing (import does; report and query do not). */
  create?: boolean;
  /** Apply migrations only up to this version (tests of the migration path). */
  upToVersion?: number;
  /** Read-only opens: folders SQL may still read and write (export --out); nothing else is reachable. */
  allowedDirectories?: readonly string[];
  /** DuckDB's memory limit in bytes (default memoryLimitBytes(); imports: importMemoryLimitBytes()). */
  memoryLimit?: number;
}

export type Row = Record<string, DuckDBValue>;

/** A trace-analyze database: one DuckDB file holding the canonical model. */
export class TraceDatabase {
  /**
   * The model sets (src/models/registry.ts) defined on this connection, by name: the registry
   * defines its definitions-only sets once per connection.
   */
  readonly modelSets = new Set<string>();

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** A spill folder of our own (read-only and in-memory opens), removed at close(). */
    private readonly ownedTemp: string | null,
  ) {}

  /** Opens (and creates or migrates) a database; a newer schema or a lock held by another process is a CliError. */
  static async open(path: string, options: OpenOptions = {}): Promise<TraceDatabase> {
    const memory = path === ':memory:';
    if (!memory && !existsSync(path) && !options.create) throw new CliError(msg.dbMissing(path));
    const readOnly = options.readOnly ?? false;
    const spill = spillFolder(path, readOnly);
    const config = {
      ...(readOnly ? READ_ONLY_CONFIG : {}),
      ...ALLOCATOR_CONFIG,
      memory_limit: `${Math.floor((options.memoryLimit ?? memoryLimitBytes()) / 2 ** 20)}MiB`,
      temp_directory: spill.dir,
    };
    let instance: DuckDBInstance;
    try {
      instance = await duckdb.DuckDBInstance.create(path, config);
    } catch (e) {
      if (spill.owned) rmSync(spill.dir, { recursive: true, force: true });
      const reason = e instanceof Error ? e.message : String(e);
      if (/Could not set lock|Conflicting lock/i.test(reason)) throw new CliError(msg.dbLocked(path));
      throw new CliError(msg.dbOpenFailed(path, msg.firstLine(reason)));
    }
    const connection = await instance.connect();
    if (readOnly && !memory) await connection.run(sandboxSql(options.allowedDirectories ?? []));
    const db = new TraceDatabase(path, readOnly, instance, connection, spill.owned ? spill.dir : null);
    try {
      await db.migrate(options.upToVersion ?? SCHEMA_VERSION);
    } catch (e) {
      db.close();
      throw e;
    }
    return db;
  }

  /** The schema version stored in the file (0 for an empty file). */
  async schemaVersion(): Promise<number> {
    const tables = await this.rows(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_catalog = current_database()`,
    );
    if (tables.length === 0) return 0;
    if (!tables.some((t) => t.table_name === 'schema_meta')) throw new CliError(msg.dbNotOurs(this.path));
    const row = await this.rows(`SELECT value FROM schema_meta WHERE key = 'schema_version'`);
    if (row.length === 0) throw new CliError(msg.dbNotOurs(this.path));
    return Number(row[0]!.value);
  }

  private async migrate(target: number): Promise<void> {
    const current = await this.schemaVersion();
    if (current > SCHEMA_VERSION) throw new CliError(msg.dbNewerSchema(this.path, current, SCHEMA_VERSION));
    const pending = MIGRATIONS.filter((m) => m.version > current && m.version <= target);
    if (this.readOnly) {
      if (pending.length > 0) throw new CliError(msg.dbNeedsMigration(this.path, current, SCHEMA_VERSION));
      return;
    }
    if (pending.length > 0) {
      await this.transaction(async () => {
        for (const m of pending) await this.connection.run(m.sql);
        await this.run(`INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', $v)`, {
          v: String(pending.at(-1)!.version),
        });
      });
    }
    // the catalog's rows are written for the latest schema (its scopes): a database migrated only
    // part of the way (upToVersion, for tests of one migration) keeps the rows it has
    if (target === SCHEMA_VERSION) await this.refreshCatalog();
  }

  /** Keeps metric_catalog equal to src/store/catalog.sql (the catalog is data of the tool, not of the user). */
  private async refreshCatalog(): Promise<void> {
    const row = await this.rows(`SELECT value FROM schema_meta WHERE key = 'catalog_sha256'`);
    if (row[0]?.value === CATALOG_SHA) return;
    await this.transaction(async () => {
      await this.connection.run(CATALOG_SQL);
      await this.run(`INSERT OR REPLACE INTO schema_meta VALUES ('catalog_sha256', $v)`, { v: CATALOG_SHA });
    });
  }

  async run(sql: string, params?: Record<string, DuckDBValue>): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Runs a query and returns its rows as objects (BIGINT as bigint, MAP as entries). */
  async rows(sql: string, params?: Record<string, DuckDBValue>): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjects();
  }

  /** Runs a query and returns its rows as plain JS values (numbers where exact, bigint otherwise). */
  async rowsJS(sql: string, params?: Record<string, DuckDBValue>): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /** Runs fn in one transaction: everything it wrote lands, or (on any error) nothing does. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await fn();
      await this.connection.run('COMMIT');
      return result;
    } catch (e) {
      await this.connection.run('ROLLBACK');
      throw e;
    }
  }

  /** Stops the statement running now (it fails with DuckDB's interrupt error). */
  interrupt(): void {
    this.connection.interrupt();
  }

  /** Removes the spill folder of our own now (a second Ctrl-C: the process exits at once). */
  removeSpill(): void {
    if (this.ownedTemp) rmSync(this.ownedTemp, { recursive: true, force: true });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    this.removeSpill();
  }

  /**
   * Rewrites a closed database file without its free blocks. DuckDB reuses the blocks a
   * rolled-back import wrote, but never gives them back to the file system: a cancelled import of
   * 1 GB would leave the file 1 GB larger. COPY FROM DATABASE writes only what is committed (every
   * table, view and constraint) into a new file beside it, which then replaces the old one; an
   * interruption before the rename leaves the old file as it was. Another process holding the
   * file makes it fail (DuckDB's lock).
   */
  static async compact(path: string): Promise<void> {
    const copy = compactCopyPath(path);
    rmSync(copy, { force: true });
    const instance = await duckdb.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(
        `ATTACH ${sqlText(path)} AS old (READ_ONLY); ATTACH ${sqlText(copy)} AS new;
         COPY FROM DATABASE old TO new; DETACH new`,
      );
      // Renamed while the old file is still attached: its lock keeps any writer out until the
      // new file is in place, so nothing written meanwhile can be lost.
      chmodSync(copy, statSync(path).mode);
      renameSync(copy, path);
    } catch (e) {
      rmSync(copy, { force: true });
      throw e;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** Bytes of the file DuckDB holds free (written once, reusable, not given back). */
  async freeBytes(): Promise<number> {
    const [row] = await this.rowsJS(
      `SELECT free_blocks * block_size AS free FROM pragma_database_size() WHERE database_name = current_database()`,
    );
    return Number(row?.free ?? 0);
  }
}

/** Where compact() writes the new file: beside the database, so the rename is atomic. */
export function compactCopyPath(path: string): string {
  return `${path}.compact-${process.pid}`;
}

function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
