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

/**
 * Sample timestamps: unix milliseconds must be integers JavaScript holds exactly (|ts| < 2^53,
 * about 285,000 years either side of 1970); anything beyond is bad input, never wrapped.
 */
export const MAX_ABS_TIMESTAMP_MS = Number.MAX_SAFE_INTEGER;
