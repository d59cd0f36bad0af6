import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface PromSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

/** Reads a Prometheus API body with JSON.parse: the independent reading the importer is checked against. */
export function readPromBody(path: string): { resultType: string; result: PromSeries[] | [number, string] } {
  let raw = readFileSync(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  return (JSON.parse(raw.toString('utf8')) as { data: { resultType: string; result: PromSeries[] } }).data;
}

/** Prometheus' value strings to numbers, written out independently of the importer. */
export function promNumber(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return parseFloat(text);
}
