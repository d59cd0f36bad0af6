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

/**
 * The stage a long command is at, as "<label>: <stage>, 12 s" on stderr, only when stderr is a
 * terminal (nothing otherwise). Redrawn when the stage changes and every second, so a stage
 * that takes minutes (the report's models on a billion samples) still shows it is working.
 */
export function stageLine(label: string): { stage: (name: string) => void; done: () => void } {
  if (!process.stderr.isTTY) return { stage: () => {}, done: () => {} };
  let name = '';
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    process.stderr.write(`\r${label}: ${name}, ${seconds} s\u001b[K`);
  };
  return {
    stage(next) {
      name = next;
      started = Date.now();
      draw();
      clearInterval(timer); // whole seconds of this stage
      timer = setInterval(draw, 1000);
      timer.unref();
    },
    done() {
      clearInterval(timer);
      timer = undefined;
      if (name) process.stderr.write('\r\u001b[K');
      name = '';
    },
  };
}
