import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { buildReport } from '../../src/report/report.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { TraceDatabase } from '../../src/store/database.js';
import { openCapture } from './capture.js';
import { ProcfsReference } from './procfs-reference.js';

/**
 * A real capture (test/fixtures/real-capture-*) imported into an in-memory database, one
 * deployment per mode (its Prometheus raw samples and /proc snapshots; with `wrk`, also wrk's
 * summary), and its JSON report built once for the test file; beside it, each mode's
 * independent /proc reference (procfs-reference.ts).
 */
export function captureReport(dir: string, modes: readonly string[], options: { wrk?: boolean } = {}) {
  const state = {
    db: undefined as TraceDatabase | undefined,
    summary: undefined as ReportSummary | undefined,
  };
  const refs = new Map(
    modes.map((m) => [m, new ProcfsReference(join(dir, 'procsnap', `procsnap-${m}.tar.gz`))]),
  );
  beforeAll(async () => {
    state.db = await openCapture(dir, modes);
    if (options.wrk)
      for (const mode of modes)
        await importPath(state.db, join(dir, 'modes', mode, 'wrk.txt'), { deployment: mode });
    const built = await buildReport(state.db, { format: 'json', version: 'test', generatedAt: new Date(0) });
    state.summary = built.summary;
  }, 300_000);
  afterAll(() => state.db?.close());
  return {
    find: (mode: string) => state.summary!.deployments.find((d) => d.name === mode)!,
    findings: (mode: string, id: string) =>
      state.summary!.findings.filter((f) => f.deployment === mode && f.id === id),
    warnings: (mode: string) =>
      state.summary!.warnings.filter((w) => w.deployment === mode).map((w) => w.message),
    ref: (mode: string) => refs.get(mode)!,
  };
}
