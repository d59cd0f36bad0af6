import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killOneWorker } from '../../src/experiment/experiment.js';
import {
  runningChildren,
  signal,
  sleep,
  startGroup,
  stopGroup,
  type GroupProcess,
} from '../../src/experiment/process-group.js';
import { tempDir } from '../helpers/cli.js';

/**
 * The experiment's process-group handling on real processes (sh, python3, sleep): stopping a
 * group that ignores SIGTERM, giving up on a member that never ends, and finding the pool's
 * master below a wrapper shell. Every group started here is killed in afterAll.
 */

const tmp = tempDir('trace-analyze-group-');
const started: GroupProcess[] = [];
afterAll(async () => {
  for (const g of started) signal(-g.pid, 'SIGKILL');
  await Promise.all(started.map((g) => Promise.race([g.exited, sleep(2000)])));
  tmp.cleanup();
});

async function start(name: string, command: string): Promise<GroupProcess> {
  const g = await startGroup(command, {
    env: process.env,
    stdout: join(tmp.dir, `${name}.out`),
    stderr: join(tmp.dir, `${name}.err`),
  });
  started.push(g);
  return g;
}

/** /proc/<pid>/stat fields 4 (ppid), read here by proc(5) rather than by the code under test. */
function ppidOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

/** A parent that forks two children; all three sleep. */
const FORKER =
  "/usr/bin/python3 -c 'import os,time\nfor _ in range(2):\n    if os.fork() == 0:\n        time.sleep(30); os._exit(0)\ntime.sleep(30)'";

describe('process groups of the experiment', () => {
  it('a group that ignores SIGTERM gets SIGKILL after the grace period, and the stop waits until it is gone', async () => {
    const g = await start('term', `/bin/sh -c "trap '' TERM; exec sleep 30"`);
    await sleep(100); // the trap is set before the exec
    const r = await stopGroup(g, 300);
    expect(r.sigkill).toBeDefined();
    expect(r.sigkill! - r.sigterm).toBeGreaterThanOrEqual(300);
    expect(r.gone).toBeGreaterThanOrEqual(r.sigkill!);
    expect(r.stuck).toEqual([]);
    expect(await g.exited).toBe('SIGKILL');
  });

  it('a member still running after SIGKILL (a task in D state) is given up on: the stop returns, naming it', async () => {
    const g = await start('stuck', 'sleep 30');
    // a /proc of the test's own: the group's leader is gone from it, one member stays in D state
    const proc = join(tmp.dir, 'proc');
    mkdirSync(join(proc, '4000000'), { recursive: true });
    writeFileSync(
      join(proc, '4000000', 'stat'),
      `4000000 (stuck) D 1 ${g.pid} ${g.pid} 0 -1 0 0 0 0 0 0 0\n`,
    );
    const before = Date.now();
    const r = await stopGroup(g, 100, proc, 400);
    expect(r.stuck).toEqual([4000000]);
    expect(r.gone).toBeUndefined();
    expect(r.sigkill! - r.sigterm).toBeGreaterThanOrEqual(100);
    expect(Date.now() - r.sigkill!).toBeGreaterThanOrEqual(400);
    expect(Date.now() - before).toBeLessThan(5000); // it returned instead of waiting for ever
    expect(await g.exited).toBe('SIGTERM'); // the real leader was signalled all the same
  });

  it("kill-worker finds the pool's master below a wrapper shell (sh -c without exec) and kills its lowest worker", async () => {
    const g = await start('wrapped', `/bin/sh -c "${FORKER.replace(/"/g, '\\"')}; exit 0"`);
    let master = 0;
    await until(() => {
      const c = runningChildren(g.pid);
      master = c[0] ?? 0;
      return c.length === 1 && runningChildren(master).length === 2;
    });
    expect(master).not.toBe(g.pid);
    expect(ppidOf(master)).toBe(g.pid);
    const workers = runningChildren(master);
    const events: { event: string; pid?: number; master?: number; cmdline?: string }[] = [];
    killOneWorker(g.pid, (event, extra) => events.push({ event, ...extra }));
    expect(events).toEqual([
      {
        event: 'kill_worker',
        pid: Math.min(...workers),
        master,
        cmdline: expect.stringContaining('python3'),
      },
    ]);
    await until(() => runningChildren(master).length === 1);
    expect(runningChildren(master)).toEqual([Math.max(...workers)]);
  });

  it('kill-worker on a server that forks its workers itself (no wrapper): the server is the master', async () => {
    const g = await start('direct', FORKER);
    await until(() => runningChildren(g.pid).length === 2);
    const workers = runningChildren(g.pid);
    const events: { event: string; pid?: number; master?: number }[] = [];
    killOneWorker(g.pid, (event, extra) => events.push({ event, pid: extra?.pid, master: extra?.master }));
    expect(events).toEqual([{ event: 'kill_worker', pid: Math.min(...workers), master: g.pid }]);
  });
});
