import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type DuckDBAppender } from '@duckdb/node-api';
import * as msg from '../base/messages.js';
import { readSql } from '../base/sql-files.js';
import type { ImportBatch, ProcessRecord, SeriesDef } from './batch.js';
import type { TraceDatabase } from './database.js';
import { assignProcesses } from './processes.js';
import { SampleStageFile, STAGE_ROW_GROUP } from './sample-stage.js';
import { SeriesIntervals } from './series-intervals.js';
import { SeriesStats } from './series-stats.js';

const INSERT_STAGE_SQL = readSql('store/insert-stage.sql');
const REPEATED_SAMPLES_SQL = readSql('store/repeated-samples.sql');
/**
 * Rows per staging file. DuckDB inserts one file (on its own threads) while the importer parses
 * the next, so parsing and inserting overlap; the last file is the part that does not.
 */
export const STAGE_FILE_ROWS = 8 * STAGE_ROW_GROUP;

export interface ImportMeta {
  deployment: string;
  /** The path as the user gave it (recorded in imports.path). */
  path: string;
  format: string;
  /**
   * sha256 of the content, or its promise: a large file is hashed on another thread while the
   * import goes on, and the import turns into a no-op as soon as the hash names an earlier one.
   */
  sha256: string | Promise<string>;
  /** --pool: the pool of every process this import adds. */
  pool?: string;
  /** --pid-label: the label that carries a pid in series that belong to one process. */
  pidLabel?: string;
  /**
   * --start (unix ms) when the format places its samples by it: part of the import's identity,
   * so the same bytes at another start are another import.
   */
  start?: number;
  /** Aborted (Ctrl-C): the import stops at the next batch and rolls back. */
  signal?: AbortSignal;
}

export type ImportResult =
  | { status: 'imported'; importId: number; series: number; samples: number; warnings: string[] }
  | { status: 'noop'; importId: number };

/** Identity of a series inside a deployment: metric plus sorted labels. */
export function seriesKey(metric: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  let key = metric;
  for (const k of keys) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}

/**
 * Loads one import's batches into the database in a single transaction: it lands whole or
 * not at all. Identical content (same sha256 and --start) already imported into the deployment
 * is a no-op.
 */
export async function loadImport(
  db: TraceDatabase,
  meta: ImportMeta,
  batches: AsyncIterable<ImportBatch>,
): Promise<ImportResult> {
  if (typeof meta.sha256 === 'string') {
    const previous = await previousImport(db, meta, meta.sha256);
    if (previous !== undefined) return { status: 'noop', importId: previous };
  }
  meta.signal?.throwIfAborted();
  try {
    return await db.transaction(async () => {
      const writer = await ImportWriter.begin(db, meta);
      try {
        for await (const batch of batches) {
          meta.signal?.throwIfAborted();
          await writer.add(batch);
        }
        meta.signal?.throwIfAborted();
        return await writer.finish();
      } finally {
        await writer.cleanUp();
      }
    });
  } catch (e) {
    if (e instanceof AlreadyImported) return { status: 'noop', importId: e.importId };
    throw e;
  }
}

async function previousImport(
  db: TraceDatabase,
  meta: ImportMeta,
  sha256: string,
): Promise<number | undefined> {
  const rows = await db.rows(
    `SELECT import_id FROM imports
     WHERE deployment = $d AND sha256 = $h AND start_ts IS NOT DISTINCT FROM $s
     ORDER BY import_id LIMIT 1`,
    { d: meta.deployment, h: sha256, s: meta.start ?? null },
  );
  return rows.length > 0 ? Number(rows[0]!.import_id) : undefined;
}

/** An earlier import of the same bytes into the deployment at another --start (or none). */
async function otherPlacement(
  db: TraceDatabase,
  meta: ImportMeta,
  sha256: string,
): Promise<number | undefined> {
  const rows = await db.rows(
    `SELECT import_id FROM imports WHERE deployment = $d AND sha256 = $h ORDER BY import_id LIMIT 1`,
    { d: meta.deployment, h: sha256 },
  );
  return rows.length > 0 ? Number(rows[0]!.import_id) : undefined;
}

/** Thrown inside the transaction when the content turns out to be imported already: rolls back to a no-op. */
class AlreadyImported extends Error {
  constructor(readonly importId: number) {
    super(`already imported as import ${importId}`);
  }
}

/** Refs below this are mapped to series ids through a dense array; others through a Map. */
const DENSE_REFS = 1 << 22;

/** Writes one import; only used inside loadImport's transaction. */
class ImportWriter {
  private readonly seriesIds = new Map<number, number>();
  /** seriesIds for small refs (0 = not declared; series ids start at 1). */
  private idByRef = new Int32Array(1024);
  private ids = new Int32Array(0);
  private readonly touched = new Set<number>();
  private readonly preexisting = new Set<number>();
  private readonly newSeries: { id: number; def: SeriesDef }[] = [];
  private readonly processes = new Map<string, ProcessRecord>();
  private readonly warnings: string[] = [];
  private readonly stats = new SeriesStats();
  private readonly intervals = new SeriesIntervals();
  private samples = 0;
  /** Per series id: the latest time among this import's samples (NaN: none yet). */
  private latestTs = new Float64Array(0);
  /** Series with a sample that arrived before its latest time: repeats among them are found in SQL. */
  private readonly outOfOrder = new Set<number>();
  /** Samples dropped as they arrived: at the latest time their series already had. */
  private repeatsDropped = 0;
  private stageDir: string | null = null;
  private stage: SampleStageFile | null = null;
  private stageFiles = 0;
  /** The INSERT of the last staging file handed to DuckDB (one at a time on the connection). */
  private inserting: Promise<void> = Promise.resolve();
  /** The content hash once known, and whether the no-op check has run on it. */
  private sha256: string | null = null;
  private sha256Checked = false;

  private constructor(
    private readonly db: TraceDatabase,
    private readonly meta: ImportMeta,
    private readonly importId: number,
    private readonly existing: Map<string, number>,
    private nextSeriesId: number,
    /** The last rowid of samples before this import: the import's own rows come after it. */
    private readonly rowsBefore: bigint,
  ) {
    if (typeof meta.sha256 === 'string') {
      this.sha256 = meta.sha256;
      this.sha256Checked = true; // loadImport checked it before the transaction
    } else {
      meta.sha256.then(
        (hex) => (this.sha256 = hex),
        () => undefined, // reported by finish(), which awaits it
      );
    }
  }

  static async begin(db: TraceDatabase, meta: ImportMeta): Promise<ImportWriter> {
    const [ids] = await db.rowsJS(
      `SELECT (SELECT coalesce(max(import_id), 0) + 1 FROM imports) AS import_id,
              (SELECT coalesce(max(series_id), 0) + 1 FROM series) AS series_id`,
    );
    const existing = new Map<string, number>();
    const rows = await db.rowsJS(
      `SELECT series_id, metric, map_keys(labels) AS k, map_values(labels) AS v FROM series WHERE deployment = $d`,
      { d: meta.deployment },
    );
    for (const r of rows) {
      const keys = r.k as string[];
      const values = r.v as string[];
      const labels: Record<string, string> = {};
      keys.forEach((k, i) => (labels[k] = values[i]!));
      existing.set(seriesKey(r.metric as string, labels), Number(r.series_id));
    }
    // Only a deployment that has series can have samples this import repeats; a scan of the
    // rowids (about 0.1 s at 20M samples) is paid only then. A new series' rows are all this import's.
    let rowsBefore = -1n;
    if (existing.size > 0) {
      const [row] = await db.rows(`SELECT coalesce(max(rowid), -1)::BIGINT AS r FROM samples`);
      rowsBefore = row!.r as bigint;
    }
    return new ImportWriter(db, meta, Number(ids!.import_id), existing, Number(ids!.series_id), rowsBefore);
  }

  /**
   * Samples go to Parquet staging files that DuckDB inserts with all its threads while the
   * importer goes on parsing (src/store/sample-stage.ts, docs/performance.md).
   */
  async add(batch: ImportBatch): Promise<void> {
    if (!this.sha256Checked && this.sha256 !== null) await this.checkNotImported(this.sha256);
    for (const def of batch.series) this.declare(def);
    for (const p of batch.processes ?? []) this.mergeProcess(p);
    if (batch.warnings) this.warnings.push(...batch.warnings);
    const { ts, value } = batch.samples;
    const length = this.keepFirstAtEachTime(
      this.seriesIdsOf(batch.samples.ref, ts, batch.samples.length),
      ts,
      value,
      batch.samples.length,
    );
    const ids = this.ids.subarray(0, length);
    this.stats.add(ids, ts.subarray(0, length), value.subarray(0, length));
    this.intervals.add(ids, ts.subarray(0, length), value.subarray(0, length));
    let i = 0;
    while (i < length) {
      const stage = this.stage ?? this.openStage();
      const n = Math.min(length - i, STAGE_FILE_ROWS - stage.rows);
      stage.append(ids.subarray(i, i + n), ts.subarray(i, i + n), value.subarray(i, i + n));
      i += n;
      if (stage.rows === STAGE_FILE_ROWS) await this.insertStage();
    }
    this.samples += length;
  }

  /** Series ids of the samples' refs; also checks the timestamps (ms as integers: BIGINT in SQL). */
  private seriesIdsOf(ref: Int32Array, ts: Float64Array, length: number): Int32Array {
    if (this.ids.length < length) this.ids = new Int32Array(length);
    const ids = this.ids;
    const dense = this.idByRef;
    for (let i = 0; i < length; i++) {
      // Importers must check their range; a cast to BIGINT would round or fail without naming the input.
      if (!Number.isSafeInteger(ts[i]!))
        throw new Error(`importer bug: timestamp ${ts[i]} is not an integer of ms`);
      const r = ref[i]!;
      let id = r >= 0 && r < dense.length ? dense[r]! : 0;
      if (id === 0) {
        const found = this.seriesIds.get(r);
        if (found === undefined) throw new Error(`importer bug: sample names undeclared series ref ${r}`);
        id = found;
      }
      ids[i] = id;
    }
    return ids.subarray(0, length);
  }

  /**
   * Prometheus keeps the first sample at a time (tsdb/head_append.go, memSeries.appendable: a
   * sample at the series' latest time is a duplicate, dropped unless identical, which is a
   * no-op). A sample at its series' latest time in this import is dropped here, compacting the
   * columns in place; the count that remains is returned. A sample before the latest time marks
   * its series for the check in SQL at the end (finish: repeated-samples.sql).
   */
  private keepFirstAtEachTime(
    ids: Int32Array,
    ts: Float64Array,
    value: Float64Array,
    length: number,
  ): number {
    let latest = this.latestTs;
    let n = 0;
    for (let i = 0; i < length; i++) {
      const id = ids[i]!;
      if (id >= latest.length) {
        const grown = new Float64Array(Math.max(id + 1, latest.length * 2, 1024)).fill(NaN);
        grown.set(latest);
        latest = this.latestTs = grown;
      }
      const t = ts[i]!;
      const last = latest[id]!;
      if (t === last) {
        this.repeatsDropped++;
        continue;
      }
      if (t > last || last !== last) latest[id] = t;
      else this.outOfOrder.add(id);
      if (n !== i) {
        ids[n] = id;
        ts[n] = t;
        value[n] = value[i]!;
      }
      n++;
    }
    return n;
  }

  private openStage(): SampleStageFile {
    this.stageDir ??= mkdtempSync(join(stageParent(this.db.path), `.${basename(this.db.path)}.import-`));
    this.stage = new SampleStageFile(join(this.stageDir, `samples-${++this.stageFiles}.parquet`));
    return this.stage;
  }

  /** Completes the open staging file and hands it to DuckDB once the previous one is in. */
  private async insertStage(): Promise<void> {
    const stage = this.stage!;
    this.stage = null;
    stage.close();
    await this.inserting;
    const insert = this.db
      .run(INSERT_STAGE_SQL, { path: stage.path })
      .finally(() => rmSync(stage.path, { force: true }));
    insert.catch(() => undefined); // awaited later; this only keeps it from counting as unhandled
    this.inserting = insert;
  }

  /** Removes staging files whatever happened; waits for DuckDB to be done with them first. */
  async cleanUp(): Promise<void> {
    this.stage?.discard();
    this.stage = null;
    await this.inserting.catch(() => undefined);
    if (this.stageDir) rmSync(this.stageDir, { recursive: true, force: true });
    this.stageDir = null;
  }

  private declare(def: SeriesDef): void {
    if (this.seriesIds.has(def.ref)) throw new Error(`importer bug: series ref ${def.ref} declared twice`);
    const key = seriesKey(def.metric, def.labels);
    let id = this.existing.get(key);
    if (id === undefined) {
      id = this.nextSeriesId++;
      this.existing.set(key, id);
      this.newSeries.push({ id, def });
    } else if (!this.newSeries.some((s) => s.id === id)) {
      this.preexisting.add(id);
    }
    this.seriesIds.set(def.ref, id);
    if (def.ref >= 0 && def.ref < DENSE_REFS) {
      if (def.ref >= this.idByRef.length) {
        const grown = new Int32Array(Math.min(DENSE_REFS, Math.max(def.ref + 1, this.idByRef.length * 2)));
        grown.set(this.idByRef);
        this.idByRef = grown;
      }
      this.idByRef[def.ref] = id;
    }
    this.touched.add(id);
  }

  private mergeProcess(p: ProcessRecord): void {
    const known = this.processes.get(p.processKey);
    if (!known) {
      this.processes.set(p.processKey, { ...p });
      return;
    }
    known.firstSeen = Math.min(known.firstSeen, p.firstSeen);
    known.lastSeen = Math.max(known.lastSeen, p.lastSeen);
    known.ppid ??= p.ppid;
    known.comm ??= p.comm;
    known.cmdline ??= p.cmdline;
  }

  /** Ends the import as a no-op when identical content is already in the deployment. */
  private async checkNotImported(sha256: string): Promise<void> {
    this.sha256Checked = true;
    await this.inserting; // one statement at a time on the connection
    const previous = await previousImport(this.db, this.meta, sha256);
    if (previous !== undefined) throw new AlreadyImported(previous);
  }

  async finish(): Promise<ImportResult> {
    const sha256 = await this.meta.sha256;
    if (!this.sha256Checked) await this.checkNotImported(sha256);
    if (this.stage) await this.insertStage();
    await this.inserting;
    await this.writeSeries();
    await this.stats.write(this.db.connection);
    await this.intervals.write(this.db.connection);
    await this.dropRepeatedSamples();
    await this.writeProcesses();
    await assignProcesses(this.db, {
      deployment: this.meta.deployment,
      importId: this.importId,
      pidLabel: this.meta.pidLabel,
      pool: this.meta.pool,
    });
    const placed = await otherPlacement(this.db, this.meta, sha256);
    if (placed !== undefined) this.warnings.push(msg.importOtherStart(placed, this.meta.deployment));
    // A well-formed input that holds nothing (an exposition of no metrics, an empty query result)
    // lands, so the import is on record; the warning keeps it from passing for data.
    if (this.samples === 0) this.warnings.push(msg.importNoSamples());
    await this.db.run(
      `INSERT INTO imports (import_id, deployment, path, format, sha256, series, samples, imported_at, warnings, start_ts)
       VALUES ($id, $deployment, $path, $format, $sha, $series, $samples, now()::TIMESTAMP, $warnings::VARCHAR[], $start)`,
      {
        id: this.importId,
        deployment: this.meta.deployment,
        path: this.meta.path,
        format: this.meta.format,
        sha: sha256,
        series: this.touched.size,
        samples: this.samples,
        warnings: JSON.stringify(this.warnings),
        start: this.meta.start ?? null,
      },
    );
    return {
      status: 'imported',
      importId: this.importId,
      series: this.touched.size,
      samples: this.samples,
      warnings: this.warnings,
    };
  }

  /** New series go through two staging tables so labels become a MAP in one set-based statement. */
  private async writeSeries(): Promise<void> {
    if (this.newSeries.length === 0) return;
    const c = this.db.connection;
    await c.run(`CREATE OR REPLACE TEMP TABLE stage_series (series_id INTEGER, metric VARCHAR, kind VARCHAR,
                   unit VARCHAR, help VARCHAR, process_key VARCHAR)`);
    await c.run(
      `CREATE OR REPLACE TEMP TABLE stage_labels (series_id INTEGER, pos INTEGER, key VARCHAR, value VARCHAR)`,
    );
    const s = await c.createAppender('stage_series', 'main', 'temp');
    const l = await c.createAppender('stage_labels', 'main', 'temp');
    const text = (a: DuckDBAppender, v: string | null | undefined) =>
      v == null ? a.appendNull() : a.appendVarchar(v);
    for (const { id, def } of this.newSeries) {
      s.appendInteger(id);
      s.appendVarchar(def.metric);
      s.appendVarchar(def.kind);
      text(s, def.unit);
      text(s, def.help);
      text(s, def.processKey);
      s.endRow();
      Object.keys(def.labels)
        .sort()
        .forEach((k, pos) => {
          l.appendInteger(id);
          l.appendInteger(pos);
          l.appendVarchar(k);
          l.appendVarchar(def.labels[k]!);
          l.endRow();
        });
    }
    s.closeSync();
    l.closeSync();
    await this.db.run(
      `INSERT INTO series
       SELECT s.series_id, $deployment, s.metric,
              coalesce((SELECT map_from_entries(list({'key': key, 'value': value} ORDER BY pos))
                        FROM temp.stage_labels l WHERE l.series_id = s.series_id), MAP {}),
              s.kind, s.unit, s.help, s.process_key, $import
       FROM temp.stage_series s ORDER BY s.series_id`,
      { deployment: this.meta.deployment, import: this.importId },
    );
    await c.run(`DROP TABLE temp.stage_series; DROP TABLE temp.stage_labels`);
  }

  private async writeProcesses(): Promise<void> {
    for (const p of this.processes.values()) {
      const params = {
        d: this.meta.deployment,
        k: p.processKey,
        pid: p.pid,
        ppid: p.ppid,
        comm: p.comm,
        cmdline: p.cmdline,
        start: p.startTs,
        first: p.firstSeen,
        last: p.lastSeen,
        pool: this.meta.pool ?? null,
      };
      const found = await this.db.rows(`SELECT 1 FROM processes WHERE deployment = $d AND process_key = $k`, {
        d: params.d,
        k: params.k,
      });
      if (found.length === 0) {
        await this.db.run(
          `INSERT INTO processes (deployment, process_key, pid, ppid, comm, cmdline, start_ts, first_seen, last_seen, pool)
           VALUES ($d, $k, $pid, $ppid, $comm, $cmdline, $start, $first, $last, $pool)`,
          params,
        );
      } else {
        await this.db.run(
          `UPDATE processes SET first_seen = least(first_seen, $first), last_seen = greatest(last_seen, $last),
                  ppid = coalesce(ppid, $ppid), comm = coalesce(comm, $comm), cmdline = coalesce(cmdline, $cmdline),
                  start_ts = CASE WHEN $exact THEN coalesce($start, start_ts) ELSE coalesce(start_ts, $start) END,
                  pid = $pid, pool = coalesce($pool, pool)
           WHERE deployment = $d AND process_key = $k`,
          { ...params, exact: p.startExact === true },
        );
      }
    }
  }

  /**
   * Repeats the stream could not see (keepFirstAtEachTime): in series that had samples before
   * this import, and in series whose samples came out of time order. Drops them in SQL, keeping
   * the first, and says how many repeats the import had in all.
   */
  private async dropRepeatedSamples(): Promise<void> {
    const scope = new Set([...this.preexisting, ...this.outOfOrder]);
    let dropped = 0;
    let ofEarlier = 0;
    if (scope.size > 0) {
      const c = this.db.connection;
      await c.run(`CREATE OR REPLACE TEMP TABLE repeat_scope (series_id INTEGER, before BIGINT)`);
      const a = await c.createAppender('repeat_scope', 'main', 'temp');
      for (const id of scope) {
        a.appendInteger(id);
        a.appendBigInt(this.rowsBefore);
        a.endRow();
      }
      a.closeSync();
      await c.run(REPEATED_SAMPLES_SQL);
      const [row] = await this.db.rowsJS(
        `SELECT count(*)::INTEGER AS n, (count(*) FILTER (WHERE of_earlier))::INTEGER AS e FROM temp.repeated_samples`,
      );
      dropped = Number(row!.n);
      ofEarlier = Number(row!.e);
      await c.run(`DROP TABLE temp.repeated_samples; DROP TABLE temp.repeat_scope`);
    }
    this.samples -= dropped;
    const repeats = this.repeatsDropped + dropped;
    if (repeats > 0) this.warnings.push(msg.repeatedSamples(repeats, ofEarlier));
  }
}

/**
 * Staging files go next to the database (as DuckDB's own .wal and .tmp do), so nothing is written
 * outside the paths the user gave; an in-memory database, or a folder whose name read_parquet
 * would take for a glob pattern, uses the system temp folder instead.
 */
function stageParent(dbPath: string): string {
  const dir = dirname(dbPath);
  return dbPath === ':memory:' || /[*?[]/.test(dir) ? tmpdir() : dir;
}
