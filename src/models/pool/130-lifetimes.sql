-- When each process was alive: from its first to its last sample with RSS > 0. process-exporter
-- keeps exporting a gone process (memory 0, counters frozen) and a zombie has no memory, and a
-- zombie is not alive. Without any RSS quantity, the processes table's first_seen/last_seen.
CREATE OR REPLACE TEMP VIEW pool_lifetimes AS
WITH rss AS (
    SELECT deployment, process, min(ts) AS alive_from, max(ts) AS alive_to
    FROM pool_process_samples
    WHERE quantity = 'rss_bytes' AND value > 0
    GROUP BY ALL
)
SELECT p.deployment, p.process, p.pid, p.role, p.pool, p.start_ts,
       coalesce(r.alive_from, p.first_seen) AS alive_from,
       coalesce(r.alive_to, p.last_seen) AS alive_to
FROM pool_processes p
LEFT JOIN rss r USING (deployment, process);

-- The deployment's time span: from the master's start (else the first process seen) to the
-- master's last sign of life (else the last process's).
-- A deployment with no per-process data (psrecord only) spans its whole-tree samples.
CREATE OR REPLACE TEMP VIEW pool_span AS
SELECT deployment,
       coalesce(min(coalesce(start_ts, alive_from)) FILTER (WHERE role = 'master'),
                min(coalesce(start_ts, alive_from))) AS start_ts,
       coalesce(max(alive_to) FILTER (WHERE role = 'master'), max(alive_to)) AS end_ts
FROM pool_lifetimes
GROUP BY deployment
UNION ALL
SELECT q.deployment, min(x.ts), max(x.ts)
FROM pool_quantity_series q JOIN samples x USING (series_id)
WHERE q.scope = 'tree' AND x.value IS NOT NULL
  AND q.deployment NOT IN (SELECT deployment FROM pool_lifetimes)
GROUP BY q.deployment;

-- Median interval between consecutive samples of one series, per deployment and quantity.
CREATE OR REPLACE TEMP VIEW pool_scrape_interval AS
WITH d AS (
    SELECT deployment, quantity, series_id, ts - lag(ts) OVER (PARTITION BY series_id ORDER BY ts) AS gap_ms
    FROM pool_process_samples
)
SELECT deployment, quantity, median(gap_ms) AS interval_ms
FROM d
WHERE gap_ms IS NOT NULL
GROUP BY ALL;

-- The time grid every figure over time uses: buckets of step_ms from the deployment's start
-- (so deployments overlay on time since start). The step is the CPU counters' scrape interval,
-- at least 1 s. lookback_ms: how long a memory sample stays the process's current value.
CREATE OR REPLACE TEMP VIEW pool_grid AS
SELECT s.deployment, s.start_ts AS t0, s.end_ts,
       (1000 * greatest(1, coalesce(round(c.interval_ms / 1000), 1)))::BIGINT AS step_ms,
       (2 * greatest(1000, coalesce(round(m.interval_ms), round(c.interval_ms), 1000)))::BIGINT AS lookback_ms,
       coalesce(c.interval_ms, m.interval_ms) AS scrape_interval_ms
FROM pool_span s
LEFT JOIN pool_scrape_interval c ON c.deployment = s.deployment AND c.quantity = 'cpu_seconds'
LEFT JOIN pool_scrape_interval m ON m.deployment = s.deployment AND m.quantity = 'rss_bytes';

CREATE OR REPLACE TEMP VIEW pool_buckets AS
SELECT g.deployment, g.step_ms, g.lookback_ms, b.bucket,
       g.t0 + b.bucket * g.step_ms AS bucket_start,
       g.t0 + (b.bucket + 1) * g.step_ms AS bucket_end
FROM pool_grid g,
     LATERAL (SELECT unnest(range(0, ceil((g.end_ts - g.t0) / g.step_ms)::BIGINT)) AS bucket) b;

-- Workers alive at the end of each bucket (a process counts from its first to its last live sample).
CREATE OR REPLACE TEMP VIEW pool_workers_alive AS
SELECT b.deployment, b.bucket,
       count(l.process) AS workers_alive
FROM pool_buckets b
LEFT JOIN pool_lifetimes l
       ON l.deployment = b.deployment AND l.role = 'worker'
      AND l.alive_from < b.bucket_end AND l.alive_to >= b.bucket_end - 1
GROUP BY ALL;
