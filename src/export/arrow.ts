import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type {
  DuckDBDataChunk,
  DuckDBListType,
  DuckDBMapType,
  DuckDBResult,
  DuckDBType,
} from '@duckdb/node-api';
import {
  Bool,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  TimestampMicrosecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeBuilder,
  makeData,
  type DataType,
} from 'apache-arrow';
import { cellText, toCell } from '../base/table.js';
import { duckdb } from '../store/duckdb.js';

// DuckDB's classes from the one copy every module loads (src/store/duckdb.ts): `instanceof`
// against another copy's classes would fail.
const { DuckDBTimestampValue, DuckDBTypeId, JSDuckDBValueConverter } = duckdb;

/**
 * Writes a DuckDB result as an Arrow IPC file (the "Feather v2" file format pyarrow.feather,
 * polars.read_ipc and apache-arrow's tableFromIPC read), one record batch per DuckDB chunk.
 * Types map one to one where Arrow has them (timestamps keep DuckDB's microseconds); anything
 * else (DECIMAL, INTERVAL, STRUCT, ...) is written as its text.
 */
export async function writeArrow(result: DuckDBResult, path: string): Promise<number> {
  const names = result.columnNames();
  const duckTypes = result.columnTypes();
  const schema = new Schema(names.map((n, i) => new Field(n, arrowType(duckTypes[i]!), true)));
  const writer = new RecordBatchFileWriter();
  const written = pipeline(writer.toNodeStream(), createWriteStream(path));
  let rows = 0;
  let wroteBatch = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    writer.write(toBatch(chunk, schema, duckTypes));
    rows += chunk.rowCount;
    wroteBatch = true;
  }
  if (!wroteBatch) writer.write(emptyBatch(schema));
  writer.finish();
  await written;
  return rows;
}

function arrowType(type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
      return new Int8();
    case DuckDBTypeId.SMALLINT:
      return new Int16();
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.UTINYINT:
      return new Uint8();
    case DuckDBTypeId.USMALLINT:
      return new Uint16();
    case DuckDBTypeId.UINTEGER:
      return new Uint32();
    case DuckDBTypeId.UBIGINT:
      return new Uint64();
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
      return new Float64();
    case DuckDBTypeId.TIMESTAMP:
      return new TimestampMicrosecond();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMicrosecond('UTC');
    case DuckDBTypeId.LIST:
      return new List(new Field('item', arrowType((type as DuckDBListType).valueType), true));
    case DuckDBTypeId.MAP: {
      const map = type as DuckDBMapType;
      const entries = new Struct([
        new Field('key', arrowType(map.keyType), false),
        new Field('value', arrowType(map.valueType), true),
      ]);
      return new Map_(new Field('entries', entries, false));
    }
    default:
      return new Utf8();
  }
}

function toBatch(chunk: DuckDBDataChunk, schema: Schema, duckTypes: DuckDBType[]): RecordBatch {
  const children = schema.fields.map((field, i) => {
    const duckType = duckTypes[i]!;
    if (field.type instanceof TimestampMicrosecond)
      return timestampData(chunk.getColumnValues(i), field.type);
    const values = chunk.convertColumnValues(i, JSDuckDBValueConverter);
    const builder = makeBuilder({ type: field.type, nullValues: [null, undefined] });
    for (const v of values) builder.append(arrowValue(v, field.type, String(duckType)));
    return builder.finish().flush();
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: chunk.rowCount, children }),
  );
}

function emptyBatch(schema: Schema): RecordBatch {
  const children = schema.fields.map((f) => makeBuilder({ type: f.type }).finish().flush());
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 0, children }));
}

/** Timestamps go in as DuckDB's own microseconds (a JS Date would drop them). */
function timestampData(values: readonly unknown[], type: TimestampMicrosecond) {
  const micros = new BigInt64Array(values.length);
  const valid = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v instanceof DuckDBTimestampValue) {
      micros[i] = v.micros;
      valid[i >> 3]! |= 1 << (i & 7);
    } else nulls++;
  });
  return makeData({ type, length: values.length, nullCount: nulls, nullBitmap: valid, data: micros });
}

/** A value from DuckDB's JS converter in the shape Arrow's builders take. */
function arrowValue(value: unknown, type: DataType, duckType: string): unknown {
  if (value === null || value === undefined) return null;
  if (type instanceof Map_) {
    const entries = value as { key: unknown; value: unknown }[];
    const [keyType, valueType] = type.children[0]!.type.children.map((c: Field) => c.type);
    return new Map(entries.map((e) => [arrowValue(e.key, keyType, ''), arrowValue(e.value, valueType, '')]));
  }
  if (type instanceof List) return (value as unknown[]).map((v) => arrowValue(v, type.children[0]!.type, ''));
  if (type instanceof Utf8 && typeof value !== 'string') return cellText(toCell(value, duckType));
  return value;
}
