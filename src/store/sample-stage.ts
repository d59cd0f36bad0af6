import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { isStaleNaN } from './batch.js';

/**
 * A staging file of samples in Parquet, the one columnar format DuckDB reads in parallel without
 * an extension (read_parquet is built in). The loader writes samples here as they are parsed and
 * lets DuckDB insert whole files with all its threads, instead of pushing every row through the
 * single-threaded appender (docs/performance.md).
 *
 * Only what the staging file needs is written: three columns (series_id INT32, ts DOUBLE,
 * value DOUBLE OPTIONAL: NULL is the staleness marker), PLAIN encoding, no compression, one data
 * page per column per row group. Format: https://parquet.apache.org/docs/file-format/ and the
 * Thrift definitions in parquet-format's parquet.thrift (field ids below are from there).
 */

/** Rows per row group: DuckDB's own row group size, so each one read becomes one stored whole. */
export const STAGE_ROW_GROUP = 122_880;

if (endianness() !== 'LE') {
  // Parquet PLAIN values are little-endian and are written straight from typed arrays.
  throw new Error('trace-analyze needs a little-endian machine (Parquet staging of samples)');
}

/** Parquet physical types and encodings used here (parquet.thrift: Type, Encoding). */
const INT32 = 1;
const DOUBLE = 5;
const REQUIRED = 0;
const OPTIONAL = 1;
const PLAIN = 0;
const RLE = 3;

/** Thrift compact protocol field types. */
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

/** A writer of Thrift's compact protocol, enough for Parquet's page headers and footer. */
class Compact {
  readonly bytes: number[] = [];
  private lastField = 0;
  private readonly outer: number[] = [];

  private varint(n: number): void {
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }

  private zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  private field(id: number, type: number): void {
    const delta = id - this.lastField;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(id);
    }
    this.lastField = id;
  }

  i32(id: number, value: number): this {
    this.field(id, T_I32);
    this.zigzag(value);
    return this;
  }

  i64(id: number, value: number): this {
    this.field(id, T_I64);
    this.zigzag(value);
    return this;
  }

  string(id: number, value: string): this {
    this.field(id, T_BINARY);
    this.stringValue(value);
    return this;
  }

  private stringValue(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.varint(bytes.length);
    for (const b of bytes) this.bytes.push(b);
  }

  struct(id: number, body: (c: this) => void): this {
    this.field(id, T_STRUCT);
    this.structValue(body);
    return this;
  }

  private structValue(body: (c: this) => void): void {
    this.outer.push(this.lastField);
    this.lastField = 0;
    body(this);
    this.bytes.push(0); // STOP
    this.lastField = this.outer.pop()!;
  }

  private listHeader(id: number, type: number, size: number): void {
    this.field(id, T_LIST);
    if (size < 15) this.bytes.push((size << 4) | type);
    else {
      this.bytes.push(0xf0 | type);
      this.varint(size);
    }
  }

  i32List(id: number, values: number[]): this {
    this.listHeader(id, T_I32, values.length);
    for (const v of values) this.zigzag(v);
    return this;
  }

  stringList(id: number, values: string[]): this {
    this.listHeader(id, T_BINARY, values.length);
    for (const v of values) this.stringValue(v);
    return this;
  }

  structList<T>(id: number, items: T[], body: (c: this, item: T) => void): this {
    this.listHeader(id, T_STRUCT, items.length);
    for (const item of items) this.structValue((c) => body(c, item));
    return this;
  }

  /** A complete top-level struct. */
  static message(body: (c: Compact) => void): Buffer {
    const c = new Compact();
    c.structValue(body);
    return Buffer.from(c.bytes);
  }
}

interface ColumnChunkInfo {
  name: string;
  type: number;
  offset: number;
  size: number;
  values: number;
}

interface RowGroupInfo {
  rows: number;
  columns: ColumnChunkInfo[];
}

const COLUMNS = [
  { name: 'series_id', type: INT32, repetition: REQUIRED },
  { name: 'ts', type: DOUBLE, repetition: REQUIRED },
  { name: 'value', type: DOUBLE, repetition: OPTIONAL },
];

const MAGIC = Buffer.from('PAR1', 'latin1');

/**
 * One staging file: call append() with mapped sample columns, then close(). Rows are buffered
 * into row groups and written as each fills, so memory holds one row group whatever the size.
 */
export class SampleStageFile {
  private readonly fd: number;
  private position = 0;
  private readonly groups: RowGroupInfo[] = [];
  private readonly ids = new Int32Array(STAGE_ROW_GROUP);
  private readonly ts = new Float64Array(STAGE_ROW_GROUP);
  private readonly value = new Float64Array(STAGE_ROW_GROUP);
  private buffered = 0;
  /** Rows written or buffered so far. */
  rows = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
    this.write(MAGIC);
  }

  /** Appends rows; ts are integer milliseconds as doubles (the loader casts them to BIGINT in SQL). */
  append(ids: Int32Array, ts: Float64Array, value: Float64Array): void {
    const length = ids.length;
    let i = 0;
    while (i < length) {
      const n = Math.min(length - i, STAGE_ROW_GROUP - this.buffered);
      this.ids.set(ids.subarray(i, i + n), this.buffered);
      this.ts.set(ts.subarray(i, i + n), this.buffered);
      this.value.set(value.subarray(i, i + n), this.buffered);
      this.buffered += n;
      this.rows += n;
      i += n;
      if (this.buffered === STAGE_ROW_GROUP) this.flushGroup();
    }
  }

  /** Writes the last row group and the footer, and closes the file. */
  close(): void {
    try {
      if (this.buffered > 0) this.flushGroup();
      const footer = this.footer();
      const length = Buffer.alloc(4);
      length.writeUInt32LE(footer.length);
      this.write(footer);
      this.write(length);
      this.write(MAGIC);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes the file without completing it (the caller deletes it). */
  discard(): void {
    closeSync(this.fd);
  }

  private write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, null);
    this.position += bytes.length;
  }

  private flushGroup(): void {
    const rows = this.buffered;
    const columns = [
      this.column(COLUMNS[0]!.name, INT32, rows, null, bytesOf(this.ids, rows)),
      this.column(COLUMNS[1]!.name, DOUBLE, rows, null, bytesOf(this.ts, rows)),
      this.valueColumn(rows),
    ];
    this.groups.push({ rows, columns });
    this.buffered = 0;
  }

  /** The value column: stale markers become NULLs (definition level 0), everything else is kept bit for bit. */
  private valueColumn(rows: number): ColumnChunkInfo {
    const values = this.value;
    let firstStale = -1;
    for (let i = 0; i < rows; i++) {
      if (values[i] !== values[i] && isStaleNaN(values[i]!)) {
        firstStale = i;
        break;
      }
    }
    if (firstStale < 0)
      return this.column('value', DOUBLE, rows, definitionLevels([rows]), bytesOf(values, rows));
    // Runs of alternating present/null rows, starting with a present run (possibly empty).
    const runs: number[] = [];
    const present = new Float64Array(rows);
    let kept = 0;
    let run = 0;
    let inPresent = true;
    for (let i = 0; i < rows; i++) {
      const stale = values[i] !== values[i] && isStaleNaN(values[i]!);
      if (stale === inPresent) {
        runs.push(run);
        run = 0;
        inPresent = !inPresent;
      }
      run++;
      if (!stale) present[kept++] = values[i]!;
    }
    runs.push(run);
    return this.column('value', DOUBLE, rows, definitionLevels(runs), bytesOf(present, kept));
  }

  private column(
    name: string,
    type: number,
    rows: number,
    levels: Buffer | null,
    data: Uint8Array,
  ): ColumnChunkInfo {
    const pageSize = (levels?.length ?? 0) + data.length;
    const header = Compact.message((c) =>
      c
        .i32(1, 0) // DATA_PAGE
        .i32(2, pageSize)
        .i32(3, pageSize)
        .struct(5, (d) => d.i32(1, rows).i32(2, PLAIN).i32(3, RLE).i32(4, RLE)),
    );
    const offset = this.position;
    this.write(header);
    if (levels) this.write(levels);
    this.write(data);
    return { name, type, offset, size: this.position - offset, values: rows };
  }

  private footer(): Buffer {
    return Compact.message((c) =>
      c
        .i32(1, 1) // version
        .structList(2, [null, ...COLUMNS], (s, col) => {
          if (col === null) s.string(4, 'schema').i32(5, COLUMNS.length);
          else s.i32(1, col.type).i32(3, col.repetition).string(4, col.name);
        })
        .i64(3, this.rows)
        .structList(4, this.groups, (g, group) =>
          g
            .structList(1, group.columns, (cc, col) =>
              cc.i64(2, col.offset).struct(3, (m) =>
                m
                  .i32(1, col.type)
                  .i32List(2, [PLAIN, RLE])
                  .stringList(3, [col.name])
                  .i32(4, 0) // UNCOMPRESSED
                  .i64(5, col.values)
                  .i64(6, col.size)
                  .i64(7, col.size)
                  .i64(9, col.offset),
              ),
            )
            .i64(
              2,
              group.columns.reduce((sum, col) => sum + col.size, 0),
            )
            .i64(3, group.rows),
        )
        .string(6, 'trace-analyze sample staging'),
    );
  }
}

function bytesOf(array: Int32Array | Float64Array, length: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, length * array.BYTES_PER_ELEMENT);
}

/**
 * Definition levels of a data page v1 (bit width 1) in the RLE/bit-packing hybrid: a 4-byte
 * length, then one RLE run per entry of `runs`, alternating level 1 (present) and 0 (null).
 */
function definitionLevels(runs: number[]): Buffer {
  const bytes: number[] = [];
  runs.forEach((count, k) => {
    if (count === 0) return;
    let header = count * 2; // RLE run: (count << 1) | 0, as a varint
    while (header >= 0x80) {
      bytes.push((header % 0x80) | 0x80);
      header = Math.floor(header / 0x80);
    }
    bytes.push(header, k % 2 === 0 ? 1 : 0);
  });
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32LE(bytes.length);
  out.set(bytes, 4);
  return out;
}
