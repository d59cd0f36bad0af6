/**
 * A progress line on stderr for long imports, only when stderr is a terminal (nothing at all
 * otherwise, so logs and pipes stay clean). Redrawn at most every 200 ms.
 */
export function progressLine(label: string): {
  update: (done: number, total: number) => void;
  done: () => void;
} {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      const pct = total > 0 ? Math.min(100, (100 * done) / total).toFixed(0) : '?';
      process.stderr.write(
        `\r${label}: ${pct}% (${(done / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB)\u001b[K`,
      );
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K');
      shown = false;
    },
  };
}
