import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { containerFindings, containerReports } from '../../src/models/container-report.js';
import { loadModelSets } from '../../src/models/registry.js';
import { TraceDatabase } from '../../src/store/database.js';
import { MiB, poolUnderQuota, writeSnapshots, type CgroupRaw } from '../helpers/cgroup-synth.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_400_000;
const at = (s: number) => ({ ms: T0 + s * 1000, relative: false });

/** Counter differences between two snapshots (k = seconds after t0), from the raw counters. */
function between(raws: CgroupRaw[], a: number, b: number) {
  const x = raws[a]!;
  const y = raws[b]!;
  return {
    cpu_seconds: (y.usageUsec - x.usageUsec) / 1e6,
    periods: y.nrPeriods! - x.nrPeriods!,
    throttled_periods: y.nrThrottled! - x.nrThrottled!,
    throttled_seconds: (y.throttledUsec! - x.throttledUsec!) / 1e6,
  };
}

describe('containers by the pool phases', () => {
  it('startup, after startup and each phase: throttling from the raw counters; pool figures against the quota', async () => {
    const { snapshots, raws } = poolUnderQuota(T0);
    const dir = join(tmp.dir, 'pool');
    writeSnapshots(dir, snapshots);
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, dir, { deployment: 'uvicorn' });
    await loadModelSets(db, 'containers', {
      ready: [{ deployment: null, time: at(8) }],
      phases: [{ deployment: null, name: 'load', start: at(20), end: at(35) }],
    });
    const [c] = (await containerReports(db)).get('uvicorn')!;
    const check = (
      w:
        | {
            cpu_seconds: number | null;
            periods: number | null;
            throttled_periods: number | null;
            throttled_fraction: number | null;
            throttled_seconds: number | null;
          }
        | null
        | undefined,
      want: ReturnType<typeof between>,
    ) => {
      expect(w).toBeTruthy();
      expect(w!.cpu_seconds).toBeCloseTo(want.cpu_seconds, 9);
      expect(w!.periods).toBeCloseTo(want.periods, 9);
      expect(w!.throttled_periods).toBeCloseTo(want.throttled_periods, 9);
      expect(w!.throttled_fraction).toBeCloseTo(want.throttled_periods / want.periods, 12);
      expect(w!.throttled_seconds).toBeCloseTo(want.throttled_seconds, 9);
    };
    // the pool's span starts with the master (half a second before t0, the first snapshot)
    // and ends with its last snapshot; the ready time ends startup
    check(c!.throttling.startup, between(raws, 0, 8));
    expect(c!.throttling.startup!.end).toBe((T0 + 8000) / 1000);
    // after startup: the pool's steady state, which ends where its workers begin to stop
    // (in the last snapshot's bucket); an increase across its end counts in proportion
    const e = (c!.throttling.after_startup!.end * 1000 - T0) / 1000;
    expect(e).toBeGreaterThan(raws.length - 3);
    expect(e).toBeLessThan(raws.length - 1);
    const [whole, part] = [between(raws, 8, Math.floor(e)), between(raws, Math.floor(e), Math.floor(e) + 1)];
    const f = e - Math.floor(e);
    check(c!.throttling.after_startup, {
      cpu_seconds: whole.cpu_seconds + f * part.cpu_seconds,
      periods: whole.periods + f * part.periods,
      throttled_periods: whole.throttled_periods + f * part.throttled_periods,
      throttled_seconds: whole.throttled_seconds + f * part.throttled_seconds,
    });
    expect(c!.throttling.phases.map((p) => p.name)).toEqual(['load']);
    check(c!.throttling.phases[0], between(raws, 20, 35));
    expect(c!.throttling.phases[0]!.cores_mean).toBeCloseTo(between(raws, 20, 35).cpu_seconds / 15, 9);

    // 4 workers under a 2-core quota; PSS of master and workers from their smaps_rollup
    const pss = (50 + 4 * 120) * MiB;
    expect(c!.pool!.workers).toBe(4);
    expect(c!.pool!.workers_per_quota_core).toBe(2);
    expect(c!.pool!.pss_peak_bytes).toBe(pss);
    expect(c!.memory.headroom_after_pool_pss_bytes).toBe(raws[0]!.memoryMax! - pss);
    // startup: master 0.01 + 4 × 0.5 cores, from the process counters
    expect(c!.pool!.cores_peak).toBeCloseTo(2.01, 9);

    const ids = containerFindings('uvicorn', [c!]).map((f) => f.id);
    expect(ids).toContain('throttling-in-startup');
    expect(ids).toContain('quota-saturated');
    db.close();
  });
});
