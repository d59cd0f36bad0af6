/**
 * Every limit trace-analyze enforces on its inputs, in one place so docs/limits.md and the code
 * agree (test/base/limits.test.ts checks that each one is documented there with its value).
 * A limit stops hostile or broken input with a one-line error instead of exhausting memory or
 * time; none of them is near what a real capture needs.
 */

/** Bytes of (decompressed) content that format detection looks at. */
export const PROBE_BYTES = 64 * 1024;

/** JSON: deepest nesting of objects and arrays (a Prometheus body needs 6). */
export const MAX_JSON_DEPTH = 256;

/** JSON: longest single token (a string or number), in bytes; one label value or metric name. */
export const MAX_TOKEN_BYTES = 16 * 1024 * 1024;

/** Text formats: longest line, in characters (a line of a scrape or a dump is well under 1 KiB). */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Sample timestamps: unix milliseconds must be integers JavaScript holds exactly (|ts| < 2^53,
 * about 285,000 years either side of 1970); anything beyond is bad input, never wrapped.
 */
export const MAX_ABS_TIMESTAMP_MS = Number.MAX_SAFE_INTEGER;

/**
 * Decompressed bytes one gzip input may expand to (a gzip bomb is stopped here, after at most
 * this much work). `import --max-bytes` raises it. Plain files are read whatever their size.
 */
export const DEFAULT_MAX_INPUT_BYTES = 8 * 1024 ** 3;

/** Bytes of one archive member read into memory (a /proc file is a few KiB). `import --max-entry-bytes` raises it. */
export const DEFAULT_MAX_ENTRY_BYTES = 16 * 1024 ** 2;

/** Bytes of one pax extended header or GNU long name in a tar archive. */
export const MAX_TAR_HEADER_BYTES = 1024 ** 2;

/** The limits a user can raise on the command line. */
export interface InputLimits {
  maxInputBytes: number;
  maxEntryBytes: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxInputBytes: DEFAULT_MAX_INPUT_BYTES,
  maxEntryBytes: DEFAULT_MAX_ENTRY_BYTES,
};

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Reads a byte size: `1048576`, `64KiB`, `16MiB`, `8GiB`, `1TiB` (K, M, G, T are powers of 1024); undefined if not one. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|(b)?)$/i.exec(text.trim());
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? m[3] ?? '').toLowerCase()]!);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** A byte count as people read it: 8 GiB, 16 MiB, 1000 bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
