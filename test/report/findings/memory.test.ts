import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePhaseOption } from '../../../src/cli/pool-options.js';
import type { MemoryModel } from '../../../src/models/pool-types.js';
import { memoryFindings } from '../../../src/report/findings/memory.js';
import { buildReport } from '../../../src/report/report.js';
import type { PhaseSpec } from '../../../src/cli/pool-options.js';
import type { DeploymentSummary, Finding } from '../../../src/report/summary.js';
import type { TraceDatabase } from '../../../src/store/database.js';
import { eventMs, openCapture } from '../../helpers/capture.js';
import { CAPTURE2, MODES2, event2Ms, type Mode2 } from '../../helpers/capture2.js';
import { CAPTURE, MODES } from '../../helpers/cli.js';
import {
  deploymentModelReference,
  expectInterval,
  numbersIn,
  referenceChange,
  type MemoryModelReference,
} from '../../helpers/memory-reference.js';
import { ProcfsReference } from '../../helpers/procfs-reference.js';

// The memory findings' numbers, in their text and their Answer sentence, against the memory
// model computed in the test from the raw /proc files (test/helpers/memory-reference.ts) —
// never against our SQL. Each number of a sentence is checked, in order.
const MIB = 1024 * 1024;

/** An expected number of a sentence: bytes shown in MiB, a fraction or change shown in %, or a count. */
type Expected = { mib: number } | { pct: number } | { count: number } | { ratio: number };

function expectNumbers(text: string, expected: Expected[]): void {
  const got = numbersIn(text);
  expect(got, text).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    const g = got[i]!;
    if ('mib' in e)
      expect(Math.abs(g - e.mib / MIB), `${text}\n#${i}`).toBeLessThanOrEqual(0.01 * (e.mib / MIB) + 0.06);
    else if ('pct' in e) expect(Math.abs(g - 100 * e.pct), `${text}\n#${i}`).toBeLessThanOrEqual(1);
    else if ('count' in e) expect(g, `${text}\n#${i}`).toBe(e.count);
    else expect(Math.abs(g - e.ratio), `${text}\n#${i}`).toBeLessThanOrEqual(0.02 * e.ratio + 0.005);
  });
}

type Change = ReturnType<typeof referenceChange>;

/**
 * A change as the sentence states it: "+1.0 % (95 % interval +0.6 % to +1.4 %)", else "no
 * measurable difference (±0.9 %)".
 */
function claimed(c: Change): Expected[] {
  return c.measurable
    ? [{ pct: c.change }, { count: 95 }, { pct: c.low }, { pct: c.high }]
    : [{ pct: Math.max(Math.abs(c.low), Math.abs(c.high)) }];
}

function capture(
  dir: string,
  modes: readonly string[],
  event: (m: string, e: string) => number,
  phases: PhaseSpec[] = [],
  baseline?: string,
) {
  const state = {
    db: undefined as TraceDatabase | undefined,
    deployments: [] as DeploymentSummary[],
    findings: [] as Finding[],
  };
  const refs = new Map(
    modes.map((m) => [m, new ProcfsReference(join(dir, 'procsnap', `procsnap-${m}.tar.gz`))]),
  );
  beforeAll(async () => {
    state.db = await openCapture(dir, modes);
    const built = await buildReport(state.db, {
      format: 'json',
      version: 'test',
      generatedAt: new Date(0),
      phases,
      baseline,
    });
    state.deployments = built.summary.deployments;
    state.findings = built.summary.findings;
  }, 300_000);
  afterAll(() => state.db?.close());
  const find = (mode: string) => state.deployments.find((d) => d.name === mode)!;
  /** The reference model of a deployment's phase: the load phase's, else the idle one's before it. */
  const ref = (mode: string, which: 'load' | 'before'): MemoryModelReference =>
    deploymentModelReference(refs.get(mode)!, find(mode), which, event(mode, 'sigterm_master'));
  const findings = (id: string) => state.findings.filter((f) => f.id === id);
  return { find, ref, findings };
}

/** memory-per-worker at the load phase with equal pools: the pools' PSS, and why. */
function checkPoolComparison(
  f: Finding,
  d: MemoryModelReference,
  b: MemoryModelReference,
  reason: { text: Expected[]; answer: Expected[] },
) {
  expect(f.values.basis).toBe('pool');
  const ref = referenceChange(b.pssSeries, d.pssSeries);
  const measurable = f.values.measurable === 'yes';
  expectInterval(f.values.interval_low, f.values.interval_high, measurable, ref, `${f.deployment} PSS`);
  const change = ref.change;
  expect(f.severity).toBe(
    !measurable ? 'info' : Math.abs(change) >= 0.1 ? 'major' : Math.abs(change) >= 0.02 ? 'minor' : 'info',
  );
  const head: Expected[] = [
    { count: d.workersAlive },
    { mib: d.pssBytes },
    { mib: b.pssBytes },
    ...claimed(ref),
  ];
  expectNumbers(f.text, [
    ...head,
    ...(measurable ? [{ mib: d.privateBytes }, { mib: b.privateBytes }, ...reason.text] : []),
  ]);
  expectNumbers(f.answer!, measurable ? [...head, ...reason.answer] : head);
}

describe('memory findings on real-capture-1 (baseline gunicorn-preload)', () => {
  const { find, ref, findings } = capture(CAPTURE, MODES, eventMs);

  it('memory-per-worker: at the load phase, 4 workers each, PSS of the pools; each worker of the others holds its own copy', () => {
    const base = ref('gunicorn-preload', 'load');
    for (const mode of ['gunicorn', 'uvicorn-spawn']) {
      const [f] = findings('memory-per-worker').filter((x) => x.deployment === mode);
      const d = ref(mode, 'load');
      // the shares before the load: the others' workers hold most of their pages, the preloaded
      // ones share their master's
      const before: Expected[] = [
        { pct: ref(mode, 'before').workerSharedFraction },
        { pct: ref('gunicorn-preload', 'before').workerSharedFraction },
      ];
      expect(d.workersAlive).toBe(4);
      expect(base.workersAlive).toBe(4);
      checkPoolComparison(f!, d, base, {
        text: [{ pct: d.workerSharedFraction }, { pct: base.workerSharedFraction }, ...before],
        answer: before,
      });
      expect(f!.text).toContain('At the load phase, with 4 workers each');
      expect(f!.answer).toContain(
        `each of ${mode}'s workers holds most of its resident pages as its own (it shares `,
      );
      expect(f!.answer).toContain(
        "where gunicorn-preload's share the pages their master loaded before forking (",
      );
      // like for like, the others hold about 1.6× the preloaded pool under load (2.5× idle)
      expect(d.pssBytes / base.pssBytes).toBeGreaterThan(1.5);
    }
    expect(findings('memory-per-worker').map((f) => f.deployment)).toEqual(['gunicorn', 'uvicorn-spawn']);
  });

  it('cow-erosion: only the preloaded workers, their private memory and PSS before and during the load', () => {
    expect(findings('cow-erosion').map((f) => f.deployment)).toEqual(['gunicorn-preload']);
    checkCow(findings('cow-erosion')[0]!, ref('gunicorn-preload', 'before'), ref('gunicorn-preload', 'load'));
    expect(
      find('gunicorn-preload').memory.cow!.during.pss_bytes -
        find('gunicorn-preload').memory.cow!.before.pss_bytes,
    ).toBeGreaterThan(90 * MIB);
  });

  it('rss-overstates: the load phase’s medians of summed RSS and PSS', () => {
    checkRss(findings('rss-overstates'), ref, MODES);
  });
});

function checkCow(f: Finding, before: MemoryModelReference, during: MemoryModelReference) {
  expect(f.severity).toBe(during.pssBytes - before.pssBytes >= 0.1 * before.pssBytes ? 'major' : 'minor');
  // the growth of each worker's private memory, claimed only as its interval excludes 0
  const grows = referenceChange(before.privateSeries, during.privateSeries);
  expectInterval(
    f.values.private_interval_low,
    f.values.private_interval_high,
    true,
    grows,
    'private growth',
  );
  const pool = referenceChange(before.pssSeries, during.pssSeries);
  expectInterval(
    f.values.pss_interval_low,
    f.values.pss_interval_high,
    (f.values.pss_interval_low as number) > 0 || (f.values.pss_interval_high as number) < 0,
    pool,
    'pool PSS growth',
  );
  expectNumbers(f.text, [
    { mib: before.privateBytes },
    { mib: during.privateBytes },
    ...claimed(grows),
    { mib: before.workerPssBytes },
    { mib: during.workerPssBytes },
    { pct: before.workerSharedFraction },
    { pct: during.workerSharedFraction },
    { mib: before.pssBytes },
    { mib: during.pssBytes },
    { count: before.workersAlive },
    { count: during.workersAlive },
    ...claimed(pool),
    { mib: before.sharedBytes },
    { mib: during.sharedBytes },
  ]);
  expectNumbers(f.answer!, [
    { mib: before.privateBytes },
    { mib: during.privateBytes },
    ...claimed(grows),
    { mib: before.pssBytes },
    { mib: during.pssBytes },
  ]);
}

function checkRss(
  found: Finding[],
  ref: (mode: string, which: 'load') => MemoryModelReference,
  modes: readonly string[],
) {
  expect(found.map((f) => f.deployment).sort()).toEqual([...modes].sort());
  for (const f of found) {
    const r = ref(f.deployment, 'load');
    expect(f.text).toContain('at the load phase');
    expectNumbers(f.text, [{ mib: r.rssBytes }, { mib: r.pssBytes }, { ratio: r.rssBytes / r.pssBytes }]);
    expect(f.answer).toBeUndefined();
  }
}

describe('memory findings on real-capture-2 (baseline gunicorn-recycle)', () => {
  const event = (m: string, e: string) => event2Ms(m as Mode2, e);
  const { ref, findings } = capture(CAPTURE2, MODES2, event);

  it('memory-per-worker: gunicorn-preload against the recycling pool, 4 workers each', () => {
    const [f] = findings('memory-per-worker').filter((x) => x.deployment === 'gunicorn-preload');
    const d = ref('gunicorn-preload', 'load');
    const b = ref('gunicorn-recycle', 'load');
    // the recycling workers hold more of their own: they come first in the reason
    const before: Expected[] = [
      { pct: ref('gunicorn-recycle', 'before').workerSharedFraction },
      { pct: ref('gunicorn-preload', 'before').workerSharedFraction },
    ];
    checkPoolComparison(f!, d, b, {
      text: [{ pct: b.workerSharedFraction }, { pct: d.workerSharedFraction }, ...before],
      answer: before,
    });
    expect(f!.values.relative_change).toBeLessThan(-0.3);
  });

  it('memory-per-worker: uvicorn-spawn’s 6 workers against 4, per live worker, with the model at 4', () => {
    const [f] = findings('memory-per-worker').filter((x) => x.deployment === 'uvicorn-spawn');
    const d = ref('uvicorn-spawn', 'load');
    const b = ref('gunicorn-recycle', 'load');
    expect([d.workersAlive, b.workersAlive]).toEqual([6, 4]);
    expect(f!.values.basis).toBe('per_live_worker');
    const c = referenceChange(b.privateSeries, d.privateSeries);
    const measurable = f!.values.measurable === 'yes';
    expectInterval(f!.values.interval_low, f!.values.interval_high, measurable, c, 'private per worker');
    const change = c.change;
    expect(f!.severity).toBe(
      !measurable ? 'info' : Math.abs(change) >= 0.1 ? 'major' : Math.abs(change) >= 0.02 ? 'minor' : 'info',
    );
    expect(f!.text).toContain('per live worker (uvicorn-spawn ran 6 workers, gunicorn-recycle 4)');
    const head: Expected[] = [
      { count: 6 },
      { count: 4 },
      { mib: d.privateBytes },
      { mib: b.privateBytes },
      ...claimed(c),
    ];
    expectNumbers(
      f!.text,
      measurable
        ? [...head, { mib: d.sharedBytes + 4 * d.privateBytes }, { count: 4 }, { mib: b.pssBytes }]
        : head,
    );
    expectNumbers(f!.answer!, head);
  });

  it('cow-erosion: only gunicorn-preload', () => {
    expect(findings('cow-erosion').map((f) => f.deployment)).toEqual(['gunicorn-preload']);
    checkCow(findings('cow-erosion')[0]!, ref('gunicorn-preload', 'before'), ref('gunicorn-preload', 'load'));
  });

  it('rss-overstates: the load phase’s medians of summed RSS and PSS', () => {
    checkRss(findings('rss-overstates'), ref, MODES2);
  });
});

describe('memory findings on real-capture-2 (baseline gunicorn-preload)', () => {
  const event = (m: string, e: string) => event2Ms(m as Mode2, e);
  const { ref, findings } = capture(CAPTURE2, MODES2, event, [], 'gunicorn-preload');

  it('memory-per-worker: each spawned worker holds far more than a preloaded one, its interval far from 0', () => {
    const [f] = findings('memory-per-worker').filter((x) => x.deployment === 'uvicorn-spawn');
    const d = ref('uvicorn-spawn', 'load');
    const b = ref('gunicorn-preload', 'load');
    expect(f!.values.basis).toBe('per_live_worker');
    const c = referenceChange(b.privateSeries, d.privateSeries);
    // from the snapshots alone: about 2.7× the private memory of a preloaded worker under load
    expect(c.change).toBeGreaterThan(1.5);
    expect(c.low).toBeGreaterThan(1.4);
    expectInterval(
      f!.values.interval_low,
      f!.values.interval_high,
      f!.values.measurable === 'yes',
      c,
      'private',
    );
    expect(f!.values.measurable).toBe('yes');
    expect(f!.severity).toBe('major');
    expectNumbers(f!.answer!, [
      { count: 6 },
      { count: 4 },
      { mib: d.privateBytes },
      { mib: b.privateBytes },
      ...claimed(c),
      // why: the shares of their resident pages before the load, the spawned workers' first
      { pct: ref('uvicorn-spawn', 'before').workerSharedFraction },
      { pct: ref('gunicorn-preload', 'before').workerSharedFraction },
    ]);
  });
});

describe('memory findings when a worker was lost: real-capture-1, uvicorn-spawn after the kill', () => {
  // uvicorn-spawn's "load" phase given after the SIGKILL, when its pool ran on 3 of 4 workers
  const phases = ['uvicorn-spawn/idle=5s..18s', 'uvicorn-spawn/load=100s..112s'].map(parsePhaseOption);
  const { ref, findings } = capture(CAPTURE, MODES, eventMs, phases);

  it('memory-per-worker compares per live worker and says the pool ran short', () => {
    const [f] = findings('memory-per-worker').filter((x) => x.deployment === 'uvicorn-spawn');
    const d = ref('uvicorn-spawn', 'load');
    const b = ref('gunicorn-preload', 'load');
    expect(d.workersAlive).toBe(3);
    expect(f!.values.basis).toBe('per_live_worker');
    expect(f!.text).toContain(
      'per live worker (uvicorn-spawn ran 3 of its 4 workers: 1 lost, never replaced)',
    );
    const c = referenceChange(b.privateSeries, d.privateSeries);
    expectInterval(
      f!.values.interval_low,
      f!.values.interval_high,
      f!.values.measurable === 'yes',
      c,
      'private',
    );
    const before: Expected[] = [
      { pct: ref('uvicorn-spawn', 'before').workerSharedFraction },
      { pct: ref('gunicorn-preload', 'before').workerSharedFraction },
    ];
    const head: Expected[] = [
      { count: 3 },
      { count: 4 },
      { count: 1 }, // lost: uvicorn 0.17 never replaces its SIGKILLed worker (the capture's README)
      { mib: d.privateBytes },
      { mib: b.privateBytes },
      ...claimed(c),
    ];
    expectNumbers(f!.text, [
      ...head,
      { mib: d.sharedBytes + 4 * d.privateBytes },
      { count: 4 },
      { mib: b.pssBytes },
      { pct: d.workerSharedFraction },
      { pct: b.workerSharedFraction },
      ...before,
    ]);
    expectNumbers(f!.answer!, [...head, ...before]);
  });
});

describe('memory-per-worker and cow-erosion claim a difference only where the interval excludes 0', () => {
  const model = (over: Partial<MemoryModel>): MemoryModel =>
    ({
      phase: 'load',
      start: 100,
      end: 160,
      moments: 60,
      workers_alive: 4,
      shared_bytes: 100 * MIB,
      private_bytes_per_worker: 20 * MIB,
      pss_bytes: 180 * MIB,
      worker_shared_fraction: 0.6,
      worker_pss_bytes: 40 * MIB,
      ...over,
    }) as MemoryModel;
  const deployment = (name: string, memory: Partial<DeploymentSummary['memory']>) =>
    ({
      name,
      workers: 4,
      workers_lost: 0,
      memory: { cow: null, vs_baseline: null, ...memory },
    }) as DeploymentSummary;
  const against = { deployment: 'a', phase: 'load', start: 100, end: 160 };

  it('says "no measurable difference (±x %)" with the interval’s larger distance from 0', () => {
    const base = deployment('a', { model: model({ phase: 'idle' }), load_model: model({}) });
    const other = deployment('b', {
      model: model({ phase: 'idle' }),
      load_model: model({ pss_bytes: 181 * MIB }),
      vs_baseline: {
        before_load: null,
        load: {
          against,
          pss_bytes: { change: 1 / 180, low: -0.004, high: 0.0151, measurable: false },
          private_bytes_per_worker: null,
        },
      },
    });
    const [f] = memoryFindings([base, other]).filter((x) => x.id === 'memory-per-worker');
    expect(f!.text).toBe(
      'At the load phase, with 4 workers each, b holds 181.0 MiB PSS, against 180.0 MiB for a: no measurable difference (±1.5 %).',
    );
    expect(f!.answer).toBe(f!.text);
    expect(f!.severity).toBe('info');
    expect(f!.values).toMatchObject({ measurable: 'no', interval_low: -0.004, interval_high: 0.0151 });
  });

  it('claims nothing without an interval (too few steady moments)', () => {
    const base = deployment('a', { model: model({ phase: 'idle' }), load_model: model({}) });
    const other = deployment('b', {
      model: model({ phase: 'idle' }),
      load_model: model({ pss_bytes: 200 * MIB }),
    });
    const [f] = memoryFindings([base, other]).filter((x) => x.id === 'memory-per-worker');
    expect(f!.text).toContain('+11.1 %; too few steady moments for an interval: no difference claimed.');
    expect(f!.severity).toBe('info');
    expect(f!.values.measurable).toBe('no');
  });

  it('finds no copy-on-write erosion where the private memory’s growth is within its interval', () => {
    const before = model({ phase: 'idle', start: 0, end: 60, worker_shared_fraction: 0.9 });
    const during = model({ private_bytes_per_worker: 21 * MIB, worker_shared_fraction: 0.8 });
    const cow = (low: number) => ({
      before: { ...before, pss_bytes: before.pss_bytes },
      during: { ...during, pss_bytes: during.pss_bytes },
      change: {
        against: { ...against, phase: 'idle' },
        pss_bytes: null,
        private_bytes_per_worker: { change: 0.05, low, high: 0.1, measurable: low > 0 },
      },
    });
    const d = (low: number) =>
      deployment('a', {
        model: before,
        load_model: during,
        cow: cow(low) as DeploymentSummary['memory']['cow'],
      });
    expect(memoryFindings([d(-0.01)]).filter((x) => x.id === 'cow-erosion')).toEqual([]);
    const [f] = memoryFindings([d(0.01)]).filter((x) => x.id === 'cow-erosion');
    expect(f!.text).toContain('grows from 20.0 MiB to 21.0 MiB, +5.0 % (95 % interval +1.0 % to +10.0 %)');
  });
});
