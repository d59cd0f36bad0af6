import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadRecord } from './load.js';

/**
 * `timeline.json`, the experiment's record of what it did and when (unix ms of this machine's
 * clock), written again after every event so an interrupted experiment leaves it complete up
 * to the interruption. The report reads it (src/report/timeline.ts) for the deployments, their
 * phases and ready times and the load's output. Field by field: docs/experiment.md.
 */
export const TIMELINE_FILE = 'timeline.json';
export const TIMELINE_FORMAT = 'trace-analyze-experiment';

export type EventName =
  | 'start'
  | 'ready'
  | 'load_start'
  | 'kill_worker'
  | 'load_end'
  | 'stop'
  | 'sigkill'
  | 'gone'
  | 'failed'
  | 'interrupted';

export interface TimelineEvent {
  event: EventName;
  t_ms: number;
  /** start: the group leader; kill_worker: the worker killed. */
  pid?: number;
  /** kill_worker: the master whose worker was killed. */
  master?: number;
  /** kill_worker: the killed worker's command line. */
  cmdline?: string;
  /** ready: seconds from start to the first 2xx. */
  seconds?: number;
  /** failed, interrupted: what happened. */
  reason?: string;
}

export type RunOutcome = 'running' | 'completed' | 'failed' | 'interrupted';

export interface TimelineRun {
  /** The deployment's name in the report: `<deployment>`, or `<deployment>-run<k>` with --runs > 1. */
  name: string;
  deployment: string;
  /** 1-based run number of this deployment. */
  run: number;
  command: string;
  /** The run's folder, relative to the experiment's; snapshots are in its `snapshots/`. */
  folder: string;
  outcome: RunOutcome;
  events: TimelineEvent[];
  load: LoadRecord | null;
}

export interface Timeline {
  format: typeof TIMELINE_FORMAT;
  version: 1;
  tool_version: string;
  started_ms: number;
  finished_ms: number | null;
  outcome: 'running' | 'completed' | 'failed' | 'interrupted';
  /** What stopped the experiment early, when it did. */
  reason: string | null;
  settings: {
    ready_url: string;
    load:
      | { kind: 'builtin'; url: string; rate: number; duration_ms: number; connections: number }
      | { kind: 'command'; command: string };
    idle_ms: number;
    after_ms: number;
    runs: number;
    kill_worker_at_ms: number | null;
    interval_ms: number;
    grace_ms: number;
    cwd: string | null;
    /** Names of the variables set with --env (values are not recorded: they may be secrets). */
    env: string[];
  };
  runs: TimelineRun[];
}

/** Writes the timeline under a temporary name and renames it, so a reader never sees half a file. */
export function writeTimeline(dir: string, timeline: Timeline): void {
  const partial = join(dir, `.${TIMELINE_FILE}.partial`);
  writeFileSync(partial, `${JSON.stringify(timeline, null, 2)}\n`);
  renameSync(partial, join(dir, TIMELINE_FILE));
}
