import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';

/** How the client reaches one Prometheus-compatible HTTP API. */
export interface ClientOptions {
  /** Base URL (e.g. http://prometheus:9090, or https://mimir/prometheus); credentials in it become basic auth. */
  url: string;
  /** Extra request headers (auth, tenant): sent, never logged or shown in messages. */
  headers?: Record<string, string>;
  /** Extra attempts after a transient failure (network error, 429, 502, 503, 504). */
  retries?: number;
  /** Time limit of one request, ms. */
  timeoutMs?: number;
  /** First delay between attempts, ms; doubles each time. */
  retryDelayMs?: number;
}

/** An error envelope from the server ({"status":"error","errorType":...,"error":...}). */
export class PromApiError extends CliError {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly errorType: string,
    readonly error: string,
  ) {
    super(msg.pullServerError(url, status, errorType, oneLine(error)));
    this.name = 'PromApiError';
  }
}

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
/** Error types that repeating the same query cannot fix (a timeout is answered by a smaller chunk). */
const FINAL_ERROR_TYPES = new Set(['bad_data', 'execution', 'timeout', 'canceled', 'not_found']);

/**
 * A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/)
 * on Node's global fetch. Node 20's fetch does not read HTTPS_PROXY/HTTP_PROXY; requests go
 * directly to the URL given.
 */
export class PromClient {
  /** The base URL without credentials or query: safe to show in messages. */
  readonly displayUrl: string;
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;

  constructor(options: ClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new UsageError(msg.pullBadUrl(options.url));
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new UsageError(msg.pullBadUrl(options.url));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if ((base.username || base.password) && !hasHeader(headers, 'authorization')) {
      // fetch refuses URLs with credentials; send them as basic auth, as curl does.
      const user = decodeURIComponent(base.username);
      const password = decodeURIComponent(base.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    base.username = '';
    base.password = '';
    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.displayUrl = base.href.replace(/\/$/, '');
    this.headers = headers;
    this.retries = options.retries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
  }

  /**
   * Calls an API path (e.g. `api/v1/query`) and returns the body's `data` and `warnings`. Queries
   * are POSTed as a form, which keeps long selectors out of URLs and access logs (Prometheus,
   * Thanos and Mimir accept it); /api/v1/metadata only answers GET.
   */
  async call(
    path: string,
    params: Record<string, string>,
    method: 'GET' | 'POST' = 'POST',
  ): Promise<{ data: unknown; warnings: string[] }> {
    const url = new URL(path, this.base);
    const where = `${this.displayUrl}/${path}`;
    const form = new URLSearchParams(params).toString();
    if (method === 'GET') url.search = form;
    let lastFailure = '';
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers:
            method === 'POST'
              ? { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' }
              : this.headers,
          body: method === 'POST' ? form : undefined,
          signal: AbortSignal.timeout(this.timeoutMs),
          redirect: 'follow',
        });
        text = await response.text();
      } catch (e) {
        lastFailure = networkReason(e, this.timeoutMs);
        continue;
      }
      const envelope = parseEnvelope(text);
      if (response.ok && envelope?.status === 'success') {
        return { data: envelope.data, warnings: (envelope.warnings ?? []).map(String) };
      }
      if (envelope?.status === 'error') {
        const error = new PromApiError(
          where,
          response.status,
          String(envelope.errorType ?? 'error'),
          String(envelope.error ?? ''),
        );
        if (!TRANSIENT_STATUS.has(response.status) || FINAL_ERROR_TYPES.has(error.errorType)) throw error;
        lastFailure = `HTTP ${response.status}: ${oneLine(error.error)}`;
        continue;
      }
      if (TRANSIENT_STATUS.has(response.status)) {
        lastFailure = `HTTP ${response.status}`;
        continue;
      }
      if (!response.ok) throw new CliError(msg.pullHttpError(where, response.status, oneLine(text)));
      throw new CliError(msg.pullNotApi(where, envelope ? 'no "status":"success"' : 'the body is not JSON'));
    }
    throw new CliError(msg.pullNetworkError(where, lastFailure, this.retries + 1));
  }
}

interface Envelope {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown[];
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Envelope)
      : undefined;
  } catch {
    return undefined;
  }
}

function networkReason(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000}s`;
  // undici reports "fetch failed" with the real reason (ECONNREFUSED, ENOTFOUND, ...) as the cause.
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/** Server text on one line, bounded, for error messages. */
function oneLine(text: string): string {
  const line = msg.firstLine(text);
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Parses repeatable `--header 'Name: value'` options. The message never echoes a value (it may be a token). */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError(msg.pullBadHeader());
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}
