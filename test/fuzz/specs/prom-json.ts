import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { METADATA_KEY } from '../../../src/importers/prom-json.js';
import { CAPTURE, MODES } from '../../helpers/cli.js';
import { hostileText, promName } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';
import { seriesIdentity } from './real-series.js';

const SEED_FILES = MODES.flatMap((mode) => [
  join(CAPTURE, 'prometheus', mode, 'query_range_step1s_num_procs.json'),
  join(CAPTURE, 'reference', mode, 'rate_15s_step15s.json'),
  join(CAPTURE, 'reference', mode, 'sum_increase_1m.json'),
  join(CAPTURE, 'reference', mode, 'pss_sum.json'),
]);

/** Values as Prometheus writes them (strconv.FormatFloat), plus its three special strings. */
const value = fc.oneof(
  fc.constantFrom('NaN', '+Inf', '-Inf', '0', '-0', '1e-300', '1.7976931348623157e+308'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);
/** Unix seconds with millisecond precision, between 1970 and 2100. */
const seconds = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => ms / 1000);
// one sample per timestamp: a repeated timestamp keeps only its first sample (as Prometheus does)
const pairs = fc.uniqueArray(fc.tuple(seconds, value), { maxLength: 30, selector: ([t]) => t });
const labels = fc.dictionary(fc.oneof(promName, hostileText), hostileText, { maxKeys: 4 });
const metric = fc
  .record({ __name__: fc.oneof(promName, hostileText) })
  .chain((m) => labels.map((l) => ({ ...l, ...m })));

/** A result's series, by its label set (seriesIdentity). */
const identity = (r: { metric: Record<string, string> }) => seriesIdentity({ labels: r.metric, samples: [] });

const body = fc.oneof(
  // distinct label sets: two series of one label set would be one series with repeated timestamps
  fc
    .uniqueArray(fc.record({ metric, values: pairs }), { maxLength: 6, selector: identity })
    .map((result) => ({
      data: { resultType: 'matrix', result },
      samples: result.reduce((n, s) => n + s.values.length, 0),
    })),
  fc
    .uniqueArray(fc.record({ metric, value: fc.tuple(seconds, value) }), { maxLength: 6, selector: identity })
    .map((result) => ({
      data: { resultType: 'vector', result },
      samples: result.length,
    })),
  fc.tuple(seconds, value).map((result) => ({ data: { resultType: 'scalar', result }, samples: 1 })),
);

export const promJsonSpec: FuzzSpec = {
  format: 'prom-json',
  seeds: () =>
    SEED_FILES.map((path): FuzzInput => ({ kind: 'file', name: basename(path), bytes: readFileSync(path) })),
  valid: fc
    .record({
      body,
      warnings: fc.option(fc.array(hostileText, { maxLength: 2 }), { nil: undefined }),
      // What `trace-analyze pull` stores next to the body: TYPE, HELP and UNIT per metric family.
      metadata: fc.option(
        fc.dictionary(
          fc.oneof(promName, hostileText),
          fc.array(
            fc.record({
              type: fc.oneof(
                fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'unknown'),
                hostileText,
              ),
              help: hostileText,
              unit: hostileText,
            }),
            { maxLength: 2 },
          ),
          { maxKeys: 3 },
        ),
        { nil: undefined },
      ),
      indent: fc.constantFrom(0, 0, 1, 2),
    })
    .map(({ body, warnings, metadata, indent }) => ({
      input: {
        kind: 'file',
        name: 'generated.json',
        bytes: Buffer.from(
          JSON.stringify(
            {
              status: 'success',
              ...(metadata ? { [METADATA_KEY]: metadata } : {}),
              data: body.data,
              ...(warnings ? { warnings } : {}),
            },
            null,
            indent,
          ),
        ),
      },
      samples: body.samples,
    })),
};
