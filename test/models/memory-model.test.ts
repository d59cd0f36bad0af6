import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPoolReport } from '../../src/models/pool-report.js';
import type { DeploymentReport, MemoryModel } from '../../src/models/pool-types.js';
import type { TraceDatabase } from '../../src/store/database.js';
import { eventMs, openCapture } from '../helpers/capture.js';
import { CAPTURE2, MODES2, event2Ms, type Mode2 } from '../helpers/capture2.js';
import { CAPTURE, MODES } from '../helpers/cli.js';
import { memoryModelReference } from '../helpers/memory-reference.js';
import { ProcfsReference } from '../helpers/procfs-reference.js';

// The memory model (src/models/pool/185-memory-model.sql) of every phase of both real captures
// against the same model computed in the test from the raw /proc files
// (test/helpers/memory-reference.ts over procfs-reference.ts) — never against our SQL.
const MIB = 1024 * 1024;
const within = (actual: number | null | undefined, expected: number, rel: number, what: string) => {
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), what).toBeLessThanOrEqual(rel * Math.abs(expected));
};

const CAPTURES = [
  { name: 'real-capture-1', dir: CAPTURE, modes: MODES as readonly string[], event: eventMs },
  {
    name: 'real-capture-2',
    dir: CAPTURE2,
    modes: MODES2 as readonly string[],
    event: (m: string, e: string) => event2Ms(m as Mode2, e),
  },
];

describe.each(CAPTURES)('the memory model on $name against its /proc files', ({ dir, modes, event }) => {
  const state = { db: undefined as TraceDatabase | undefined, deployments: [] as DeploymentReport[] };
  const refs = new Map(
    modes.map((m) => [m, new ProcfsReference(join(dir, 'procsnap', `procsnap-${m}.tar.gz`))]),
  );
  beforeAll(async () => {
    state.db = await openCapture(dir, modes);
    state.deployments = (await buildPoolReport(state.db, { workers: [12, 4] })).deployments;
  }, 300_000);
  afterAll(() => state.db?.close());
  const find = (mode: string) => state.deployments.find((d) => d.name === mode)!;
  const reference = (mode: string, m: { start: number; end: number }) => {
    const term = event(mode, 'sigterm_master');
    return memoryModelReference(refs.get(mode)!, m.start * 1000, m.end * 1000, {
      poolStartMs: find(mode).steady.start * 1000,
      exitedEarly: (w) => (w.lastAliveMs ?? -Infinity) < term - 1500,
    });
  };

  it.each(modes)('%s: every phase’s shared and private parts, and what they were fitted to', (mode) => {
    for (const p of find(mode).phases) {
      const ref = reference(mode, p);
      const what = `${mode} ${p.name} at ${p.start}`;
      // a phase without a steady moment (say, all of it workers importing) has no model
      expect(p.memory.model === null, what).toBe(ref === null);
      if (ref === null) continue;
      const m = p.memory.model!;
      expect(m.phase).toBe(p.name);
      expect(m.workers_alive, what).toBe(ref.workersAlive);
      within(m.private_bytes_per_worker, ref.privateBytes, 0.01, `${what} private`);
      within(m.shared_bytes, ref.sharedBytes, 0.01, `${what} shared`);
      within(m.pss_bytes, ref.pssBytes, 0.01, `${what} PSS`);
      within(m.rss_bytes, ref.rssBytes, 0.01, `${what} RSS`);
      within(m.pss_bytes_per_live_worker, ref.pssPerLiveWorker, 0.01, `${what} PSS per live worker`);
      within(m.worker_pss_bytes, ref.workerPssBytes, 0.01, `${what} worker PSS`);
      expect(Math.abs(m.worker_shared_fraction! - ref.workerSharedFraction), what).toBeLessThan(0.01);
      // no starting or leaving worker among its moments: its spread is the reference's
      expect(m.ranges.private_bytes_per_worker[0], what).toBeGreaterThanOrEqual(0.99 * ref.privateRange[0]);
      expect(m.ranges.private_bytes_per_worker[1], what).toBeLessThanOrEqual(1.01 * ref.privateRange[1]);
    }
  });

  it.each(modes)('%s: the model gives back the pool’s PSS at the workers alive', (mode) => {
    for (const p of find(mode).phases) {
      const m = p.memory.model;
      if (m === null) continue;
      within(
        m.shared_bytes + m.workers_alive * m.private_bytes_per_worker,
        reference(mode, m)!.pssBytes,
        0.01,
        `${mode} ${p.name} at ${p.start}`,
      );
    }
  });

  it.each(modes)('%s: projection = shared + N × private at 1, 2, 4, 8, 16, 32 and --workers', (mode) => {
    const models = [find(mode).memory.model, ...find(mode).phases.map((p) => p.memory.model)];
    expect(models[0]).not.toBeNull();
    for (const m of models.filter((x): x is MemoryModel => x !== null)) {
      expect(m.projection.map((x) => x.workers)).toEqual([1, 2, 4, 8, 12, 16, 32]);
      for (const x of m.projection)
        expect(x.pss_bytes).toBe(m.shared_bytes + x.workers * m.private_bytes_per_worker);
    }
  });

  it.each(modes)('%s: the deployment’s model is the idle phase before wrk’s load', (mode) => {
    const d = find(mode);
    const m = d.memory.model!;
    expect(m.phase).toBe('idle');
    expect(m.end * 1000).toBeLessThanOrEqual(event(mode, 'load_start') + 1500);
    // the last idle phase before the load
    const idleBefore = d.phases.filter(
      (p) => p.name === 'idle' && p.end * 1000 <= event(mode, 'load_start') + 1500,
    );
    expect(m.start).toBe(idleBefore[idleBefore.length - 1]!.start);
    const load = d.memory.load_model!;
    expect(load.phase).toBe('load');
    expect(Math.abs(load.start * 1000 - event(mode, 'load_start'))).toBeLessThanOrEqual(1500);
    expect(d.phases.find((p) => p.start === load.start)!.memory.model).toBe(load);
  });

  it.each(modes)('%s: copy-on-write: the workers’ PSS and shared part before and during the load', (mode) => {
    const d = find(mode);
    const before = reference(mode, d.memory.model!)!;
    const during = reference(mode, d.memory.load_model!)!;
    const cow = d.memory.cow!;
    within(cow.before.worker_pss_bytes, before.workerPssBytes, 0.01, 'worker PSS before');
    within(cow.during.worker_pss_bytes, during.workerPssBytes, 0.01, 'worker PSS during');
    within(cow.before.private_bytes_per_worker, before.privateBytes, 0.01, 'private before');
    within(cow.during.private_bytes_per_worker, during.privateBytes, 0.01, 'private during');
    within(cow.before.pss_bytes, before.pssBytes, 0.01, 'pool PSS before');
    within(cow.during.pss_bytes, during.pssBytes, 0.01, 'pool PSS during');
    expect(Math.abs(cow.before.worker_shared_fraction! - before.workerSharedFraction)).toBeLessThan(0.01);
    expect(Math.abs(cow.during.worker_shared_fraction! - during.workerSharedFraction)).toBeLessThan(0.01);
    if (mode === 'gunicorn-preload') {
      // preloaded workers: ~90 % shared before, ~68 % under load; the pool grows by ~100 MiB
      // while the part it holds once stays
      expect(before.workerSharedFraction).toBeGreaterThan(0.85);
      expect(during.workerSharedFraction).toBeLessThan(0.72);
      expect(during.pssBytes - before.pssBytes).toBeGreaterThan(90 * MIB);
      expect(during.pssBytes - before.pssBytes).toBeLessThan(110 * MIB);
      expect(during.privateBytes - before.privateBytes).toBeGreaterThan(20 * MIB);
      expect(Math.abs(during.sharedBytes - before.sharedBytes)).toBeLessThan(1 * MIB);
    } else {
      // workers that imported the application themselves: nothing to erode
      expect(Math.abs(during.workerSharedFraction - before.workerSharedFraction)).toBeLessThan(0.01);
      expect(Math.abs(during.privateBytes - before.privateBytes)).toBeLessThan(1 * MIB);
    }
  });
});
