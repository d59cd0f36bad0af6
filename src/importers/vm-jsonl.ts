import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { SampleBuffer, emptySamples, type ImportBatch, type SeriesDef } from '../store/batch.js';
import { seriesKey } from '../store/loader.js';
import type { Importer } from './importer.js';
import { kindFromName } from './kind.js';
import { readLines } from './lines.js';
import type { Source } from './source.js';

/**
 * vm-jsonl: VictoriaMetrics `/api/v1/export` output, one JSON object per line:
 * `{"metric":{"__name__":"x",...},"values":[...],"timestamps":[ms,...]}`. NaN is written as
 * `null`, infinities as the strings "Infinity"/"-Infinity"; a long series may be split over
 * several lines (VictoriaMetrics exports one line per storage block), which are merged here.
 */
export const vmJsonl: Importer = {
  format: 'vm-jsonl',
  detect(source: Source): boolean {
    if (source.kind !== 'file') return false;
    const head = source.head.toString('utf8', 0, Math.min(source.head.length, 4096));
    return /^\uFEFF?\s*\{\s*"metric"\s*:\s*\{/.test(head) && /"(values|timestamps)"\s*:/.test(head);
  },
  async *parse(source: Source) {
    if (source.kind !== 'file') throw new Error('vm-jsonl reads files');
    const refs = new Map<string, number>();
    const samples = new SampleBuffer();
    let newSeries: SeriesDef[] = [];
    const take = (): ImportBatch => {
      const batch = { series: newSeries, samples: samples.length > 0 ? samples.take() : emptySamples() };
      newSeries = [];
      return batch;
    };
    for await (const { text, line } of readLines(source.path, source.open())) {
      if (text.trim() === '') continue;
      const fail = (detail: string, column?: number): never => {
        throw new InputError(source.path, { line, column }, detail);
      };
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch (e) {
        const at = /position (\d+)/.exec((e as Error).message);
        fail(msg.vmBadLine(msg.firstLine((e as Error).message)), at ? Number(at[1]) + 1 : undefined);
      }
      const { metric, values, timestamps } = (row ?? {}) as Record<string, unknown>;
      if (typeof metric !== 'object' || metric === null || Array.isArray(metric))
        fail(msg.vmBadLine('expected an object "metric"'));
      if (!Array.isArray(values) || !Array.isArray(timestamps))
        fail(msg.vmBadLine('expected arrays "values" and "timestamps"'));
      const vs = values as unknown[];
      const ts = timestamps as unknown[];
      if (vs.length !== ts.length) fail(msg.vmLengthMismatch(vs.length, ts.length));
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(metric as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(msg.vmBadLine(`label "${k}" is not a string`));
        labels[k] = v as string;
      }
      const name = labels.__name__ ?? '';
      delete labels.__name__;
      const key = seriesKey(name, labels);
      let ref = refs.get(key);
      if (ref === undefined) {
        ref = refs.size;
        refs.set(key, ref);
        newSeries.push({ ref, metric: name, labels, kind: kindFromName(name) });
      }
      for (let i = 0; i < vs.length; i++) {
        const t = ts[i];
        if (typeof t !== 'number' || !Number.isSafeInteger(t))
          fail(msg.vmBadLine(`timestamp ${JSON.stringify(t)} is not integer milliseconds`));
        samples.push(
          ref,
          t as number,
          vmValue(vs[i]) ?? fail(msg.vmBadLine(`value ${JSON.stringify(vs[i])} is not a number`)),
        );
        if (samples.full) yield take();
      }
    }
    if (refs.size === 0) throw new InputError(source.path, undefined, msg.textNoSamples());
    yield take();
  },
};

/** A VictoriaMetrics export value: a number, null for NaN, or an infinity spelled as a string. */
function vmValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (v === 'Infinity' || v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Infinity' || v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  return undefined;
}
