import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { PromApiError, PromClient, parseHeaders } from '../../src/pull/client.js';
import { pull } from '../../src/pull/pull.js';
import { freePort } from '../helpers/prometheus.js';

const SECRET = 'Bearer s3cr3t-token';
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A scripted HTTP server on 127.0.0.1; `handle` answers each request (requests are recorded). */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void,
): Promise<{ url: string; requests: { headers: IncomingMessage['headers']; url: string; body: string }[] }> {
  const requests: { headers: IncomingMessage['headers']; url: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ headers: req.headers, url: req.url ?? '', body });
      handle(req, res, requests.length, body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const ok = { status: 'success', data: { resultType: 'matrix', result: [] } };

describe('HTTP client', () => {
  it('retries transient failures a bounded number of times, sending the headers each time', async () => {
    const s = await serve((_req, res, n) => (n <= 2 ? json(res, 503, {}) : json(res, 200, ok)));
    const client = new PromClient({
      url: s.url,
      headers: { Authorization: SECRET },
      retries: 3,
      retryDelayMs: 5,
    });
    const { data } = await client.call('api/v1/query', { query: 'up[1m]', time: '10' });
    expect(data).toEqual(ok.data);
    expect(s.requests).toHaveLength(3);
    for (const r of s.requests) {
      expect(r.headers.authorization).toBe(SECRET);
      expect(r.body).toBe('query=up%5B1m%5D&time=10');
    }
  });

  it('gives up after the retries with one line that never shows a header value', async () => {
    const s = await serve((_req, res) =>
      json(res, 503, { status: 'error', errorType: 'unavailable', error: 'busy\nmore' }),
    );
    const client = new PromClient({
      url: s.url,
      headers: { Authorization: SECRET },
      retries: 2,
      retryDelayMs: 5,
    });
    const e = await client.call('api/v1/query', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CliError);
    expect((e as Error).message).toBe(msg.pullNetworkError(`${s.url}/api/v1/query`, 'HTTP 503: busy', 3));
    expect((e as Error).message).not.toContain('s3cr3t');
    expect(s.requests).toHaveLength(3);
  });

  it('turns a Prometheus error body into one line and does not repeat a query the server rejected', async () => {
    const s = await serve((_req, res) =>
      json(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: '1:5: parse error: unexpected end of input\n',
      }),
    );
    const client = new PromClient({ url: `${s.url}/prefix/`, retries: 3, retryDelayMs: 5 });
    const e = (await client.call('api/v1/query', {}).catch((x: unknown) => x)) as PromApiError;
    expect(e).toBeInstanceOf(PromApiError);
    expect(e.message).toBe(
      `${s.url}/prefix/api/v1/query: Prometheus answered 400 (bad_data): 1:5: parse error: unexpected end of input`,
    );
    expect(s.requests.map((r) => r.url)).toEqual(['/prefix/api/v1/query']);
  });

  it('a non-API answer (wrong URL, proxy page) is a clear error', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>\nNot Found</html>');
    });
    const client = new PromClient({ url: s.url, retries: 0 });
    await expect(client.call('api/v1/query', {})).rejects.toThrow(
      msg.pullHttpError(`${s.url}/api/v1/query`, 404, '<html>'),
    );
    const s2 = await (async () => {
      await new Promise((resolve) => server!.close(resolve));
      return serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html></html>');
      });
    })();
    await expect(new PromClient({ url: s2.url, retries: 0 }).call('api/v1/query', {})).rejects.toThrow(
      'the body is not JSON',
    );
  });

  it('reports a refused connection and a server that never answers, within the time limit', async () => {
    const port = await freePort();
    const refused = new PromClient({ url: `http://127.0.0.1:${port}`, retries: 1, retryDelayMs: 5 });
    await expect(refused.call('api/v1/query', {})).rejects.toThrow(
      msg.pullNetworkError(`http://127.0.0.1:${port}/api/v1/query`, 'ECONNREFUSED', 2),
    );
    const s = await serve(() => {
      // never answers
    });
    const silent = new PromClient({ url: s.url, retries: 0, timeoutMs: 200 });
    const started = Date.now();
    await expect(silent.call('api/v1/query', {})).rejects.toThrow('no answer within 0.2s');
    expect(Date.now() - started).toBeLessThan(5000);
    server!.closeAllConnections();
  });

  it('sends credentials in the URL as basic auth and never shows them', async () => {
    const s = await serve((_req, res) => json(res, 200, ok));
    const client = new PromClient({ url: s.url.replace('http://', 'http://user:p%40ss@') });
    expect(client.displayUrl).toBe(s.url);
    await client.call('api/v1/metadata', { metric: 'x' }, 'GET');
    expect(s.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    expect(s.requests[0]!.url).toBe('/api/v1/metadata?metric=x');
  });

  it('reads --header lines and refuses malformed ones without echoing them', () => {
    expect(parseHeaders(['Authorization: Bearer a:b', 'X-Scope-OrgID:tenant-1'])).toEqual({
      Authorization: 'Bearer a:b',
      'X-Scope-OrgID': 'tenant-1',
    });
    const e = (() => {
      try {
        parseHeaders(['Bearer s3cr3t-token']);
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e).toBeInstanceOf(UsageError);
    expect(e!.message).toBe(msg.pullBadHeader());
    expect(() => new PromClient({ url: 'ftp://x' })).toThrow(msg.pullBadUrl('ftp://x'));
  });
});

describe('pull over a scripted server', () => {
  it('halves a chunk the server refuses for its size, and goes on without metadata when the endpoint is missing', async () => {
    const queries: string[] = [];
    const s = await serve((req, res, _n, body) => {
      if (req.url!.startsWith('/api/v1/metadata'))
        return json(res, 404, { status: 'error', errorType: 'not_found', error: 'no' });
      const params = new URLSearchParams(body);
      const query = params.get('query')!;
      queries.push(query);
      const rangeMs = Number(/\[(\d+)ms\]$/.exec(query)![1]);
      if (rangeMs > 2000) {
        return json(res, 422, {
          status: 'error',
          errorType: 'execution',
          error: 'query processing would load too many samples into memory in query execution',
        });
      }
      const to = Number(params.get('time')) * 1000;
      const values = [];
      for (let ms = 0; ms <= 10_000; ms += 500)
        if (ms > to - rangeMs && ms <= to) values.push([ms / 1000, String(ms)]);
      json(res, 200, {
        status: 'success',
        warnings: ['partial'],
        data: { resultType: 'matrix', result: [{ metric: { __name__: 'm' }, values }] },
      });
    });
    const notices: string[] = [];
    const result = await pull({
      client: new PromClient({ url: s.url, retries: 0 }),
      matches: ['m'],
      start: 0,
      end: 6000,
      chunkMs: 6001,
      onNotice: (t) => notices.push(t),
    });
    expect(result.series).toHaveLength(1);
    expect(result.series[0]!.ts).toEqual([
      0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000,
    ]);
    expect(result.chunks).toBe(4);
    expect(queries).toEqual([
      'm[6001ms]',
      'm[3000ms]',
      'm[1500ms]',
      'm[1500ms]',
      'm[3001ms]',
      'm[1500ms]',
      'm[1501ms]',
    ]);
    expect(notices.filter((n) => n.includes('halving'))).toHaveLength(3);
    expect(notices.some((n) => n.startsWith('no metric metadata from /api/v1/metadata'))).toBe(true);
    expect(result.metadata).toEqual({});
    expect(result.warnings).toEqual(['partial']);
  });
});
