import { basename, join } from 'node:path';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import {
  SampleBuffer,
  emptySamples,
  type ImportBatch,
  type MetricKind,
  type SeriesDef,
} from '../store/batch.js';
import { seriesKey } from '../store/loader.js';
import { LineSyntaxError, parseSampleLine, timestampMs } from './exposition.js';
import type { ImportContext, Importer } from './importer.js';
import { kindFromName } from './kind.js';
import { readLines } from './lines.js';
import { openSource, type FileSource, type Source } from './source.js';

/**
 * prom-text: Prometheus text exposition 0.0.4 and OpenMetrics 1.0, one scrape per file (what
 * `curl host:port/metrics` saves), or a folder of such files imported as one.
 * A sample's time is its own timestamp, else the file name as unix ms, else --start.
 */
export const promText: Importer = {
  format: 'prom-text',
  readsStart: true,
  detect(source: Source): boolean {
    if (source.kind === 'dir') return isScrapeFolder(source.entries);
    return looksLikeExposition(source.head);
  },
  async *parse(source: Source, context: ImportContext) {
    const files: FileSource[] = [];
    if (source.kind === 'file') files.push(source);
    else {
      const names = source.entries.filter((e) => !e.startsWith('.'));
      names.sort((a, b) => (fileNameMs(a) ?? 0) - (fileNameMs(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
      for (const name of names) {
        const inner = await openSource(join(source.path, name));
        if (inner.kind === 'file') files.push(inner);
      }
    }
    const reader = new ScrapeReader(context);
    for (const file of files) yield* reader.readFile(file);
  },
};

const SCRAPE_NAME = /^(\d{12,14}\.(txt|metrics)|.+\.(prom|om))(\.gz)?$/;

/**
 * A folder of scrapes: every visible entry named like a scrape file (`*.prom`, `*.om`, or a
 * unix-ms name with .txt/.metrics). Bare unix-ms names are /proc snapshot folders, not scrapes.
 */
function isScrapeFolder(entries: string[]): boolean {
  const visible = entries.filter((e) => !e.startsWith('.'));
  return visible.length > 0 && visible.every((e) => SCRAPE_NAME.test(e));
}

/** A unix-ms time from a file name such as `1795793149305.prom` (optionally .gz), or undefined. */
export function fileNameMs(path: string): number | undefined {
  const m = /^(\d{12,14})(\.\w+)?(\.gz)?$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

function looksLikeExposition(head: Buffer): boolean {
  const text = head.toString('utf8', 0, Math.min(head.length, 8192)).replace(/^\uFEFF/, '');
  for (const raw of text.split('\n').slice(0, 50)) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (/^# (HELP|TYPE|UNIT) [a-zA-Z_:]/.test(line) || line === '# EOF') return true;
    if (line.startsWith('#')) continue;
    // A sample line that starts with a metric name (promtool's dump starts with "{").
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*[{ \t]/.test(line)) return false;
    try {
      parseSampleLine(line);
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

interface Family {
  type?: string;
  help?: string;
  unit?: string;
}

const TYPES = new Set([
  'counter',
  'gauge',
  'histogram',
  'summary',
  'untyped',
  'unknown',
  'gaugehistogram',
  'info',
  'stateset',
]);
const OPENMETRICS_ONLY =
  /(^|\n)# (UNIT [a-zA-Z_:]|TYPE \S+ (unknown|gaugehistogram|info|stateset)\b|EOF\s*$)/;
const SUFFIXES = ['_total', '_created', '_count', '_sum', '_bucket', '_gcount', '_gsum', '_info'];

/** Reads scrape files one after another into one import; series are shared across files. */
class ScrapeReader {
  private readonly refs = new Map<string, number>();
  private readonly samples = new SampleBuffer();
  private newSeries: SeriesDef[] = [];

  constructor(private readonly context: ImportContext) {}

  async *readFile(file: FileSource): AsyncGenerator<ImportBatch> {
    const head = file.head.toString('utf8');
    // OpenMetrics timestamps are seconds, 0.0.4's milliseconds; the file says which it is.
    const openMetrics = OPENMETRICS_ONLY.test(head) || file.path.replace(/\.gz$/, '').endsWith('.om');
    const fileMs = fileNameMs(file.path);
    const families = new Map<string, Family>();
    let eof = false;
    let samplesInFile = 0;
    for await (const read of readLines(file.path, file.open())) {
      const { line } = read;
      const text = line === 1 ? read.text.replace(/^\uFEFF/, '') : read.text;
      const at = (column?: number) => ({ line, column });
      if (eof) {
        if (text.trim() === '') continue;
        throw new InputError(file.path, at(1), msg.textAfterEof());
      }
      if (text.trim() === '') continue;
      if (text.startsWith('#')) {
        if (/^#\s*EOF\s*$/.test(text)) {
          eof = true;
          continue;
        }
        const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(text);
        if (!m) continue; // a plain comment
        const [, keyword, name, rest = ''] = m;
        const family = families.get(name!) ?? {};
        families.set(name!, family);
        if (keyword === 'TYPE') {
          const type = rest.trim();
          if (!TYPES.has(type))
            throw new InputError(file.path, at(text.indexOf(type) + 1), msg.textBadType(type));
          family.type = type;
        } else if (keyword === 'HELP') family.help = unescapeHelp(rest);
        else family.unit = rest.trim();
        continue;
      }
      let sample;
      try {
        sample = parseSampleLine(text);
      } catch (e) {
        if (e instanceof LineSyntaxError) throw new InputError(file.path, at(e.column), e.message);
        throw e;
      }
      let ts: number | undefined;
      if (sample.timestamp !== undefined) {
        ts = timestampMs(sample.timestamp, openMetrics);
        if (ts === undefined)
          throw new InputError(
            file.path,
            at(text.lastIndexOf(sample.timestamp) + 1),
            msg.textBadTimestamp(sample.timestamp),
          );
      } else ts = fileMs ?? this.context.start;
      if (ts === undefined) throw new InputError(file.path, at(1), msg.textNoTimestamp());
      // Prometheus drops labels with empty values at scrape time: an empty label is an absent one.
      for (const [k, v] of Object.entries(sample.labels)) if (v === '') delete sample.labels[k];
      const key = seriesKey(sample.name, sample.labels);
      let ref = this.refs.get(key);
      if (ref === undefined) {
        ref = this.refs.size;
        this.refs.set(key, ref);
        const family = familyOf(sample.name, families);
        this.newSeries.push({
          ref,
          metric: sample.name,
          labels: sample.labels,
          kind: kindOf(sample.name, family),
          help: family?.help ?? null,
          unit: family?.unit ?? null,
        });
      }
      this.samples.push(ref, ts, sample.value);
      samplesInFile++;
      if (this.samples.full) yield this.take();
    }
    // No samples: an exposition of nothing (metadata only, or OpenMetrics' `# EOF` alone) is
    // imported as such; a file with nothing of the format in it is not an exposition.
    if (samplesInFile === 0 && families.size === 0 && !eof)
      throw new InputError(file.path, undefined, msg.textNoSamples());
    yield this.take();
  }

  private take(): ImportBatch {
    const batch = {
      series: this.newSeries,
      samples: this.samples.length > 0 ? this.samples.take() : emptySamples(),
    };
    this.newSeries = [];
    return batch;
  }
}

function familyOf(name: string, families: Map<string, Family>): (Family & { suffix: string }) | undefined {
  const own = families.get(name);
  if (own?.type !== undefined) return { ...own, suffix: '' };
  for (const suffix of SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const family = families.get(name.slice(0, -suffix.length));
    if (family) return { ...family, suffix };
  }
  return own ? { ...own, suffix: '' } : undefined;
}

/** The kind from `# TYPE` (OpenMetrics suffix rules); `_created` holds a time and is never a counter. */
function kindOf(name: string, family: (Family & { suffix: string }) | undefined): MetricKind {
  if (family?.suffix === '_created' || name.endsWith('_created')) return 'gauge';
  switch (family?.type) {
    case 'counter':
      return 'counter';
    case 'gauge':
    case 'gaugehistogram':
    case 'info':
    case 'stateset':
      return 'gauge';
    case 'histogram':
    case 'summary':
      // _count, _sum and _bucket accumulate; the quantiles of a summary are gauges.
      return family.suffix === '' ? 'gauge' : 'counter';
    default:
      return kindFromName(name);
  }
}

/** HELP text escapes: `\\` and `\n` (0.0.4), plus `\"` (OpenMetrics). */
function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n|")/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}
