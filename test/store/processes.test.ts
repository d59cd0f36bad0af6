import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, MODES, tempDir } from '../helpers/cli.js';

interface Timeline {
  modes: Record<string, { events: { event: string; pid?: number; pids?: number[] }[] }>;
}
const timeline = JSON.parse(readFileSync(join(CAPTURE, 'timeline.json'), 'utf8')) as Timeline;
const event = (mode: string, name: string) => timeline.modes[mode]!.events.find((e) => e.event === name);

/** The resource tracker's pid, from the README ("multiprocessing resource_tracker pid: N"). */
const trackerPid = Number(
  /multiprocessing resource_tracker pid: (\d+)/.exec(readFileSync(join(CAPTURE, 'README.md'), 'utf8'))![1],
);

describe('processes from Prometheus data (process-exporter groupname "comm:pid")', () => {
  for (const mode of MODES) {
    it(`${mode}: identity on series, roles by heuristic, restarts`, async () => {
      const db = await TraceDatabase.open(':memory:');
      await importPath(db, join(CAPTURE, 'prometheus', mode, 'raw_samples.json.gz'), { deployment: mode });
      const procs = await db.rowsJS(`SELECT pid, role, pool, comm FROM processes ORDER BY pid`);
      const master = event(mode, 'server_launch')!.pid!;
      const workers = event(mode, 'workers_before_load')!.pids!;
      const replacements = event(mode, 'replacement_worker_seen')?.pids ?? [];
      const roles = Object.fromEntries(procs.map((p) => [p.pid as number, p.role]));
      const expected: Record<number, string> = { [master]: 'master' };
      for (const w of [...workers, ...replacements]) expected[w] = 'worker';
      if (mode === 'uvicorn-spawn') expected[trackerPid] = 'helper';
      expect(roles).toEqual(expected);
      expect(new Set(procs.map((p) => p.pool))).toEqual(new Set(['127.0.0.1:9256']));
      // every per-group series carries the process key of its group's pid
      const unkeyed = await db.rowsJS(
        `SELECT count(*)::INTEGER AS n FROM series WHERE labels['groupname'] IS NOT NULL AND process_key IS NULL`,
      );
      expect(unkeyed[0]!.n).toBe(0);
      const mismatched = await db.rowsJS(
        `SELECT count(*)::INTEGER AS n FROM series
         WHERE labels['groupname'] IS NOT NULL AND split_part(process_key, '@', 1) <> split_part(labels['groupname'], ':', 2)`,
      );
      expect(mismatched[0]!.n).toBe(0);
      const restarts = await db.rowsJS(`SELECT ended_pid, replacement_pid FROM process_restarts`);
      const killed = event(mode, 'sigkill_worker')!.pid!;
      expect(restarts).toEqual(replacements.map((r) => ({ ended_pid: killed, replacement_pid: r })));
      db.close();
    });
  }

  it('a pid label (prometheus_client per process) gives identity, start time and pool from the pod label', async () => {
    const { dir, cleanup } = tempDir();
    const series = (name: string, pid: number, values: [number, string][]) => ({
      metric: { __name__: name, pid: String(pid), pod: 'web-0' },
      values,
    });
    const body = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          series('process_start_time_seconds', 1, [[100, '50.5']]),
          series('process_start_time_seconds', 7, [[100, '60.25']]),
          series('process_resident_memory_bytes', 1, [
            [100, '1000'],
            [101, '1000'],
          ]),
          series('process_resident_memory_bytes', 7, [[101, '900']]),
        ],
      },
    };
    const path = join(dir, 'pids.json');
    writeFileSync(path, JSON.stringify(body));
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, path, { deployment: 'p' });
    const procs = await db.rowsJS(
      `SELECT process_key, pid, start_ts::DOUBLE AS start_ts, first_seen::DOUBLE AS first_seen, role, pool FROM processes ORDER BY pid`,
    );
    expect(procs).toEqual([
      { process_key: '1@50500', pid: 1, start_ts: 50500, first_seen: 100000, role: 'master', pool: 'web-0' },
      { process_key: '7@60250', pid: 7, start_ts: 60250, first_seen: 100000, role: 'worker', pool: 'web-0' },
    ]);
    db.close();
    cleanup();
  });

  it('--pool and --pid-label override the pool and the identity label', async () => {
    const db = await TraceDatabase.open(':memory:');
    const path = join(CAPTURE, 'prometheus', 'gunicorn', 'raw_samples.json.gz');
    await importPath(db, path, { deployment: 'g', pool: 'web', pidLabel: 'no_such_label' });
    const pools = await db.rowsJS(`SELECT DISTINCT pool FROM processes`);
    expect(pools).toEqual([{ pool: 'web' }]);
    db.close();
  });
});

describe('one process seen by /proc snapshots and by process-exporter', () => {
  for (const order of ['snapshots first', 'exporter first']) {
    it(`is one process, whichever is imported first (${order})`, async () => {
      const mode = 'gunicorn';
      const files = [
        join(CAPTURE, 'procsnap', `procsnap-${mode}.tar.gz`),
        join(CAPTURE, 'prometheus', mode, 'raw_samples.json.gz'),
      ];
      if (order === 'exporter first') files.reverse();
      const db = await TraceDatabase.open(':memory:');
      try {
        for (const f of files) await importPath(db, f, { deployment: mode });
        const procs = await db.rowsJS(`SELECT pid, ppid, role, pool FROM processes ORDER BY pid`);
        const master = event(mode, 'server_launch')!.pid!;
        const workers = [
          ...event(mode, 'workers_before_load')!.pids!,
          ...event(mode, 'replacement_worker_seen')!.pids!,
        ];
        // one row per real process, with the tree's parent and pool
        expect(procs.map((p) => p.pid)).toEqual([master, ...workers].sort((a, b) => a - b));
        expect(new Set(procs.map((p) => p.pool))).toEqual(new Set([`gunicorn:${master}`]));
        for (const p of procs) expect(p.role).toBe(p.pid === master ? 'master' : 'worker');
        // the exporter's per-group series now name the snapshot's process keys
        const orphans = await db.rowsJS(
          `SELECT count(*)::INTEGER AS n FROM series s
           WHERE s.process_key IS NOT NULL AND s.process_key NOT IN (SELECT process_key FROM processes)`,
        );
        expect(orphans[0]!.n).toBe(0);
        const perProcess = await db.rowsJS(
          `SELECT p.pid, count(DISTINCT s.metric) FILTER (WHERE s.metric LIKE 'namedprocess_%')::INTEGER AS exporter,
                  count(DISTINCT s.metric) FILTER (WHERE s.metric LIKE 'process_%')::INTEGER AS procfs
           FROM processes p JOIN series s USING (process_key) GROUP BY p.pid`,
        );
        for (const r of perProcess) {
          expect(r.exporter, `pid ${r.pid}`).toBeGreaterThan(0);
          expect(r.procfs, `pid ${r.pid}`).toBeGreaterThan(0);
        }
        expect(await db.rowsJS(`SELECT ended_pid FROM process_restarts`)).toEqual([
          { ended_pid: event(mode, 'sigkill_worker')!.pid! },
        ]);
      } finally {
        db.close();
      }
    });
  }
});
