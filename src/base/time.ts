import { UsageError } from './errors.js';
import { MAX_ABS_TIMESTAMP_MS } from './limits.js';
import * as msg from './messages.js';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
const DURATION_RE = /^((\d+)(ms|s|m|h|d|w|y))+$/;
const DURATION_PART_RE = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Parses a Prometheus duration (`90s`, `5m`, `1h30m`, `250ms`) to milliseconds, or returns undefined. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(DURATION_PART_RE)) total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return total;
}

/**
 * Parses a unix-seconds decimal string to integer milliseconds without going through a float
 * multiplication, so `1795792768.469` is exactly 1795792768469 (Prometheus stores integer ms).
 * Returns undefined for anything that is not a plain decimal number.
 */
export function secondsTextToMs(text: string): number | undefined {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  if (m[4] !== undefined) {
    const v = Number(text);
    return Number.isFinite(v) ? inRange(Math.round(v * 1000)) : undefined;
  }
  const frac = (m[3] ?? '').padEnd(4, '0');
  // Round half away from zero on the 4th fractional digit, as Prometheus' parseTime does with float math.
  let ms = Number(m[2]) * 1000 + Number(frac.slice(0, 3));
  if (Number(frac[3]) >= 5) ms += 1;
  return inRange(m[1] === '-' ? -ms : ms);
}

/** Milliseconds beyond MAX_ABS_TIMESTAMP_MS cannot be held exactly: not a time we accept. */
function inRange(ms: number): number | undefined {
  return Math.abs(ms) <= MAX_ABS_TIMESTAMP_MS ? ms : undefined;
}

/**
 * Parses a time given on the command line: RFC 3339, unix seconds (float), `now` (as promtool
 * takes it), or a duration (`90s`), which is relative to `relativeTo` (ms) when given.
 * Returns unix milliseconds.
 */
export function parseTimeArg(text: string, option: string, relativeTo?: number): number {
  const trimmed = text.trim();
  if (trimmed === 'now') return Date.now();
  const ms = secondsTextToMs(trimmed);
  if (ms !== undefined) return ms;
  const duration = parseDurationMs(trimmed);
  if (duration !== undefined) {
    if (relativeTo === undefined) throw new UsageError(msg.timeNeedsAnchor(option, text));
    return relativeTo + duration;
  }
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    const parsed = Date.parse(trimmed.replace(' ', 'T'));
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new UsageError(msg.badTime(option, text));
}

/** Parses a duration option (`--step 5s`, or plain seconds `5`) to milliseconds. */
export function parseDurationArg(text: string, option: string): number {
  const duration = parseDurationMs(text.trim());
  if (duration !== undefined && duration > 0) return duration;
  const seconds = secondsTextToMs(text.trim());
  if (seconds !== undefined && seconds > 0) return seconds;
  throw new UsageError(msg.badDuration(option, text));
}
