import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressLine, stageLine } from '../../src/cli/progress.js';

/** What the lines write to stderr, with stderr a terminal or not. */
function capture(isTTY: boolean): string[] {
  const written: string[] = [];
  Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

describe('progress on a terminal', () => {
  const wasTTY = process.stderr.isTTY;
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    Object.defineProperty(process.stderr, 'isTTY', { value: wasTTY, configurable: true });
  });

  it('shows the stage and its seconds, redrawn every second, and clears the line at the end', () => {
    vi.useFakeTimers();
    const written = capture(true);
    const line = stageLine('report');
    line.stage('pool models');
    vi.advanceTimersByTime(2500);
    line.stage('charts (1 of 3)');
    vi.advanceTimersByTime(1000);
    line.done();
    vi.advanceTimersByTime(5000); // stopped: nothing more
    expect(written).toEqual([
      '\rreport: pool models, 0 s\u001b[K',
      '\rreport: pool models, 1 s\u001b[K',
      '\rreport: pool models, 2 s\u001b[K',
      '\rreport: charts (1 of 3), 0 s\u001b[K',
      '\rreport: charts (1 of 3), 1 s\u001b[K',
      '\r\u001b[K',
    ]);
  });

  it('writes nothing when stderr is not a terminal (logs and pipes stay clean)', () => {
    vi.useFakeTimers();
    const written = capture(false);
    const stages = stageLine('report');
    stages.stage('pool models');
    vi.advanceTimersByTime(3000);
    stages.done();
    const bytes = progressLine('file.json');
    bytes.update(1, 2);
    bytes.done();
    expect(written).toEqual([]);
  });
});
