import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliAsync } from './cli-async.js';

export const HOSTILE_PROCESS = '</script><script>window.pwned=1;alert(1)</script>';
export const HOSTILE_DEPLOYMENT = '<img src=x onerror=window.pwned=2;alert(2)>';

/**
 * A database whose label values and deployment name are HTML/JS injection attempts, generated
 * as a Prometheus query_range body and imported through the CLI like any user file.
 */
export async function hostileDatabase(dir: string): Promise<string> {
  const db = join(dir, 'hostile.duckdb');
  for (const [deployment, file] of [
    ['base', 'base.json'],
    [HOSTILE_DEPLOYMENT, 'hostile.json'],
  ] as const) {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(matrixBody(deployment === 'base' ? 1 : 2)));
    const r = await cliAsync(['import', path, '--db', db, '--deployment', deployment]);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  return db;
}

function matrixBody(scale: number): unknown {
  const start = 1_800_000_000;
  const points = (f: (i: number) => number) =>
    Array.from({ length: 60 }, (_, i) => [start + i, String(f(i))] as [number, string]);
  const labels = { groupname: HOSTILE_PROCESS, job: '"><svg onload=window.pwned=3;alert(3)>' };
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [
        {
          metric: { __name__: 'namedprocess_namegroup_cpu_seconds_total', mode: 'user', ...labels },
          values: points((i) => 0.5 * scale * i),
        },
        {
          metric: { __name__: 'namedprocess_namegroup_memory_bytes', memtype: 'resident', ...labels },
          values: points(() => 100e6 * scale),
        },
        {
          metric: {
            __name__: 'namedprocess_namegroup_memory_bytes',
            memtype: 'proportionalResident',
            ...labels,
          },
          values: points(() => 60e6 * scale),
        },
      ],
    },
  };
}
