import { createConnection, createServer } from 'node:net';
import { sleep } from './process-group.js';

/** Host and port an http:// URL points at (port 80 when not given). */
export function hostPort(url: URL): { host: string; port: number } {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? 80 : Number(url.port) };
}

/**
 * Whether something already serves host:port: a connection is accepted, or the address cannot
 * be bound (a server on 0.0.0.0 makes 127.0.0.1 unbindable too). Checked before each start, so
 * a leftover server is never measured in place of the deployment.
 */
export async function portInUse(host: string, port: number): Promise<boolean> {
  const accepts = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (accepts) return true;
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * Polls `url` with GET every `everyMs` until it answers 2xx; returns that time (unix ms), or
 * undefined when `stop()` says to give up (the server exited, the timeout passed, Ctrl-C).
 */
export async function waitReady(
  url: URL,
  everyMs: number,
  stop: () => boolean,
  abort: AbortSignal,
): Promise<number | undefined> {
  while (!stop() && !abort.aborted) {
    try {
      const response = await fetch(url, { signal: AbortSignal.any([abort, AbortSignal.timeout(2000)]) });
      await response.arrayBuffer();
      if (response.status >= 200 && response.status < 300) return Date.now();
    } catch {
      // not listening yet, or answered too slowly: try again
    }
    await sleep(everyMs, abort);
  }
  return undefined;
}
