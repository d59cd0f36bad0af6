import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExperimentFolder } from '../../src/report/timeline.js';
import { cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

let n = 0;
/** An experiment folder holding only the given timeline.json text. */
function folderWith(text: string): string {
  const dir = join(tmp.dir, `exp-${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'timeline.json'), text);
  return dir;
}

const run = (name: string, outcome: string, events: [string, number][], extra: object = {}) => ({
  name,
  deployment: name,
  run: 1,
  command: 'serve',
  folder: name,
  outcome,
  events: events.map(([event, t_ms]) => ({ event, t_ms })),
  load: null,
  ...extra,
});

const timeline = (runs: object[]) => JSON.stringify({ format: 'trace-analyze-experiment', version: 1, runs });

const COMPLETE: [string, number][] = [
  ['start', 1_800_000_000_000],
  ['ready', 1_800_000_001_250],
  ['load_start', 1_800_000_003_250],
  ['load_end', 1_800_000_013_250],
  ['stop', 1_800_000_016_000],
  ['gone', 1_800_000_017_000],
];

describe('an experiment folder in the report', () => {
  it('a plain folder of deployments is not an experiment', () => {
    expect(readExperimentFolder(tmp.dir)).toBeUndefined();
  });

  it('completed runs become deployments with the timeline phases and ready time; others are left out', () => {
    const dir = folderWith(
      timeline([
        run('a', 'completed', COMPLETE, {
          events: [
            ...COMPLETE.map(([event, t_ms]) => ({ event, t_ms })),
            { event: 'kill_worker', t_ms: 1, pid: 42 },
          ],
          load: { tool: 'autocannon', output: 'autocannon.json', files: ['autocannon.json'] },
        }),
        run('b', 'interrupted', COMPLETE.slice(0, 3)),
      ]),
    );
    const folder = readExperimentFolder(dir)!;
    // the load's output is imported beside the snapshots, placed at the load's start
    expect(folder.deployments).toEqual([
      {
        name: 'a',
        path: join(dir, 'a', 'snapshots'),
        load: { path: join(dir, 'a', 'autocannon.json'), start: 1_800_000_003_250 },
      },
    ]);
    expect(folder.phases.map((p) => [p.deployment, p.name, p.start, p.end])).toEqual([
      ['a', 'idle', '1800000001.250', '1800000003.250'],
      ['a', 'load', '1800000003.250', '1800000013.250'],
      ['a', 'after-load', '1800000013.250', '1800000016.000'],
    ]);
    expect(folder.ready).toEqual([{ deployment: 'a', time: '1800000001.250' }]);
    expect(folder.facts.get('a')).toEqual({
      deployment: 'a',
      run: 1,
      command: 'serve',
      ready_seconds: 1.25,
      killed_worker_pid: 42,
      load: null,
    });
  });

  it('a broken timeline is a one-line error naming the file (exit 1)', () => {
    const cases: [string, string][] = [
      ['{"format": "trace-analyze-experiment", ', 'not a readable experiment timeline: '],
      [
        JSON.stringify({ format: 'other', version: 1, runs: [] }),
        'not a readable experiment timeline: "format" is not "trace-analyze-experiment" with "version" 1',
      ],
      [
        timeline([run('a', 'completed', COMPLETE.slice(0, 2))]),
        'not a readable experiment timeline: runs[0] is completed but lacks one of',
      ],
      [
        timeline([run('../up', 'completed', COMPLETE)]),
        'not a readable experiment timeline: runs[0].name is not a deployment name',
      ],
      [
        timeline([run('a', 'completed', COMPLETE, { load: { output: '../../etc/passwd' } })]),
        "not a readable experiment timeline: runs[0].load.output is not a file name inside the run's folder",
      ],
      [
        timeline([run('a', 'completed', [['start', -5], ...COMPLETE.slice(1)])]),
        'not a readable experiment timeline: runs[0]: the "start" event has no t_ms',
      ],
    ];
    for (const [text, message] of cases) {
      const dir = folderWith(text);
      const r = cli(['report', dir, '--format', 'json']);
      expect(r.stderr).toContain(`trace-analyze: ${join(dir, 'timeline.json')}: ${message}`);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.status).toBe(1);
    }
  });

  it('an experiment without a completed run has nothing to report (exit 1)', () => {
    const dir = folderWith(timeline([run('a', 'failed', [['failed', 1_800_000_000_000]])]));
    const r = cli(['report', dir]);
    expect(r.stderr).toBe(`trace-analyze: ${dir}: the experiment has no completed run to report on\n`);
    expect(r.status).toBe(1);
  });
});
