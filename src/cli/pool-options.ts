import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationMs, parseTimeArg } from '../base/time.js';
import type { PoolParameters, PoolTime } from '../models/pool-types.js';

/** `--phase [deployment/]name=start..end`, times not yet resolved (they may be relative to a deployment's start). */
export interface PhaseSpec {
  deployment?: string;
  name: string;
  start: string;
  end: string;
  /** The option text, for error messages. */
  text: string;
}

/** `--ready [deployment/]time`. */
export interface ReadySpec {
  deployment?: string;
  time: string;
}

/** The --ready and --phase options of `report`, parsed, times not yet resolved. */
export interface PoolOptions {
  phases?: PhaseSpec[];
  ready?: ReadySpec[];
}

/** The --ready and --phase options as model parameters; a named deployment must exist. */
export function poolParameters(options: PoolOptions): (deployments: string[]) => PoolParameters {
  return (names) => resolve(names, options);
}

function resolve(names: string[], options: PoolOptions): PoolParameters {
  const deployment = (name: string | undefined, option: string) => {
    if (name === undefined) return null;
    if (!names.includes(name)) throw new UsageError(msg.poolUnknownDeployment(option, name, names));
    return name;
  };
  return {
    ready: (options.ready ?? []).map((r) => ({
      deployment: deployment(r.deployment, '--ready'),
      time: poolTime(r.time, '--ready'),
    })),
    phases: (options.phases ?? []).map((p) => {
      const start = poolTime(p.start, '--phase');
      const end = poolTime(p.end, '--phase');
      if (start.relative === end.relative && end.ms <= start.ms)
        throw new UsageError(msg.poolEmptyPhase(p.text));
      return { deployment: deployment(p.deployment, '--phase'), name: p.name, start, end };
    }),
  };
}

/** A duration (`20s`, `1m30s`) counts from the deployment's start; anything else is an absolute time. */
function poolTime(text: string, option: string): PoolTime {
  const offset = parseDurationMs(text.trim());
  if (offset !== undefined) return { ms: offset, relative: true };
  return { ms: parseTimeArg(text, option), relative: false };
}

/**
 * `--phase [deployment/]name=start..end`: a phase given instead of the detected ones. Times are
 * absolute (RFC 3339, unix seconds) or durations after the deployment's start (`20s..80s`);
 * they are read when the deployment's start is known (by the pool models, src/models/pool/100-params.sql).
 */
export function parsePhaseOption(text: string): PhaseSpec {
  const m = /^(?:([^/=]+)\/)?([^/=]+)=(.+?)\.\.(.+)$/.exec(text.trim());
  if (!m) throw new UsageError(msg.poolBadPhase(text));
  return { deployment: m[1], name: m[2]!, start: m[3]!, end: m[4]!, text };
}

/** `--ready [deployment/]time`: when the pool was ready, absolute or a duration after the deployment's start. */
export function parseReadyOption(text: string): ReadySpec {
  const slash = text.indexOf('/');
  return slash < 0 ? { time: text } : { deployment: text.slice(0, slash), time: text.slice(slash + 1) };
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
