import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseWrkSummary } from '../../src/experiment/load.js';

/**
 * wrk's summary as the real wrk (Debian's, which .ci/run installs) prints it, against a server
 * that counts what it answered: the parsed counts must equal the server's.
 */
async function wrk(url: string): Promise<string> {
  const child = spawn('wrk', ['-t1', '-c2', '-d1s', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(0);
  return stdout;
}

/** Runs wrk against a local server whose answers `handle` decides (the server runs in this process). */
async function wrkAgainst(port: number, handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    return await wrk(`http://127.0.0.1:${port}/`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('parseWrkSummary', () => {
  it('reads responses and 4xx/5xx responses as the server counted them', async () => {
    let answered = 0;
    let failed = 0;
    const text = await wrkAgainst(18026, (_req, res) => {
      answered++;
      // every third answer is a 503
      if (answered % 3 === 0) failed++;
      res.writeHead(answered % 3 === 0 ? 503 : 200).end('ok');
    });
    const counts = parseWrkSummary(text)!;
    // wrk stops with up to its 2 connections' requests answered but not counted
    expect(counts.responses).toBeGreaterThan(10);
    expect(answered - counts.responses).toBeGreaterThanOrEqual(0);
    expect(answered - counts.responses).toBeLessThanOrEqual(2);
    expect(failed - counts.error_responses).toBeGreaterThanOrEqual(0);
    expect(failed - counts.error_responses).toBeLessThanOrEqual(2);
    expect(counts.error_responses).toBeGreaterThan(0);
    expect(counts.errors).toBe(0);
  });

  it('reads socket errors: connections the server closes without an answer', async () => {
    let dropped = 0;
    let answered = 0;
    const text = await wrkAgainst(18027, (req, res) => {
      // every fourth request: the connection is closed instead of answered
      if ((answered + dropped) % 4 === 3) {
        dropped++;
        req.socket.destroy();
      } else {
        answered++;
        res.end('ok');
      }
    });
    const counts = parseWrkSummary(text)!;
    expect(dropped).toBeGreaterThan(0);
    expect(answered - counts.responses).toBeGreaterThanOrEqual(0);
    expect(answered - counts.responses).toBeLessThanOrEqual(2);
    expect(counts.errors).toBeGreaterThan(0);
    expect(counts.errors).toBeLessThanOrEqual(dropped);
  });

  it('is undefined for output that is not a wrk summary', () => {
    expect(parseWrkSummary('Summary:\n  Total:\t1.0 secs\n  Requests/sec:\t100\n')).toBeUndefined();
    expect(parseWrkSummary('')).toBeUndefined();
  });
});
