/**
 * The examples each command's --help ends with. They use the README's files (sample.duckdb is
 * made by the README's import example), and test/cli/help.test.ts checks that every option they
 * name exists.
 */
export const EXAMPLES: Record<string, readonly string[]> = {
  import: [
    'trace-analyze import samples/real-capture-1/gunicorn --db sample.duckdb --deployment gunicorn',
    'trace-analyze import psrecord.log --db incident.duckdb --deployment uvicorn --start 2026-11-27T13:00:00Z',
  ],
  report: [
    'trace-analyze report samples/real-capture-1 -o report.html',
    'trace-analyze report samples/real-capture-1/gunicorn psrecord-run --start psrecord-run=2026-11-27T13:00:00Z',
    'trace-analyze report --db sample.duckdb --baseline gunicorn --format md -o report.md',
    'trace-analyze report --db sample.duckdb --format json --workers 12 --workers 24',
  ],
  query: [
    'trace-analyze query --db sample.duckdb "select deployment, count(*) from series group by 1"',
    'trace-analyze query --db sample.duckdb "select * from processes" --format csv > processes.csv',
  ],
  promql: [
    "trace-analyze promql 'sum by (deployment) (rate(namedprocess_namegroup_cpu_seconds_total[15s]))' --db sample.duckdb --time 1795793000",
    "trace-analyze promql 'rate(process_cpu_seconds_total[1m])' --db incident.duckdb --deployment uvicorn --time now",
    "trace-analyze promql 'sum(rate(namedprocess_namegroup_cpu_seconds_total[15s]))' --db sample.duckdb --start 1795792915 --end 2m --step 5s",
  ],
  export: [
    'trace-analyze export --db sample.duckdb --out sample-parquet',
    "trace-analyze export --db sample.duckdb --out sample-csv --format csv --query 'select * from processes'",
  ],
  collect: [
    'trace-analyze collect --pid 1234 --out snapshots --duration 10m',
    'trace-analyze collect --out run.tar.gz --interval 2s -- uvicorn app:app --workers 4',
  ],
  pull: [
    'trace-analyze pull --url http://localhost:9090 --match \'process_cpu_seconds_total{job="web"}\' --start 2026-11-27T13:00:00Z --end 4h --out incident.json.gz',
  ],
  experiment: [
    "trace-analyze experiment --out exp --cwd myapp --deployment 'gunicorn=gunicorn -k uvicorn.workers.UvicornWorker -w 4 -b 127.0.0.1:8000 app:app' --deployment 'uvicorn=uvicorn app:app --workers 4 --port 8000' --ready http://127.0.0.1:8000/ --rate 200 --duration 60s",
    "trace-analyze experiment --out exp-wrk --deployment 'uvicorn=uvicorn app:app --workers 4 --port 8000' --ready http://127.0.0.1:8000/ --load 'wrk -t2 -c32 -d60s http://127.0.0.1:8000/' --runs 3 --kill-worker-at 15s",
  ],
  completion: [
    'trace-analyze completion bash > /etc/bash_completion.d/trace-analyze',
    'trace-analyze completion zsh > "${fpath[1]}/_trace-analyze"',
  ],
};

/** Exit codes, for the top-level --help (the README lists the same). */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'success'],
  [1, 'runtime failure: bad or missing input, I/O, an SQL error, a --deployment the database does not hold'],
  [
    2,
    'usage error: unknown command or option, a bad option value (--baseline, --ready or --phase naming no deployment too), unsupported PromQL',
  ],
  [130, 'stopped by SIGINT (Ctrl-C): what the command was doing is rolled back and removed'],
  [143, 'stopped by SIGTERM, likewise'],
];

export function examplesHelp(examples: readonly string[]): string {
  if (examples.length === 0) return '';
  return `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`;
}

export function exitCodesHelp(): string {
  return `\nExit codes:\n${EXIT_CODES.map(([code, text]) => `  ${code}  ${text}`).join('\n')}`;
}
