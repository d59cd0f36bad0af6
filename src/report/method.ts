/** The method section's text: how every number of the report is computed (the SQL follows it). */
export const METHOD = `Every figure comes from one deployment model (the pool models, src/models/pool/); the
report's own SQL only shapes its charts. Every source is first mapped to quantities through the
metric catalog (\`metric_catalog\`): a series counts for a quantity (CPU seconds, RSS, PSS, USS)
when its metric and labels match a catalog row; for each process and quantity, the source with
the lowest priority is used. Processes are told apart by pid and start time; a deployment starts
with its master's start (to the clock tick for /proc snapshots) and ends with its master's last
sign of life; charts overlay deployments on the seconds since that start.

- **CPU**: per process, the increase of its CPU-seconds counter between consecutive samples,
  reset-aware as Prometheus' \`increase()\`, spread evenly over the interval. A counter starts at 0
  with its process: when the start is known and lies within the data, the first sample's whole
  value counts, from the start on (Prometheus 3 counts from a created timestamp alike). The CPU
  a worker used after its last sample, until its parent reaped it, is in the parent's
  cutime/cstime (/proc snapshots): each rise of that counter counts, less the last sampled CPU of
  the children it holds. Pool cores = Σ over processes of each one's own CPU ÷ time (never sum
  then rate). CPU-seconds over the window = Σ of all of it; mean cores = that ÷ the window.
- **Time grid**: one grid per deployment, from its start, in steps of the CPU counters' scrape
  interval (at least 1 s; for a long deployment the smallest step of the ladder 2, 5, 10, 15,
  30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 day giving at most 2000 buckets). The charts
  gather whole buckets of it into 5 s (or coarser: at most 500 points per line).
- **Memory**: at each bucket's moment (its latest snapshot or scrape), Σ over the processes alive
  then (between their first and last sample with RSS > 0) of each one's latest value: an exited
  worker is not counted next to its replacement. RSS counts every shared page once per process
  that maps it; PSS divides each shared page among the processes sharing it, so Σ PSS is the real
  total; USS (private pages) is what a process alone costs. Peaks and medians are taken over the
  steady state: after startup, and before the first final worker's last sample (the stop).
- **Startup**: a worker settled in the first of two intervals between its samples in which it
  used less than 0.05 cores (give or take one clock tick) and its RSS grew by less than 1 MiB/s
  (an import starved of CPU still grows it), after using, from the busy interval before it,
  both intervals' CPU at its busy rate — or, when that comes first, at the sample from which its
  RSS stopped growing (a replacement under load serves requests at once); the pool settled with
  its last initial worker. A worker's start cost is its CPU until it settled.
- **Phases**: load where the cores are above the midpoint of their 10th and 90th percentiles;
  runs under 5 buckets or 5 s are noise (idle ones join first, then load ones); an idle dip
  under 30 s between two loads with a worker exit or start in it is still load (recycling, a
  lost worker).
- **Deltas**: (value − baseline) ÷ baseline.
- **Differences** in the findings: claimed only where their 95 % interval excludes 0, a block
  bootstrap over the two phases' per-second values (CPU, requests) or steady memory moments
  (PSS, private memory per worker); else "no measurable difference (±x %)". A load tool's
  summary (wrk) is one total for its run, with no per-second spread: throughput read from it is
  that run's, with no interval.`;
