import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPath } from '../../src/importers/index.js';
import { seriesMetadata, type MetadataMap } from '../../src/importers/metadata.js';
import { TraceDatabase } from '../../src/store/database.js';
import { tempDir } from '../helpers/cli.js';

/** /api/v1/metadata as Prometheus answers it for a classic-text and an OpenMetrics target. */
const METADATA: MetadataMap = {
  http_requests: [{ type: 'counter', help: 'Requests.', unit: '' }], // OpenMetrics: family without _total
  go_goroutines: [{ type: 'gauge', help: 'Goroutines.', unit: '' }],
  queue_jobs_total: [{ type: 'gauge', help: 'A gauge named like a counter.', unit: '' }],
  handled: [{ type: 'counter', help: 'Classic text counter without suffix.', unit: '' }],
  latency_seconds: [{ type: 'histogram', help: 'Latency.', unit: 'seconds' }],
  rpc_seconds: [{ type: 'summary', help: 'RPC.', unit: '' }],
  queue_depth: [{ type: 'gaugehistogram', help: '', unit: '' }],
  mystery: [{ type: 'unknown', help: 'Unknown.', unit: '' }],
};

describe('kind from metric metadata', () => {
  it.each([
    ['http_requests_total', 'counter', 'Requests.'],
    ['http_requests_created', 'gauge', 'Requests.'],
    ['go_goroutines', 'gauge', 'Goroutines.'],
    ['queue_jobs_total', 'gauge', 'A gauge named like a counter.'],
    ['handled', 'counter', 'Classic text counter without suffix.'],
    ['latency_seconds_bucket', 'counter', 'Latency.'],
    ['latency_seconds_count', 'counter', 'Latency.'],
    ['latency_seconds_sum', 'counter', 'Latency.'],
    ['rpc_seconds', 'gauge', 'RPC.'],
    ['rpc_seconds_count', 'counter', 'RPC.'],
    ['queue_depth_bucket', 'gauge', null],
    ['queue_depth_gcount', 'gauge', null],
    ['mystery', 'unknown', 'Unknown.'],
    ['not_described_total', 'counter', null],
    ['not_described', 'unknown', null],
  ])('%s is a %s', (metric, kind, help) => {
    expect(seriesMetadata(metric, METADATA)).toMatchObject({ kind, help });
  });

  it('keeps the unit', () => {
    expect(seriesMetadata('latency_seconds_sum', METADATA).unit).toBe('seconds');
  });
});

describe('prom-json with the metadata trace-analyze pull embeds', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('gives series their TYPE, HELP and UNIT; only the first entry of a family counts', async () => {
    const path = join(tmp.dir, 'pulled.json');
    writeFileSync(
      path,
      JSON.stringify({
        status: 'success',
        trace_analyze_metadata: {
          queue_jobs_total: [
            { type: 'gauge', help: 'first', unit: '' },
            { type: 'counter', help: 'second', unit: '' },
          ],
          latency_seconds: [{ type: 'histogram', help: 'Latency.', unit: 'seconds', extra: { nested: [1] } }],
        },
        data: {
          resultType: 'matrix',
          result: [
            { metric: { __name__: 'queue_jobs_total', job: 'a' }, values: [[1, '3']] },
            {
              metric: { __name__: 'latency_seconds_sum' },
              values: [
                [1, '0.5'],
                [2, '+Inf'],
              ],
            },
            { metric: { __name__: 'other_thing' }, values: [[1, 'NaN']] },
          ],
        },
      }),
    );
    const db = await TraceDatabase.open(':memory:');
    try {
      const { outcomes } = await importPath(db, path, { deployment: 'd' });
      expect(outcomes[0]!.result).toMatchObject({ status: 'imported', series: 3, samples: 4 });
      const rows = await db.rowsJS(`SELECT metric, kind, help, unit FROM series ORDER BY metric`);
      expect(rows).toEqual([
        { metric: 'latency_seconds_sum', kind: 'counter', help: 'Latency.', unit: 'seconds' },
        { metric: 'other_thing', kind: 'unknown', help: null, unit: null },
        { metric: 'queue_jobs_total', kind: 'gauge', help: 'first', unit: null },
      ]);
    } finally {
      db.close();
    }
  });
});
