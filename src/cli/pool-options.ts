import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { PhaseSpec, ReadySpec } from '../models/pool-report.js';

/**
 * `--phase [deployment/]name=start..end`: a phase given instead of the detected ones. Times are
 * absolute (RFC 3339, unix seconds) or durations after the deployment's start (`20s..80s`);
 * they are read when the deployment's start is known (src/models/pool-report.ts).
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
