import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemoryModel, PhaseReport } from '../../../src/models/pool-types.js';
import { cpuRunFindings, memoryRunFindings } from '../../../src/report/findings/runs.js';
import { answeringByDeployment, baselineRun, runGroups } from '../../../src/report/runs.js';
import type { RunFacts } from '../../../src/report/timeline.js';
import type { DeploymentSummary, RankedFinding } from '../../../src/report/summary.js';
import { ROOT } from '../../helpers/cli.js';

// The comparisons over an experiment's runs on small hand-made runs, against hand-computed
// Welch intervals (t quantiles from scipy.stats.t.ppf 1.17.1).

const MIB = 1024 * 1024;

/** One run: its load phase's CPU-seconds per 1000 requests at 20 requests/s, its pool's PSS. */
function run(
  deployment: string,
  k: number,
  figures: { per1000: number; pss?: number; workersAlive?: number; lost?: number; uss?: number },
): DeploymentSummary {
  const seconds = 60;
  const requests = 20 * seconds;
  const model = {
    phase: 'load',
    start: 1000,
    end: 1060,
    workers_alive: figures.workersAlive ?? 2,
    pss_bytes: figures.pss ?? 100 * MIB,
    private_bytes_per_worker: figures.uss ?? 30 * MIB,
  } as MemoryModel;
  return {
    name: `${deployment}-run${k}`,
    duration_seconds: 70,
    workers: 2,
    workers_lost: figures.lost ?? 0,
    cpu: { seconds: (figures.per1000 * requests) / 1000 + 1 },
    phases: [
      {
        name: 'load',
        seconds,
        requests,
        requests_per_second: requests / seconds,
        cpu_seconds_per_request: figures.per1000 / 1000,
        saturated: false,
      } as PhaseReport,
    ],
    memory: { model: null, load_model: model },
    experiment: { deployment, run: k },
  } as unknown as DeploymentSummary;
}

describe('runGroups', () => {
  it('groups the runs of each deployment in run order, the baseline first; null when none ran twice', () => {
    const a1 = run('a', 1, { per1000: 1 });
    const b1 = run('b', 1, { per1000: 1 });
    const a2 = run('a', 2, { per1000: 1 });
    const b2 = run('b', 2, { per1000: 1 });
    expect(runGroups([a1, b1, a2, b2])!.map((g) => [g.deployment, g.runs.map((d) => d.name)])).toEqual([
      ['a', ['a-run1', 'a-run2']],
      ['b', ['b-run1', 'b-run2']],
    ]);
    expect(runGroups([b2, a1, b1])!.map((g) => [g.deployment, g.runs.map((d) => d.name)])).toEqual([
      ['b', ['b-run1', 'b-run2']],
      ['a', ['a-run1']],
    ]);
    expect(runGroups([a1, b1])).toBeNull();
    const plain = { ...a1, name: 'x', experiment: undefined } as DeploymentSummary;
    expect(runGroups([plain, { ...plain, name: 'y' }])).toBeNull();
  });
});

describe('baselineRun', () => {
  it("turns an experiment's deployment into its first run; keeps any other name", () => {
    const names = ['a-run1', 'b-run2', 'b-run1', 'x'];
    const facts = new Map<string, RunFacts>(
      names
        .filter((n) => n !== 'x')
        .map((n) => [n, { deployment: n.split('-')[0]!, run: Number(n.at(-1)) } as RunFacts]),
    );
    expect(baselineRun('b', names, facts)).toBe('b-run1');
    expect(baselineRun('b-run2', names, facts)).toBe('b-run2');
    expect(baselineRun('x', names, facts)).toBe('x');
    expect(baselineRun('nope', names, facts)).toBe('nope');
    expect(baselineRun('b', names, undefined)).toBe('b');
    expect(baselineRun(undefined, names, facts)).toBeUndefined();
  });
});

describe('cpu-per-request over runs', () => {
  it("claims a difference from Welch's interval over 3 runs each", () => {
    // a: 1.0, 1.1, 0.9 (mean 1.0, variance 0.01); b: 1.5, 1.6, 1.4 (mean 1.5, variance 0.01)
    // se = √(0.01/3 + 0.01/3), ν = 4, t(0.975, 4) = 2.7764451051977934: 0.5 ± 0.22670
    const a = [1.0, 1.1, 0.9].map((x, i) => run('a', i + 1, { per1000: x }));
    const b = [1.5, 1.6, 1.4].map((x, i) => run('b', i + 1, { per1000: x }));
    const groups = runGroups([a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!])!;
    const f = cpuRunFindings(groups).find((x) => x.id === 'cpu-per-request')!;
    const half = 2.7764451051977934 * Math.sqrt(0.02 / 3);
    expect(f.deployment).toBe('b');
    expect(f.severity).toBe('major');
    expect(f.values.degrees_of_freedom).toBeCloseTo(4, 9);
    expect(f.values.difference_low).toBeCloseTo(0.5 - half, 9);
    expect(f.values.difference_high).toBeCloseTo(0.5 + half, 9);
    expect(f.values.interval_low).toBeCloseTo(0.5 - half, 9); // the baseline's mean is 1
    expect(f.values.cpu_seconds_per_1000_requests_runs).toEqual([1.5, 1.6, 1.4]);
    expect(f.values.baseline_cpu_seconds_per_1000_requests_runs).toEqual([1.0, 1.1, 0.9]);
    expect(f.text).toBe(
      'b used 1.500 CPU-seconds per 1000 requests in the load phase (mean of 3 runs: 1.500, 1.600, ' +
        '1.400), against 1.000 for a (mean of 3 runs: 1.000, 1.100, 0.900): +50.0 % (95 % interval ' +
        '+27.3 % to +72.7 %), from the spread over the runs. Throughput 20.0 requests/s against 20.0, ' +
        'the means of the runs: 0.0 %, no interval: every run gave the same value.',
    );
    expect(f.answer).toBe(
      'Per request, b used 50.0 % more CPU than a in the load phase, over 3 runs of each: 1.500 ' +
        'against 1.000 CPU-seconds per 1000 requests, the means of the runs (95 % interval +27.3 % to ' +
        '+72.7 %, from the spread over the runs).',
    );
  });

  it("writes docs/experiment.md's example: scipy's Welch interval over 3 runs each", () => {
    // scipy.stats.ttest_ind(u, g, equal_var=False).confidence_interval() ÷ mean(g):
    // +0.0265 to +0.5278 (ν = 3.17)
    const g = [1.142, 0.994, 1.068].map((x, i) => run('gunicorn', i + 1, { per1000: x }));
    const u = [1.234, 1.495, 1.363].map((x, i) => run('uvicorn', i + 1, { per1000: x }));
    const f = cpuRunFindings(runGroups([g[0]!, u[0]!, g[1]!, u[1]!, g[2]!, u[2]!])!)[0]!;
    expect(f.values.interval_low).toBeCloseTo(0.02652707899077909, 9);
    expect(f.values.interval_high).toBeCloseTo(0.5277800371140899, 9);
    expect(f.values.degrees_of_freedom).toBeCloseTo(3.165620648797219, 9);
    const doc = readFileSync(join(ROOT, 'docs/experiment.md'), 'utf8').replace(/\n(> )?/g, ' ');
    expect(doc).toContain(`${f.text.split(' Throughput')[0]!} …`);
    expect(doc).toContain(`and in the Answer: "${f.answer!}"`);
  });

  it('claims nothing where the interval holds 0, and says how wide it is', () => {
    // a: 1.0, 1.2; b: 1.1, 1.3: difference 0.1, se = √(0.02/2 + 0.02/2) = 0.1414, ν = 2,
    // t(0.975, 2) = 4.302652729749462: ±0.6085 around 0.1 over a mean of 1.1
    const a = [1.0, 1.2].map((x, i) => run('a', i + 1, { per1000: x }));
    const b = [1.1, 1.3].map((x, i) => run('b', i + 1, { per1000: x }));
    const f = cpuRunFindings(runGroups([a[0]!, b[0]!, a[1]!, b[1]!])!).find(
      (x) => x.id === 'cpu-per-request',
    )!;
    const half = 4.302652729749462 * Math.sqrt(0.02);
    expect(f.severity).toBe('info');
    expect(f.values.interval_high).toBeCloseTo((0.1 + half) / 1.1, 9);
    expect(f.answer).toBe(
      "Per request, b's CPU in the load phase shows no measurable difference from a's over 2 runs of " +
        'each: 1.200 against 1.100 CPU-seconds per 1000 requests, the means of the runs (±64.4 %, from ' +
        'the spread over the runs).',
    );
  });

  it('has no interval when a deployment completed a single run', () => {
    const a = [1.0, 1.2].map((x, i) => run('a', i + 1, { per1000: x }));
    const b1 = run('b', 1, { per1000: 3 });
    const f = cpuRunFindings(runGroups([a[0]!, b1, a[1]!])!).find((x) => x.id === 'cpu-per-request')!;
    expect(f.severity).toBe('info');
    expect([f.values.interval_low, f.values.interval_high, f.values.runs]).toEqual([null, null, 1]);
    expect(f.text).toContain(
      '+172.7 %, no interval: b completed a single run (an interval over runs needs 2 or more of each).',
    );
  });
});

describe('memory-per-worker over runs', () => {
  it("compares the pools' PSS when every run ran the same workers", () => {
    const a = [100, 102].map((x, i) => run('a', i + 1, { per1000: 1, pss: x * MIB }));
    const b = [120, 121].map((x, i) => run('b', i + 1, { per1000: 1, pss: x * MIB }));
    const [f] = memoryRunFindings(runGroups([a[0]!, b[0]!, a[1]!, b[1]!])!);
    // difference 19.5 MiB; variances of the means 2/2 and 0.5/2 MiB², se = √1.25 MiB,
    // ν = 1.25² / (1² + 0.25²) = 1.4706, t(0.975, 1.4706) = 6.18811494076925 (scipy): ±6.9185 MiB
    const half = 6.18811494076925 * Math.sqrt(1.25) * MIB;
    expect(f!.values.basis).toBe('pool');
    expect(f!.values.value_bytes).toBe(120.5 * MIB);
    expect(f!.values.degrees_of_freedom).toBeCloseTo(1.5625 / 1.0625, 9);
    expect(f!.values.difference_low).toBeCloseTo(19.5 * MIB - half, 0);
    expect(f!.values.difference_high).toBeCloseTo(19.5 * MIB + half, 0);
    expect(f!.values.measurable).toBe('yes');
    expect(f!.severity).toBe('major');
    expect(f!.text).toBe(
      'At the load phase, with 2 workers each, b holds 120.5 MiB PSS (mean of 2 runs: 120.0 MiB, ' +
        '121.0 MiB), against 101.0 MiB for a (mean of 2 runs: 100.0 MiB, 102.0 MiB): ' +
        '+19.3 % (95 % interval +12.5 % to +26.2 %), from the spread over the runs.',
    );
    expect(f!.answer).toBe(
      'At the load phase, with 2 workers each, b holds 120.5 MiB PSS, against 101.0 MiB for a, the ' +
        'means over 2 runs of each: +19.3 % (95 % interval +12.5 % to +26.2 %, from the spread over the runs).',
    );
  });

  it('compares each worker’s USS when a run lost a worker', () => {
    const a = [30, 31].map((x, i) => run('a', i + 1, { per1000: 1, uss: x * MIB }));
    const b = [
      run('b', 1, { per1000: 1, uss: 40 * MIB, workersAlive: 1, lost: 1 }),
      run('b', 2, { per1000: 1, uss: 41 * MIB, workersAlive: 1, lost: 1 }),
    ];
    const [f] = memoryRunFindings(runGroups([a[0]!, b[0]!, a[1]!, b[1]!])!);
    expect(f!.values.basis).toBe('per_live_worker');
    expect(f!.values.value_bytes_runs).toEqual([40 * MIB, 41 * MIB]);
    expect(f!.text).toContain('per live worker (workers alive in the runs: b 1, 1; a 2, 2)');
  });
});

describe('the Answer over runs', () => {
  it('a finding about one run answers once for its deployment, saying in how many runs', () => {
    const a = [1, 2].map((k) => run('a', k, { per1000: 1 }));
    const b = [1, 2].map((k) => run('b', k, { per1000: 1 }));
    const groups = runGroups([a[0]!, b[0]!, a[1]!, b[1]!])!;
    const lost = (deployment: string): RankedFinding => ({
      id: 'worker-lost',
      severity: 'critical',
      deployment,
      subject: 'lifecycle',
      text: '',
      values: {},
      answer: `${deployment} lost a worker.`,
    });
    const compared: RankedFinding = { ...lost('b'), id: 'cpu-per-request', answer: 'b used more.' };
    const out = answeringByDeployment([lost('b-run2'), lost('b-run1'), lost('a-run1'), compared], groups);
    expect(out.map((f) => [f.deployment, f.answer])).toEqual([
      ['b', "In 2 of b's 2 runs (the figures are run 2's): b-run2 lost a worker."],
      ['a', "In 1 of a's 2 runs (the figures are run 1's): a-run1 lost a worker."],
      ['b', 'b used more.'],
    ]);
  });
});
