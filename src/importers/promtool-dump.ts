import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { STALE_NAN, SampleBuffer, emptySamples, type ImportBatch, type SeriesDef } from '../store/batch.js';
import { seriesKey } from '../store/loader.js';
import { LineSyntaxError, parseSampleLine, timestampMs } from './exposition.js';
import type { Importer } from './importer.js';
import { kindFromName } from './kind.js';
import { readLines } from './lines.js';
import type { Source } from './source.js';

/**
 * promtool-dump: what `promtool tsdb dump` prints, one sample per line,
 * `{__name__="x", a="b"} <value %g> <ms>` (Prometheus cmd/promtool/tsdb.go, dumpSamples), and
 * `promtool tsdb dump-openmetrics` (2.48+): `x{a="b"} <value %g> <seconds %.3f>` then `# EOF`.
 * Label values are Go-quoted. `%g` prints every NaN as "NaN", so a real NaN and a staleness
 * marker look the same; in a TSDB NaNs are almost always staleness markers, so both are read
 * as markers (stored as NULL) and counted in a warning.
 */
export const promtoolDump: Importer = {
  format: 'promtool-dump',
  detect(source: Source): boolean {
    if (source.kind !== 'file') return false;
    const head = source.head.toString('utf8', 0, Math.min(source.head.length, 8192));
    const lines = head.split('\n').slice(0, -1);
    const first = lines.find((l) => l.trim() !== '') ?? '';
    // Labels are sorted bytewise, so names such as "A" come before __name__.
    if (/^\{([a-zA-Z_]\w*="(?:[^"\\]|\\.)*", )*__name__="/.test(first)) return true;
    // dump-openmetrics: braces even without labels, %.3f seconds, no metadata lines.
    return (
      /^[a-zA-Z_:][a-zA-Z0-9_:]*\{.*\} \S+ -?\d+\.\d{3}$/.test(first) &&
      lines.every((l) => !l.startsWith('#') || l === '# EOF')
    );
  },
  async *parse(source: Source) {
    if (source.kind !== 'file') throw new Error('promtool-dump reads files');
    const refs = new Map<string, number>();
    const samples = new SampleBuffer();
    let newSeries: SeriesDef[] = [];
    let stale = 0;
    let histograms = 0;
    let eof = false;
    const take = (): ImportBatch => {
      const batch = { series: newSeries, samples: samples.length > 0 ? samples.take() : emptySamples() };
      newSeries = [];
      return batch;
    };
    for await (const { text, line } of readLines(source.path, source.open())) {
      if (text.trim() === '') continue;
      if (eof) throw new InputError(source.path, { line, column: 1 }, msg.textAfterEof());
      if (text === '# EOF') {
        eof = true;
        continue;
      }
      let sample;
      try {
        sample = parseSampleLine(text, true);
      } catch (e) {
        if (!(e instanceof LineSyntaxError)) throw e;
        // Newer promtool prints native histograms as `{labels} {count:..., sum:..., ...} <ms>`.
        if (/\}\s+\{count:/.test(text)) {
          histograms++;
          continue;
        }
        throw new InputError(source.path, { line, column: e.column }, e.message);
      }
      // The classic dump starts with `{__name__=...}` and writes ms; dump-openmetrics writes seconds.
      const ts =
        sample.timestamp === undefined ? undefined : timestampMs(sample.timestamp, !text.startsWith('{'));
      if (ts === undefined) {
        const column =
          sample.timestamp === undefined ? text.length + 1 : text.lastIndexOf(sample.timestamp) + 1;
        throw new InputError(source.path, { line, column }, msg.textBadTimestamp(sample.timestamp ?? ''));
      }
      const key = seriesKey(sample.name, sample.labels);
      let ref = refs.get(key);
      if (ref === undefined) {
        ref = refs.size;
        refs.set(key, ref);
        newSeries.push({ ref, metric: sample.name, labels: sample.labels, kind: kindFromName(sample.name) });
      }
      let value = sample.value;
      if (Number.isNaN(value)) {
        value = STALE_NAN;
        stale++;
      }
      samples.push(ref, ts, value);
      if (samples.full) yield take();
    }
    // `dump-openmetrics` of an empty range is `# EOF` alone: a dump of nothing, not a bad file.
    if (refs.size === 0 && !eof) throw new InputError(source.path, undefined, msg.textNoSamples());
    const last = take();
    const warnings: string[] = [];
    if (stale > 0) warnings.push(msg.dumpStaleMarkers(stale));
    if (histograms > 0) warnings.push(msg.dumpHistograms(histograms));
    if (warnings.length > 0) last.warnings = warnings;
    yield last;
  },
};
