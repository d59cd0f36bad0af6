/**
 * Fuzzing every importer in IMPORTERS: mutations of real inputs and generated inputs with
 * hostile content (see harness.ts for the rules checked). `npm test` runs FUZZ_RUNS=200 inputs
 * per format; `npm run fuzz` runs 10,000 (FUZZ_RUNS=n npm run fuzz for any other count;
 * FUZZ_SEED=n replays a run, fast-check prints the seed and path of any failure; FUZZ_FORMATS=a,b
 * limits a run to some formats).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { IMPORTERS } from '../../src/importers/index.js';
import { tempDir } from '../helpers/cli.js';
import { CliFuzzTarget, FuzzTarget, TIME_BOUND_MS, cliRuns, fuzzRuns } from './harness.js';
import { applyMutation, mutation, wrap, wrapping, type Mutation, type Wrapping } from './mutate.js';
import type { FuzzInput, FuzzSpec, ValidInput } from './spec.js';
import { FUZZ_SPECS } from './specs/index.js';

const RUNS = fuzzRuns();
const CLI_RUNS = cliRuns();
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** vitest's timeout per format: generous (a shared machine under load), as each input has its own bound. */
const TEST_TIMEOUT = 300_000 + RUNS * 5_000;

const tmp = tempDir('trace-analyze-fuzz-');
afterAll(tmp.cleanup);

interface Case {
  /** A real seed (index) or a generated valid input. */
  base: { seed: number } | { generated: ValidInput };
  mutations: Mutation[];
  wrapping: Wrapping;
  /** Detect the format (auto) instead of naming it. */
  auto: boolean;
  salt: number;
}

function caseArbitrary(spec: FuzzSpec, seedCount: number): fc.Arbitrary<Case> {
  return fc.record({
    base: fc.oneof(
      { weight: 3, arbitrary: fc.nat({ max: seedCount - 1 }).map((seed) => ({ seed })) },
      { weight: 2, arbitrary: spec.valid.map((generated) => ({ generated })) },
    ),
    mutations: fc.oneof(
      { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
      { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }) },
    ),
    wrapping,
    auto: fc.boolean(),
    salt: fc.nat(),
  });
}

/** Applies a case's mutations to its base input (to one file of a folder input). */
function build(c: Case, seeds: FuzzInput[]): { input: FuzzInput; intact: boolean; samples?: number } {
  const base = 'seed' in c.base ? seeds[c.base.seed]! : c.base.generated.input;
  const samples = 'generated' in c.base ? c.base.generated.samples : undefined;
  const mutate = (bytes: Buffer) =>
    wrap(
      c.mutations.reduce((b, m) => applyMutation(b, m), bytes),
      c.wrapping,
      c.salt,
    );
  // A gzip file is still the same input; one gzipped file inside a folder is not.
  const intact =
    c.mutations.length === 0 && (c.wrapping === 'plain' || (c.wrapping === 'gzip' && base.kind === 'file'));
  if (base.kind === 'file') return { input: { ...base, bytes: mutate(base.bytes) }, intact, samples };
  const names = Object.keys(base.files).sort();
  const victim = names[c.salt % names.length]!;
  return {
    input: { ...base, files: { ...base.files, [victim]: mutate(base.files[victim]!) } },
    intact,
    samples,
  };
}

describe('fuzzing every importer', () => {
  it('every importer has a fuzz spec', () => {
    expect(Object.keys(FUZZ_SPECS).sort()).toEqual(IMPORTERS.map((i) => i.format).sort());
  });

  // FUZZ_FORMATS=a,b runs only those formats (to split a long run over several processes).
  const only = process.env.FUZZ_FORMATS?.split(',').map((f) => f.trim());
  for (const importer of IMPORTERS) {
    const format = importer.format;
    it.skipIf(only !== undefined && !only.includes(format))(
      `${format}: ${RUNS} inputs exit 0 or 1 within ${TIME_BOUND_MS / 1000} s, the database unchanged on failure; ${CLI_RUNS} through the CLI`,
      async () => {
        const spec = FUZZ_SPECS[format];
        expect(spec, `no fuzz spec for ${format} in test/fuzz/specs/index.ts`).toBeDefined();
        const seeds = spec!.seeds();
        expect(seeds.length).toBeGreaterThan(0);
        const dir = join(tmp.dir, format);
        const baseline = spec!.baseline?.() ?? seeds[0]!;
        const target = await FuzzTarget.create(format, baseline, dir);
        const cliTarget = await CliFuzzTarget.create(format, baseline, join(dir, 'cli'));
        const every = CLI_RUNS > 0 ? Math.max(1, Math.floor(RUNS / CLI_RUNS)) : Infinity;
        const tally = { imported: 0, noop: 0, failed: 0, cli: 0 };
        let index = 0;
        try {
          await fc.assert(
            fc.asyncProperty(caseArbitrary(spec!, seeds.length), async (c) => {
              const { input, intact, samples } = build(c, seeds);
              const result = await target.check(input, c.auto ? 'auto' : format);
              tally[result.status]++;
              // Unmutated real inputs and generated ones must import, with every generated sample.
              if (intact && !c.auto) {
                expect(result.message).toBeUndefined();
                if (samples !== undefined && result.status === 'imported')
                  expect(result.samples).toBe(samples);
              }
              if (index++ % every === 0 && tally.cli < CLI_RUNS) {
                tally.cli++;
                await cliTarget.check(input, c.auto ? 'auto' : format);
              }
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: RUNS > 1000 },
          );
        } finally {
          target.close();
        }
        // The mix is meaningful: some inputs import, some fail.
        expect(tally.imported + tally.noop).toBeGreaterThan(0);
        expect(tally.failed).toBeGreaterThan(0);
        console.log(`fuzz ${format}: ${JSON.stringify(tally)}`);
      },
      TEST_TIMEOUT,
    );
  }
});
