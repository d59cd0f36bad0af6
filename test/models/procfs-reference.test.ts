import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcfsReference } from '../helpers/procfs-reference.js';
import { paxRecord, tarOf, type TestEntry } from '../helpers/tar.js';

// The rules of the /proc reference (test/helpers/procfs-reference.ts) on a recording written
// here by hand, where every answer is known by construction. Boot at BOOT; CLK_TCK 100.
const BOOT = 1_800_000_000_000;
const stat = (
  pid: number,
  ppid: number,
  state: string,
  t: [number, number, number, number],
  starttime: number,
) =>
  `${pid} (py thon) ${state} ${ppid} 1 1 0 -1 0 0 0 0 0 ${t[0]} ${t[1]} ${t[2]} ${t[3]} 20 0 1 0 ${starttime} 1000 10\n`;
const smaps = (rss: number, pss: number, pc: number, pd: number) =>
  `00400000-7ff ---p 00000000 00:00 0 [rollup]\nRss: ${rss} kB\nPss: ${pss} kB\nPrivate_Clean: ${pc} kB\nPrivate_Dirty: ${pd} kB\n`;

interface P {
  pid: number;
  ppid: number;
  state?: string;
  ticks: [number, number, number, number];
  start: number;
  mem?: [number, number, number, number];
  cmd?: string;
}
/** Snapshot at BOOT + sec seconds holding these processes. */
function snap(sec: number, procs: P[]): TestEntry[] {
  const ms = BOOT + sec * 1000;
  const d = `top/${ms}`;
  const out: TestEntry[] = [
    {
      name: `${d}/meta`,
      data: `clk_tck=100\nmaster_pid=100\nsnapshot_start_unix_ms=${ms}\nsnapshot_end_unix_ms=${ms + 30}\n`,
    },
    { name: `${d}/proc/uptime`, data: `${(sec + 0.02).toFixed(2)} 1.00\n` },
    { name: `${d}/proc/stat`, data: `cpu 1 2 3\nbtime ${BOOT / 1000}\n` },
  ];
  for (const p of procs) {
    out.push({
      name: `${d}/proc/${p.pid}/stat`,
      data: stat(p.pid, p.ppid, p.state ?? 'S', p.ticks, p.start),
    });
    out.push({ name: `${d}/proc/${p.pid}/cmdline`, data: (p.cmd ?? 'python3 app.py').replace(/ /g, '\0') });
    if (p.mem) out.push({ name: `${d}/proc/${p.pid}/smaps_rollup`, data: smaps(...p.mem) });
  }
  return out;
}

const master = (sec: number, own: number, reaped: number): P => ({
  pid: 100,
  ppid: 1,
  ticks: [own, 0, reaped, 0],
  start: 1000,
  mem: [1000, 500, 100, 50],
});
// worker 101 (start 10.5 s): 80 ticks at its last sample (12 s), 85 when reaped; worker 102
// (start 12.1 s) born and reaped between two snapshots after 40 ticks; the master's cutime
// shows 102 at 13 s but 101 only at 14 s (it read the master before reaping 101). Worker 103
// is a zombie at 14 s; 104 is the resource tracker.
const entries = [
  ...snap(11, [
    master(11, 10, 0),
    { pid: 101, ppid: 100, ticks: [20, 10, 0, 0], start: 1050, mem: [4000, 2000, 1000, 500] },
    { pid: 103, ppid: 100, ticks: [0, 0, 0, 0], start: 1090, mem: [4000, 2000, 1000, 500] },
    {
      pid: 104,
      ppid: 100,
      ticks: [1, 0, 0, 0],
      start: 1001,
      mem: [100, 50, 40, 0],
      cmd: 'python3 -c from multiprocessing.resource_tracker import main',
    },
  ]),
  ...snap(12, [
    master(12, 10, 0),
    { pid: 101, ppid: 100, ticks: [60, 20, 0, 0], start: 1050, mem: [4000, 2000, 1000, 500] },
    { pid: 103, ppid: 100, ticks: [10, 0, 0, 0], start: 1090, mem: [4000, 2000, 1000, 500] },
    { pid: 104, ppid: 100, ticks: [1, 0, 0, 0], start: 1001, mem: [100, 50, 40, 0] },
  ]),
  ...snap(13, [
    master(13, 11, 40),
    { pid: 103, ppid: 100, ticks: [12, 0, 0, 0], start: 1090, mem: [4000, 2000, 1000, 500] },
    { pid: 104, ppid: 100, ticks: [1, 0, 0, 0], start: 1001, mem: [100, 50, 40, 0] },
  ]),
  ...snap(14, [
    master(14, 11, 125),
    { pid: 103, ppid: 100, state: 'Z', ticks: [12, 0, 0, 0], start: 1090 },
    { pid: 104, ppid: 100, ticks: [1, 0, 0, 0], start: 1001, mem: [100, 50, 40, 0] },
  ]),
];

const dir = mkdtempSync(join(tmpdir(), 'procfs-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the /proc reference on a recording with known answers', () => {
  const path = join(dir, 'rec.tar.gz');
  // one entry under a pax path, to read names as GNU tar writes long ones
  const [first, ...rest] = entries;
  writeFileSync(
    path,
    gzipSync(
      tarOf([
        { name: 'x', type: 'x', data: paxRecord('path', first!.name) },
        { ...first!, name: 'short' },
        ...rest,
      ]),
    ),
  );
  const r = new ProcfsReference(path);

  it('finds the boot time from uptime and the roles', () => {
    expect(Math.abs(r.boot.ms - BOOT)).toBeLessThanOrEqual(20);
    expect(r.snaps).toHaveLength(4);
    expect(r.identities.map((i) => [i.pid, i.role])).toEqual([
      [100, 'master'],
      [104, 'helper'],
      [101, 'worker'],
      [103, 'worker'],
    ]);
    expect(r.byPid(101).startMs - r.boot.ms).toBe(10_500);
  });

  it('counts CPU from zero at each start, and the reaped children’s CPU from the parent once', () => {
    // own ticks: master 11, tracker 1, 101: 80, 103: 12; reaped beyond the samples: 125 − 80 = 45
    expect(r.cpuSeconds(-Infinity, Infinity)).toBeCloseTo((11 + 1 + 80 + 12 + 45) / 100, 10);
    expect(r.cpuSeconds(-Infinity, Infinity, { reaped: false })).toBeCloseTo((11 + 1 + 80 + 12) / 100, 10);
    // the reaped 45 ticks fall in the interval where the master's cutime showed them (13–14 s)
    expect(r.cpuSeconds(BOOT + 13_000, BOOT + 14_000)).toBeCloseTo(45 / 100, 10);
    // 101's first 30 ticks are spread over its start (10.5 s) .. first sample (11 s)
    const w = r.byPid(101);
    expect(ProcfsReference.ticksAt(w, (w.startMs + BOOT + 11_000) / 2)).toBeCloseTo(15, 6);
    // the dip at 13 s (101 gone, its reaping not yet in the master's cutime) is not negative CPU
    expect(r.reaped.map((x) => x.ticks)).toEqual([0, 45]);
    expect(r.reaped[0]!.children).toEqual(['101:1050']);
  });

  it('counts the workers alive and sums memory over the live processes only', () => {
    const s = r.perSnapshot();
    expect(s.map((x) => x.workersAlive)).toEqual([2, 2, 1, 0]);
    expect(s.map((x) => x.pss)).toEqual([4550 * 1024, 4550 * 1024, 2550 * 1024, 550 * 1024]);
    expect(s[0]!.uss).toBe((150 + 1500 + 1500 + 40) * 1024);
    expect(s[0]!.rss).toBe((1000 + 4000 + 4000 + 100) * 1024);
    const w = r.window(BOOT + 11_500, BOOT + 14_000);
    expect(w.snapshots).toBe(3);
    expect(w.pss.peak).toBe(4550 * 1024);
    expect(w.pss.median).toBe(2550 * 1024);
    expect(w.workersAlive).toEqual({ median: 1, min: 0 });
  });

  it('settles a worker at the first moment from which it uses under 0.05 cores for 1 s', () => {
    const st = new Map(r.startup().map((x) => [x.pid, x]));
    // 103: 10 ticks in 11–12 s, 2 in 12–13 s (0.02 cores): settled at the 12 s sample
    expect(st.get(103)!.settledMs).toBe(BOOT + 12_000);
    expect(st.get(103)!.seconds).toBeCloseTo((BOOT + 12_000 - r.byPid(103).startMs) / 1000, 10);
    expect(st.get(103)!.cpuSeconds).toBeCloseTo(0.1, 10);
    // 101: busy until its last sample, never a quiet second
    expect(st.get(101)!.settledMs).toBeNull();
  });
});
