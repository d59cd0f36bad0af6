/** The method section's text: how every number of the report is computed (the SQL follows it). */
export const METHOD = `Every source is first mapped to quantities through the metric catalog (\`metric_catalog\`):
a series counts for a quantity (CPU seconds, RSS, PSS, USS) when its metric and labels match a
catalog row; when several sources give one quantity for a deployment, the one with the lowest
priority is used. Deployments are aligned on their own start (the first sample of any process,
process-tree or container series), so the charts overlay them on seconds since start.

- **CPU**: per process, the increase of its CPU-seconds counter between consecutive samples,
  reset-aware as Prometheus' \`increase()\` (a value lower than the previous one means the counter
  restarted from 0). Pool cores in a bucket = Σ over processes of the CPU-seconds of the
  intervals ending in the bucket ÷ the bucket's length: each process's own rate first, then the
  sum (never sum then rate). CPU-seconds over the window = Σ of all increases; mean cores = that
  ÷ the window.
- **Buckets**: 5 s; for a long deployment the smallest step of the ladder 10 s, 15 s, 30 s,
  1, 2, 5, 10, 15, 30 min, 1 h, 2, 3, 6, 12 h, 1 day that gives at most 500 buckets (a 5.5 h
  deployment: 1 min). The pool models' grid starts from the CPU counters' scrape interval
  instead, with the same ladder and at most 2000 buckets.
- **Memory**: per series the last value in each bucket, summed over the processes alive in
  it. RSS counts every shared page once per process that maps it; PSS divides each shared page
  by the number of processes sharing it, so Σ PSS is the real total; USS (private pages) is
  what a process alone costs. RSS/PSS is taken at the bucket where Σ PSS peaks.
- **Deltas**: (value − baseline) ÷ baseline.`;
