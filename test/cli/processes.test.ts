import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPTURE, MODES, cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

interface Timeline {
  modes: Record<string, { events: { event: string; pid?: number; log_birth_time?: string }[] }>;
}
const timeline = JSON.parse(readFileSync(join(CAPTURE, 'timeline.json'), 'utf8')) as Timeline;

/** The snapshot the README's key numbers use: "idle_before_load (<ms>)" for the mode. */
function idleSnapshot(mode: string): number {
  const readme = readFileSync(join(CAPTURE, 'README.md'), 'utf8');
  return Number(new RegExp(`^\\| ${mode} \\| idle_before_load \\((\\d+)\\)`, 'm').exec(readme)![1]);
}

describe("import a deployment's snapshots and psrecord logs, then query processes and pool sums", () => {
  for (const mode of MODES) {
    it(mode, () => {
      const db = join(tmp.dir, `${mode}.duckdb`);
      const birth = (which: string) =>
        timeline.modes[mode]!.events.find(
          (e) => e.event === `psrecord_${which}_exited`,
        )!.log_birth_time!.replace(/^(\S+) (\d\d:\d\d:\d\d\.\d{3})\d* \+0000$/, '$1T$2Z');
      const imports = [
        ['procsnap', 'procsnap-' + mode + '.tar.gz', undefined],
        ['modes', `${mode}/psrecord.log`, birth('plain')],
        ['modes', `${mode}/psrecord.csv`, birth('csv')],
      ] as const;
      for (const [dir, file, start] of imports) {
        const args = ['import', join(CAPTURE, dir, file), '--db', db, '--deployment', mode];
        const r = cli(start ? [...args, '--start', start] : args);
        expect(r.status, r.stderr).toBe(0);
      }

      const procs = cli([
        'query',
        '--db',
        db,
        '--format',
        'json',
        'SELECT pid, role, pool FROM processes ORDER BY pid',
      ]);
      expect(procs.status).toBe(0);
      const rows = JSON.parse(procs.stdout) as { pid: number; role: string; pool: string }[];
      const master = timeline.modes[mode]!.events.find((e) => e.event === 'server_launch')!.pid!;
      expect(rows.find((r) => r.role === 'master')!.pid).toBe(master);

      // Σ per role at the README's idle snapshot, from the database and straight from the files
      const ts = idleSnapshot(mode);
      const q = cli([
        'query',
        '--db',
        db,
        '--format',
        'json',
        `SELECT p.role, s.metric, sum(v.value)::BIGINT AS bytes
         FROM samples v JOIN series s USING (series_id) JOIN processes p ON p.deployment = s.deployment AND p.process_key = s.process_key
         WHERE v.ts = ${ts} AND s.metric IN ('process_pss_bytes', 'process_uss_bytes', 'process_resident_memory_bytes')
         GROUP BY ALL ORDER BY ALL`,
      ]);
      expect(q.status).toBe(0);
      const got = JSON.parse(q.stdout) as { role: string; metric: string; bytes: number }[];

      const dir = join(tmp.dir, `snap-${mode}`);
      execFileSync('mkdir', ['-p', dir]);
      execFileSync('tar', [
        '-xzf',
        join(CAPTURE, 'procsnap', `procsnap-${mode}.tar.gz`),
        '-C',
        dir,
        `${mode}/${ts}`,
      ]);
      const procDir = join(dir, mode, String(ts), 'proc');
      const field = (text: string, key: string) =>
        Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)![1]) * 1024;
      const roleOf = new Map(rows.map((r) => [r.pid, r.role]));
      const want = new Map<string, number>();
      const add = (key: string, v: number) => want.set(key, (want.get(key) ?? 0) + v);
      for (const pid of readdirSync(procDir).filter((n) => /^\d+$/.test(n))) {
        const role = roleOf.get(Number(pid))!;
        const smaps = readFileSync(join(procDir, pid, 'smaps_rollup'), 'utf8');
        add(`${role} process_pss_bytes`, field(smaps, 'Pss'));
        add(`${role} process_uss_bytes`, field(smaps, 'Private_Clean') + field(smaps, 'Private_Dirty'));
        add(
          `${role} process_resident_memory_bytes`,
          field(readFileSync(join(procDir, pid, 'status'), 'utf8'), 'VmRSS'),
        );
      }
      expect(new Map(got.map((g) => [`${g.role} ${g.metric}`, Number(g.bytes)]))).toEqual(want);

      const series = cli([
        'query',
        '--db',
        db,
        '--format',
        'json',
        `SELECT count(*) AS n FROM series WHERE metric LIKE 'process_tree_%'`,
      ]);
      expect(JSON.parse(series.stdout)[0].n).toBe('7'); // plain: cpu, rss, vms; csv: + nproc (BIGINT: a string)
    });
  }
});
