import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, MODES, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

interface Timeline {
  modes: Record<string, { events: { event: string; log_birth_time?: string }[] }>;
}
const timeline = JSON.parse(readFileSync(join(CAPTURE, 'timeline.json'), 'utf8')) as Timeline;

/** log_birth_time ("2026-11-27 15:19:33.295424809 +0000") as unix-seconds text and as integer ms. */
function birthTime(mode: string, which: 'plain' | 'csv'): { text: string; ms: number } {
  const event = timeline.modes[mode]!.events.find((e) => e.event === `psrecord_${which}_exited`)!;
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d+) \+0000$/.exec(event.log_birth_time!)!;
  const seconds = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const fraction = m[7]!;
  return { text: `${seconds}.${fraction}`, ms: seconds * 1000 + Math.round(Number(`0.${fraction}`) * 1000) };
}

async function stored(db: TraceDatabase, deployment: string) {
  const rows = await db.rowsJS(
    `SELECT s.metric, s.labels['file'] AS file, p.ts, p.value FROM samples p JOIN series s USING (series_id)
     WHERE s.deployment = $d ORDER BY s.metric, p.ts`,
    { d: deployment },
  );
  const out = new Map<string, [number, number][]>();
  for (const r of rows) {
    const key = r.metric as string;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push([Number(r.ts), r.value as number]);
  }
  return out;
}

/** The raw file read independently: columns by header position. */
function rawRows(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines[0]!.startsWith('#')) {
    return {
      header: ['elapsed', 'cpu', 'rss', 'vms'],
      rows: lines.slice(1).map((l) => l.trim().split(/\s+/)),
    };
  }
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

describe('psrecord on the real capture', () => {
  for (const mode of MODES) {
    for (const [file, which] of [
      ['psrecord.log', 'plain'],
      ['psrecord.csv', 'csv'],
    ] as const) {
      it(`${mode}/${file}: every value exact, times from --start (log_birth_time)`, async () => {
        const db = await TraceDatabase.open(':memory:');
        const start = birthTime(mode, which);
        const { outcomes } = await importPath(db, join(CAPTURE, 'modes', mode, file), {
          deployment: mode,
          start: start.ms,
        });
        expect(outcomes[0]!.format).toBe('psrecord');
        const result = outcomes[0]!.result;
        expect(result.status === 'imported' && result.warnings).toEqual([]);
        const got = await stored(db, mode);
        const raw = rawRows(join(CAPTURE, 'modes', mode, file));
        const col = (name: string) =>
          which === 'plain' ? ['elapsed', 'cpu', 'rss', 'vms'].indexOf(name) : raw.header.indexOf(name);
        const [tIdx, cpuIdx, rssIdx, vmsIdx] =
          which === 'plain'
            ? [col('elapsed'), col('cpu'), col('rss'), col('vms')]
            : [col('elapsed_time'), col('cpu'), col('mem_real'), col('mem_virtual')];
        const ts = raw.rows.map((r) => start.ms + Math.round(Number(r[tIdx!]) * 1000));
        const expectSeries = (metric: string, idx: number, f: (v: number) => number) =>
          expect(got.get(metric)).toEqual(raw.rows.map((r, i) => [ts[i], f(Number(r[idx]))]));
        expectSeries('process_tree_cpu_cores', cpuIdx!, (v) => v / 100);
        expectSeries('process_tree_resident_memory_bytes', rssIdx!, (v) => v * 1024 * 1024);
        expectSeries('process_tree_virtual_memory_bytes', vmsIdx!, (v) => v * 1024 * 1024);
        if (which === 'csv') expectSeries('process_tree_processes', col('nproc'), (v) => v);
        db.close();
      });
    }
  }

  it('without --start: the mtime minus the duration, with a warning', async () => {
    const db = await TraceDatabase.open(':memory:');
    const path = join(CAPTURE, 'modes', 'gunicorn', 'psrecord.log');
    const { outcomes } = await importPath(db, path, { deployment: 'g' });
    const r = outcomes[0]!.result;
    const rows = rawRows(path).rows;
    const last = Number(rows.at(-1)![0]);
    const start = Math.round(statSync(path).mtimeMs - last * 1000);
    expect(r.status === 'imported' && r.warnings).toEqual([
      msg.psrecordStartFromMtime(new Date(start).toISOString(), 'g'),
    ]);
    // The warning names the options that exist: import's --start and the one-shot report's.
    expect(r.status === 'imported' && r.warnings[0]).toContain(
      'import --start <time>, or report --start g=<time>',
    );
    const [first] = await db.rowsJS(`SELECT min(ts) AS ts FROM samples`);
    expect(Number(first!.ts)).toBe(start + Math.round(Number(rows[0]![0]) * 1000));
    db.close();
  });

  it('--start makes another import of the same bytes; the same --start again is a no-op', async () => {
    const db = await TraceDatabase.open(':memory:');
    const path = join(CAPTURE, 'modes', 'gunicorn', 'psrecord.log');
    const rows = rawRows(path).rows;
    const first = await importPath(db, path, { deployment: 'g' });
    expect(first.outcomes[0]!.result.status).toBe('imported');
    const start = Date.parse('2031-01-01T00:00:00Z'); // after the first import (placed by mtime)
    const placed = (await importPath(db, path, { deployment: 'g', start })).outcomes[0]!.result;
    expect(placed.status).toBe('imported');
    expect(placed.status === 'imported' && placed.warnings).toEqual([msg.importOtherStart(1, 'g')]);
    const again = (await importPath(db, path, { deployment: 'g', start })).outcomes[0]!.result;
    expect(again).toEqual({ status: 'noop', importId: 2 });
    const unplaced = (await importPath(db, path, { deployment: 'g' })).outcomes[0]!.result;
    expect(unplaced).toEqual({ status: 'noop', importId: 1 });
    const [imp] = await db.rowsJS(`SELECT start_ts FROM imports WHERE import_id = 2`);
    expect(Number(imp!.start_ts)).toBe(start);
    // The second import's samples sit at --start plus the elapsed times of the log.
    const ts = await db.rowsJS(
      `SELECT min(ts) AS lo, max(ts) AS hi FROM samples JOIN series USING (series_id) WHERE ts >= $s`,
      { s: start },
    );
    expect(Number(ts[0]!.lo)).toBe(start + Math.round(Number(rows[0]![0]) * 1000));
    expect(Number(ts[0]!.hi)).toBe(start + Math.round(Number(rows.at(-1)![0]) * 1000));
    db.close();
  });
});

describe('psrecord variants (generated)', () => {
  const write = (name: string, text: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const metrics = async (path: string) => {
    const db = await TraceDatabase.open(':memory:');
    const { outcomes } = await importPath(db, path, { deployment: 'd', start: 1_000_000 });
    const rows = await db.rowsJS(
      `SELECT s.metric, s.kind, list(p.value ORDER BY p.ts) AS v, list(p.ts::DOUBLE ORDER BY p.ts) AS t
       FROM series s JOIN samples p USING (series_id) GROUP BY ALL ORDER BY 1`,
    );
    db.close();
    return { outcomes, rows: Object.fromEntries(rows.map((r) => [r.metric as string, r])) };
  };

  it('plain log with I/O columns and stdout status lines mixed in', async () => {
    const header = `# ${['Elapsed time', 'CPU (%)', 'Real (MB)', 'Virtual (MB)', 'Read count', 'Write count', 'Read bytes', 'Write bytes'].map((h) => h.padStart(Math.ceil((12 + h.length) / 2)).padEnd(12)).join(' ')}`;
    const path = write(
      'io.log',
      [
        'Attaching to process 4242',
        header,
        '       0.000        0.000       10.000       20.000           5           6        1024        2048',
        '       0.500      150.000       12.500       20.000           7           9        4096        8192',
        'Process finished (0.75 seconds)',
        '',
      ].join('\n'),
    );
    const { outcomes, rows } = await metrics(path);
    expect(outcomes[0]!.format).toBe('psrecord');
    expect(rows.process_tree_cpu_cores!.v).toEqual([0, 1.5]);
    expect(rows.process_tree_cpu_cores!.t).toEqual([1_000_000, 1_000_500]);
    expect(rows.process_tree_resident_memory_bytes!.v).toEqual([10 * 1048576, 12.5 * 1048576]);
    expect(rows.process_tree_io_read_count_total).toMatchObject({ kind: 'counter', v: [5, 7] });
    expect(rows.process_tree_io_write_count_total!.v).toEqual([6, 9]);
    expect(rows.process_tree_io_read_bytes_total!.v).toEqual([1024, 4096]);
    expect(rows.process_tree_io_write_bytes_total!.v).toEqual([2048, 8192]);
  });

  it('csv v1.4 with I/O columns and csv v1.3 without nproc', async () => {
    const v14 = write(
      'v14.csv',
      'elapsed_time,nproc,cpu,mem_real,mem_virtual,read_count,write_count,read_bytes,write_bytes\n' +
        '0.25,3,50.0,1.5,2.0,1,2,3,4\n',
    );
    const a = await metrics(v14);
    expect(a.rows.process_tree_processes!.v).toEqual([3]);
    expect(a.rows.process_tree_cpu_cores!.v).toEqual([0.5]);
    expect(a.rows.process_tree_io_write_bytes_total!.v).toEqual([4]);
    const v13 = write(
      'v13.csv',
      'elapsed_time,cpu,mem_real,mem_virtual\n0.0,0.0,1.0,2.0\n1.0,100.0,1.0,2.0\n',
    );
    const b = await metrics(v13);
    expect(Object.keys(b.rows).sort()).toEqual([
      'process_tree_cpu_cores',
      'process_tree_resident_memory_bytes',
      'process_tree_virtual_memory_bytes',
    ]);
    expect(b.rows.process_tree_cpu_cores!.t).toEqual([1_000_000, 1_001_000]);
  });

  it('a bad number is an error naming the file, line and column; the database is unchanged', async () => {
    const path = write(
      'bad.csv',
      'elapsed_time,cpu,mem_real,mem_virtual\n0.0,0.0,1.0,2.0\n0.5,abc,1.0,2.0\n',
    );
    const db = await TraceDatabase.open(join(tmp.dir, 'bad.duckdb'), { create: true });
    const before = await contentHash(db);
    const error = await importPath(db, path, { deployment: 'd', start: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`${path}:3:2: ${msg.psrecordBadNumber('abc')}`);
    expect(await contentHash(db)).toBe(before);
    db.close();
  });
});
