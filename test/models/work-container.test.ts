import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { loadModelSets } from '../../src/models/registry.js';
import { TraceDatabase } from '../../src/store/database.js';
import { poolUnderQuota, writeSnapshots } from '../helpers/cgroup-synth.js';
import { tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const T0 = 1_800_000_400_000;
const at = (s: number) => ({ ms: T0 + s * 1000, relative: false });

describe('saturation by the container quota', () => {
  it('a phase throttled in a quarter of its CFS periods or more is saturated', async () => {
    const { snapshots, raws } = poolUnderQuota(T0);
    const dir = join(tmp.dir, 'pool');
    writeSnapshots(dir, snapshots);
    const db = await TraceDatabase.open(':memory:');
    try {
      await importPath(db, dir, { deployment: 'uvicorn' });
      await loadModelSets(db, 'pool', {
        ready: [{ deployment: null, time: at(8) }],
        phases: [
          { deployment: null, name: 'idle', start: at(10), end: at(20) },
          { deployment: null, name: 'load', start: at(20), end: at(35) },
        ],
      });
      const rows = await db.rowsJS(
        'SELECT name, throttled_ratio, saturated, host_cores, host_idle_cores FROM pool_phase_work ORDER BY start_ts',
      );
      for (const [row, a, b] of [
        [rows[0]!, 10, 20],
        [rows[1]!, 20, 35],
      ] as const) {
        // from the raw cpu.stat counters the snapshots were written from
        const periods = raws[b]!.nrPeriods! - raws[a]!.nrPeriods!;
        const throttled = raws[b]!.nrThrottled! - raws[a]!.nrThrottled!;
        expect(row.throttled_ratio).toBeCloseTo(throttled / periods, 9);
        // the synthetic host's /proc/stat shows no idle CPU either (checked against /proc/stat in work-real)
        const hostIdle = Number(row.host_idle_cores) < 0.05 * Number(row.host_cores);
        expect(row.saturated).toBe(throttled / periods >= 0.25 || hostIdle);
      }
      expect(rows.map((r) => Number(r.throttled_ratio) >= 0.25)).toEqual([false, true]);
      const quality = await db.rowsJS(
        `SELECT detail FROM pool_quality WHERE "check" = 'container_throttled'`,
      );
      expect(quality).toEqual([{ detail: '"load"' }]);
    } finally {
      db.close();
    }
  });
});
