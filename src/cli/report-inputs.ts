import { statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseTimeArg } from '../base/time.js';
import { detect } from '../importers/index.js';
import { ioError, openSource } from '../importers/source.js';

/** One deployment of a one-shot report: its name and the file or folder imported into it. */
export interface OneShotDeployment {
  name: string;
  path: string;
  /** --start <deployment>=<time>: places its psrecord logs (and scrapes without times). */
  start?: number;
}

/**
 * The deployments an argument of `report <path...>` names. Each argument is either one
 * deployment, named after it — a file (`run.tar.gz` from `collect --out run.tar.gz`), a folder
 * holding at least one file in a known format, or a folder an importer reads as a whole (a /proc
 * snapshot folder from `collect --out dir`) — or else a folder of deployment folders, each
 * subfolder one deployment.
 */
export async function deploymentsIn(path: string): Promise<OneShotDeployment[]> {
  const source = await openSource(path);
  if (source.kind === 'file') return [{ name: fileDeploymentName(path), path }];
  const named = [{ name: basename(resolve(path)), path }];
  const entries = source.entries.filter((e) => !e.startsWith('.'));
  const subfolders: string[] = [];
  for (const entry of entries) {
    const full = join(path, entry);
    let info;
    try {
      info = statSync(full);
    } catch (e) {
      throw ioError(full, e);
    }
    if (info.isDirectory()) subfolders.push(entry);
    else if (info.isFile() && detect(await openSource(full))) return named;
  }
  const asDeployments = subfolders.map((name) => ({ name, path: join(path, name) }));
  if (detect(source)) {
    // Read whole (a snapshot folder) — unless each subfolder is read whole on its own: then
    // they are deployments (the procfs importer also takes <deployment>/<unix_ms> as one set).
    const each = await Promise.all(asDeployments.map(async (d) => detect(await openSource(d.path))));
    return subfolders.length === entries.length && each.every(Boolean) ? asDeployments : named;
  }
  if (subfolders.length === 0) throw new CliError(msg.reportNothingRecognised(path));
  return asDeployments;
}

/** Two inputs that would be one deployment (the same name) are an error, not a silent merge. */
export function checkDistinctNames(deployments: readonly { name: string; path: string }[]): void {
  const seen = new Map<string, string>();
  for (const d of deployments) {
    const first = seen.get(d.name);
    if (first !== undefined) throw new CliError(msg.reportDuplicateDeployment(d.name, first, d.path));
    seen.set(d.name, d.path);
  }
}

/** `run.tar.gz` → `run`, `incident.json.gz` → `incident`, `psrecord.log` → `psrecord`. */
function fileDeploymentName(path: string): string {
  const name = basename(path).replace(/\.gz$/i, '');
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * `--start <deployment>=<time>` (repeatable), or a bare `--start <time>` when there is one
 * deployment: sets `start` on the deployments it names.
 */
export function applyStartOptions(texts: readonly string[], deployments: OneShotDeployment[]): void {
  const known = deployments.map((d) => d.name);
  for (const text of texts) {
    const eq = text.indexOf('=');
    let target: OneShotDeployment | undefined;
    if (eq < 0) {
      if (deployments.length !== 1) throw new UsageError(msg.reportStartNeedsDeployment(text, known));
      target = deployments[0]!;
    } else {
      const name = text.slice(0, eq);
      target = deployments.find((d) => d.name === name);
      if (!target) throw new UsageError(msg.poolUnknownDeployment('--start', name, known));
    }
    if (target.start !== undefined) throw new UsageError(msg.reportStartTwice(target.name));
    target.start = parseTimeArg(eq < 0 ? text : text.slice(eq + 1), '--start');
  }
}
