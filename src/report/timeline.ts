import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../base/errors.js';
import { isObject } from '../base/json.js';
import * as msg from '../base/messages.js';
import type { PhaseSpec, ReadySpec } from '../cli/pool-options.js';

/**
 * Reads an experiment's `timeline.json` (written by `trace-analyze experiment`,
 * docs/experiment.md) into what the report needs: the completed runs as deployments (their
 * `snapshots/` folders), each run's phases — idle (ready → load start), load (load start →
 * load end), after-load (load end → SIGTERM) — and ready time as if given with --phase and
 * --ready, the load's output to import beside the snapshots (placed at the load's start), and
 * the run's facts (time to ready, the worker killed; the load's counts come from the import).
 * Runs that failed or were interrupted are left out: their phases are incomplete.
 */
export const TIMELINE_FILE = 'timeline.json';

/** What the report shows of one run, as `experiment` of its deployment (docs/report-json.md). */
export interface RunFacts {
  deployment: string;
  run: number;
  command: string;
  ready_seconds: number | null;
  killed_worker_pid: number | null;
  /** What the imported load summary says (src/report/sql/080-load.sql); null when none was imported. */
  load: { tool: string; responses: number | null; errors: number | null } | null;
}

export interface ExperimentFolder {
  /** Each run's snapshots, and the load's output with the load's start (unix ms) when it has one. */
  deployments: { name: string; path: string; load?: { path: string; start: number } }[];
  phases: PhaseSpec[];
  ready: ReadySpec[];
  facts: Map<string, RunFacts>;
}

/** The experiment in `folder`, or undefined when it has no timeline.json (a plain folder of deployments). */
export function readExperimentFolder(folder: string): ExperimentFolder | undefined {
  const file = join(folder, TIMELINE_FILE);
  if (!existsSync(file)) return undefined;
  let timeline: unknown;
  try {
    timeline = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, undefined, msg.timelineBad((e as Error).message));
  }
  const bad = (detail: string): never => {
    throw new InputError(file, undefined, msg.timelineBad(detail));
  };
  if (!isObject(timeline) || timeline.format !== 'trace-analyze-experiment' || timeline.version !== 1)
    bad('"format" is not "trace-analyze-experiment" with "version" 1');
  const runs = (timeline as Record<string, unknown>).runs;
  if (!Array.isArray(runs)) bad('"runs" is not a list');
  const out: ExperimentFolder = { deployments: [], phases: [], ready: [], facts: new Map() };
  for (const [i, run] of (runs as unknown[]).entries()) {
    const where = `runs[${i}]`;
    if (!isObject(run)) return bad(`${where} is not an object`);
    if (run.outcome !== 'completed') continue;
    const name = run.name;
    const folderName = run.folder;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      return bad(`${where}.name is not a deployment name`);
    if (typeof folderName !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(folderName))
      return bad(`${where}.folder is not a folder name inside the experiment`);
    if (!Array.isArray(run.events)) return bad(`${where}.events is not a list`);
    const at = (event: string): number | undefined => {
      const e = (run.events as unknown[]).find((x) => isObject(x) && x.event === event);
      if (e === undefined) return undefined;
      const t = (e as Record<string, unknown>).t_ms;
      if (typeof t !== 'number' || !Number.isSafeInteger(t) || t <= 0)
        return bad(`${where}: the "${event}" event has no t_ms in unix milliseconds`);
      return t;
    };
    const ready = at('ready');
    const loadStart = at('load_start');
    const loadEnd = at('load_end');
    const stop = at('stop');
    const start = at('start');
    if ([ready, loadStart, loadEnd, stop, start].includes(undefined))
      return bad(`${where} is completed but lacks one of start, ready, load_start, load_end, stop`);
    const load = isObject(run.load) ? run.load : null;
    const output = load?.output;
    if (output !== undefined && (typeof output !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(output)))
      return bad(`${where}.load.output is not a file name inside the run's folder`);
    out.deployments.push({
      name,
      path: join(folder, folderName, 'snapshots'),
      ...(output !== undefined
        ? { load: { path: join(folder, folderName, output), start: loadStart! } }
        : {}),
    });
    const seconds = (ms: number) => (ms / 1000).toFixed(3);
    const phase = (phaseName: string, from: number, to: number) => {
      if (to > from)
        out.phases.push({
          deployment: name,
          name: phaseName,
          start: seconds(from),
          end: seconds(to),
          text: `${TIMELINE_FILE} ${where} ${phaseName}`,
        });
    };
    phase('idle', ready!, loadStart!);
    phase('load', loadStart!, loadEnd!);
    phase('after-load', loadEnd!, stop!);
    out.ready.push({ deployment: name, time: seconds(ready!) });
    const killed = (run.events as unknown[]).find((x) => isObject(x) && x.event === 'kill_worker');
    out.facts.set(name, {
      deployment: typeof run.deployment === 'string' ? run.deployment : name,
      run: typeof run.run === 'number' ? run.run : 1,
      command: typeof run.command === 'string' ? run.command : '',
      ready_seconds: (ready! - start!) / 1000,
      killed_worker_pid: isObject(killed) && typeof killed.pid === 'number' ? killed.pid : null,
      load: null,
    });
  }
  return out;
}
