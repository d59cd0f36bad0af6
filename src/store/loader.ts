import {
  BIGINT,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  type DuckDBAppender,
  type DuckDBBigIntVector,
  type DuckDBDoubleVector,
  type DuckDBIntegerVector,
} from '@duckdb/node-api';
import * as msg from '../base/messages.js';
import type { ImportBatch, ProcessRecord, SeriesDef } from './batch.js';
import { isStaleNaN } from './batch.js';
import type { TraceDatabase } from './database.js';
import { assignProcesses } from './processes.js';

const SAMPLE_TYPES = [INTEGER, BIGINT, DOUBLE];
/** DuckDB's standard vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

/**
 * The JS-side typed array behind a fixed-width vector (flush() copies it to the engine). It is a
 * private field of @duckdb/node-api, whose version is pinned exactly; test/store/loader tests
 * fail loudly if an upgrade renames it.
 */
function itemsOf<T>(vector: object): T {
  const items = (vector as { items?: T }).items;
  if (!items) throw new Error('@duckdb/node-api vectors no longer expose items; see src/store/loader.ts');
  return items;
}

export interface ImportMeta {
  deployment: string;
  /** The path as the user gave it (recorded in imports.path). */
  path: string;
  format: string;
  sha256: string;
  /** --pool: the pool of every process this import adds. */
  pool?: string;
  /** --pid-label: the label that carries a pid in series that belong to one process. */
  pidLabel?: string;
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
 * not at all. Identical content (same sha256) already imported into the deployment is a no-op.
 */
export async function loadImport(
  db: TraceDatabase,
  meta: ImportMeta,
  batches: AsyncIterable<ImportBatch>,
): Promise<ImportResult> {
  const previous = await db.rows(
    `SELECT import_id FROM imports WHERE deployment = $d AND sha256 = $h ORDER BY import_id LIMIT 1`,
    { d: meta.deployment, h: meta.sha256 },
  );
  if (previous.length > 0) return { status: 'noop', importId: Number(previous[0]!.import_id) };

  return db.transaction(async () => {
    const writer = await ImportWriter.begin(db, meta);
    for await (const batch of batches) await writer.add(batch);
    return writer.finish();
  });
}

/** Writes one import; only used inside loadImport's transaction. */
class ImportWriter {
  private readonly seriesIds = new Map<number, number>();
  private readonly touched = new Set<number>();
  private readonly preexisting = new Set<number>();
  private readonly newSeries: { id: number; def: SeriesDef }[] = [];
  private readonly processes = new Map<string, ProcessRecord>();
  private readonly warnings: string[] = [];
  private samples = 0;

  private constructor(
    private readonly db: TraceDatabase,
    private readonly meta: ImportMeta,
    private readonly importId: number,
    private readonly existing: Map<string, number>,
    private nextSeriesId: number,
    private readonly appender: DuckDBAppender,
  ) {}

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
    const appender = await db.connection.createAppender('samples');
    return new ImportWriter(db, meta, Number(ids!.import_id), existing, Number(ids!.series_id), appender);
  }

  async add(batch: ImportBatch): Promise<void> {
    for (const def of batch.series) this.declare(def);
    for (const p of batch.processes ?? []) this.mergeProcess(p);
    if (batch.warnings) this.warnings.push(...batch.warnings);
    const { ref, ts, value, length } = batch.samples;
    // Samples reach DuckDB as data chunks of the engine's vector size, written straight into the
    // vectors' typed arrays: a handful of native calls per 2048 rows instead of four per row.
    for (let start = 0; start < length; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, length - start);
      const chunk = DuckDBDataChunk.create(SAMPLE_TYPES, rows);
      const ids = chunk.getColumnVector(0) as DuckDBIntegerVector;
      const times = chunk.getColumnVector(1) as DuckDBBigIntVector;
      const values = chunk.getColumnVector(2) as DuckDBDoubleVector;
      const idItems = itemsOf<Int32Array>(ids);
      const timeItems = itemsOf<BigInt64Array>(times);
      const valueItems = itemsOf<Float64Array>(values);
      const timeWords = new Uint32Array(timeItems.buffer, timeItems.byteOffset, rows * 2);
      valueItems.set(value.subarray(start, start + rows));
      for (let i = 0; i < rows; i++) {
        const id = this.seriesIds.get(ref[start + i]!);
        if (id === undefined)
          throw new Error(`importer bug: sample names undeclared series ref ${ref[start + i]}`);
        idItems[i] = id;
        const t = ts[start + i]!;
        if (t >= 0 && t < 2 ** 53) {
          // Little-endian int64 from two 32-bit words, without a BigInt per row.
          timeWords[2 * i] = t % 4294967296;
          timeWords[2 * i + 1] = Math.floor(t / 4294967296);
        } else {
          // BigInt64Array would silently wrap a value beyond int64: importers must check their range.
          if (!Number.isSafeInteger(t))
            throw new Error(`importer bug: timestamp ${t} is not an integer of ms`);
          timeItems[i] = BigInt(t);
        }
        if (Number.isNaN(valueItems[i]!) && isStaleNaN(valueItems[i]!)) values.setItem(i, null);
      }
      for (const id of new Set(idItems)) this.touched.add(id);
      ids.flush();
      times.flush();
      values.flush();
      this.appender.appendDataChunk(chunk);
    }
    this.samples += length;
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

  async finish(): Promise<ImportResult> {
    this.appender.flushSync();
    this.appender.closeSync();
    await this.writeSeries();
    await this.writeProcesses();
    await assignProcesses(this.db, {
      deployment: this.meta.deployment,
      importId: this.importId,
      pidLabel: this.meta.pidLabel,
      pool: this.meta.pool,
    });
    if (this.preexisting.size > 0) await this.checkDuplicates();
    await this.db.run(
      `INSERT INTO imports VALUES ($id, $deployment, $path, $format, $sha, $series, $samples, now()::TIMESTAMP, $warnings::VARCHAR[])`,
      {
        id: this.importId,
        deployment: this.meta.deployment,
        path: this.meta.path,
        format: this.meta.format,
        sha: this.meta.sha256,
        series: this.touched.size,
        samples: this.samples,
        warnings: JSON.stringify(this.warnings),
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
                  start_ts = coalesce(start_ts, $start), pid = $pid, pool = coalesce($pool, pool)
           WHERE deployment = $d AND process_key = $k`,
          params,
        );
      }
    }
  }

  /** Samples appended to a series that already had samples may repeat timestamps: say so. */
  private async checkDuplicates(): Promise<void> {
    const ids = [...this.preexisting].join(',');
    const [row] = await this.db.rowsJS(
      `SELECT count(*)::INTEGER AS n FROM (
         SELECT series_id, ts FROM samples WHERE series_id IN (${ids}) GROUP BY series_id, ts HAVING count(*) > 1)`,
    );
    const n = Number(row?.n ?? 0);
    if (n > 0) this.warnings.push(msg.duplicateSamples(n));
  }
}
