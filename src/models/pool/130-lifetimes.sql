-- When each process was alive: from its first to its last sample with RSS > 0. process-exporter
-- keeps exporting a gone process (memory 0, counters frozen) and a zombie has no memory, and a
-- zombie is not alive. Without any RSS quantity, the processes table's first_seen/last_seen.
CREATE OR REPLACE TEMP TABLE pool_lifetimes AS
WITH rss_series AS (
    SELECT series_id, deployment, process, scale FROM pool_process_series
    WHERE chosen AND quantity = 'rss_bytes'
), per_series AS (
    SELECT x.series_id, min(x.ts) AS alive_from, max(x.ts) AS alive_to
    FROM samples x
    JOIN rss_series s USING (series_id)
    WHERE x.value * s.scale > 0 AND isfinite(x.value)
    GROUP BY x.series_id
), rss AS (
    SELECT s.deployment, s.process, min(r.alive_from) AS alive_from, max(r.alive_to) AS alive_to
    FROM per_series r
    JOIN rss_series s USING (series_id)
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
-- (First and last non-NULL sample of each series, from series_stats: the samples are not read.)
CREATE OR REPLACE TEMP TABLE pool_span AS
SELECT deployment,
       coalesce(min(coalesce(start_ts, alive_from)) FILTER (WHERE role = 'master'),
                min(coalesce(start_ts, alive_from))) AS start_ts,
       coalesce(max(alive_to) FILTER (WHERE role = 'master'), max(alive_to)) AS end_ts
FROM pool_lifetimes
GROUP BY deployment
UNION ALL
SELECT q.deployment, min(st.first_ts), max(st.last_ts)
FROM pool_quantity_series q JOIN series_stats st USING (series_id)
WHERE q.scope = 'tree' AND st.first_ts IS NOT NULL
  AND q.deployment NOT IN (SELECT deployment FROM pool_lifetimes)
GROUP BY q.deployment
UNION ALL
-- a deployment with only container series (cAdvisor): their span, no process figures
SELECT q.deployment, min(st.first_ts), max(st.last_ts)
FROM pool_quantity_series q JOIN series_stats st USING (series_id)
WHERE q.scope = 'container' AND st.first_ts IS NOT NULL
  AND q.deployment NOT IN (SELECT deployment FROM pool_lifetimes)
  AND q.deployment NOT IN (SELECT deployment FROM pool_quantity_series WHERE scope = 'tree')
GROUP BY q.deployment;

-- The intervals between consecutive samples of each chosen series, as a histogram (scrape
-- intervals take few distinct values): how many, and how many ended while the process was
-- alive (for the scrape-gap check, pool_quality). (NULL, NaN and ±Inf are not measurements and
-- are left out.) The loader counted them as the samples arrived (series_intervals,
-- src/store/series-intervals.ts): of each length, how many and the first and last end. The
-- ends at or before alive_to are then all or none of them, or, when alive_to falls between the
-- first and last end, those the last checkpoint before alive_to counted plus those among the
-- samples from the checkpoint to alive_to (a few thousand, sorted). Only the series the loader
-- could not count (samples that arrived out of time order, more than 16 distinct intervals, a
-- file imported before it counted them) sort all their samples' times.
CREATE OR REPLACE TEMP TABLE pool_interval_counts AS
WITH s AS (
    SELECT ps.series_id, l.alive_to, count(*) AS copies
    FROM pool_process_series ps
    JOIN pool_lifetimes l USING (deployment, process)
    WHERE ps.chosen
    GROUP BY ALL
), stored AS (
    SELECT s.series_id, s.alive_to, s.copies, b.interval_ms, b.n, b.first_end, b.last_end
    FROM s
    JOIN series_interval_state st ON st.series_id = s.series_id AND st.complete
    JOIN series_intervals b ON b.series_id = s.series_id
), cut AS (
    -- alive_to between an interval's first and last end
    SELECT DISTINCT series_id, alive_to FROM stored WHERE alive_to >= first_end AND alive_to < last_end
), checkpoint AS (
    SELECT c.series_id, c.alive_to, max(k.ts) AS ts
    FROM cut c JOIN series_interval_checkpoints k ON k.series_id = c.series_id AND k.ts <= c.alive_to
    GROUP BY ALL
), after_checkpoint AS (
    -- the intervals ending after the checkpoint (else the series' start), at or before alive_to
    SELECT c.series_id, c.alive_to,
           x.ts - lag(x.ts) OVER (PARTITION BY c.series_id, c.alive_to ORDER BY x.ts) AS interval_ms
    FROM cut c
    LEFT JOIN checkpoint k USING (series_id, alive_to)
    JOIN samples x ON x.series_id = c.series_id AND x.ts <= c.alive_to AND (k.ts IS NULL OR x.ts >= k.ts)
    WHERE x.value IS NOT NULL AND isfinite(x.value)
), alive_ends AS (
    SELECT series_id, alive_to, interval_ms, sum(ends) AS ends
    FROM (SELECT k.series_id, k.alive_to, p.interval_ms, p.ends
          FROM checkpoint k JOIN series_interval_checkpoints p ON p.series_id = k.series_id AND p.ts = k.ts
          UNION ALL
          SELECT series_id, alive_to, interval_ms, count(*) FROM after_checkpoint
          WHERE interval_ms IS NOT NULL GROUP BY ALL)
    GROUP BY ALL
), from_store AS (
    SELECT b.series_id, b.interval_ms, b.copies * b.n AS n,
           b.copies * CASE WHEN b.alive_to >= b.last_end THEN b.n
                           WHEN b.alive_to >= b.first_end THEN a.ends
                           ELSE 0 END AS n_alive
    FROM stored b
    LEFT JOIN alive_ends a USING (series_id, alive_to, interval_ms)
), steps AS (
    SELECT x.series_id, x.ts, x.ts - lag(x.ts) OVER (PARTITION BY x.series_id ORDER BY x.ts) AS interval_ms
    FROM samples x
    WHERE x.series_id IN (SELECT series_id FROM s EXCEPT SELECT series_id FROM series_interval_state WHERE complete)
      AND x.value IS NOT NULL AND isfinite(x.value)
), from_sort AS (
    SELECT x.series_id, x.interval_ms, sum(s.copies) AS n,
           coalesce(sum(s.copies) FILTER (WHERE x.ts <= s.alive_to), 0) AS n_alive
    FROM steps x
    JOIN s USING (series_id)
    WHERE x.interval_ms IS NOT NULL
    GROUP BY ALL
)
SELECT series_id, interval_ms, sum(n)::BIGINT AS n, sum(n_alive)::BIGINT AS n_alive
FROM (FROM from_store UNION ALL FROM from_sort)
GROUP BY ALL;

-- Median interval between consecutive samples of one series, per deployment and quantity
-- (from the intervals' histogram: median_from_counts, src/models/006-aggregates.sql).
CREATE OR REPLACE TEMP TABLE pool_scrape_interval AS
WITH counts AS (
    SELECT ps.deployment, ps.quantity, c.interval_ms, sum(c.n) AS n
    FROM pool_interval_counts c
    JOIN pool_process_series ps USING (series_id)
    GROUP BY ALL
), cumulative AS (
    SELECT *, sum(n) OVER (PARTITION BY deployment, quantity ORDER BY interval_ms) AS cum,
           sum(n) OVER (PARTITION BY deployment, quantity) AS total
    FROM counts
)
SELECT deployment, quantity, median_from_counts(interval_ms, cum, total) AS interval_ms
FROM cumulative
GROUP BY ALL;

-- The time grid every figure over time uses: buckets of step_ms from the deployment's start
-- (so deployments overlay on time since start). The step is the CPU counters' scrape interval,
-- at least 1 s, or for a long deployment the smallest round step up the ladder of
-- grid_step_ms() (src/models/007-time-grid.sql) that gives at most grid_max_model_buckets()
-- buckets. lookback_ms: how long a memory sample stays the process's current value;
-- alive_tolerance_ms (half the memory scrape interval): how far a process's first or last live
-- sample may lie from a moment at which it counts as alive (sources sample at their own times).
-- Every join to the grid below is an equality on the bucket index: a time t falls in bucket
-- floor((t - t0) / step_ms).
CREATE OR REPLACE TEMP TABLE pool_grid AS
WITH g AS (
    SELECT s.deployment, s.start_ts AS t0, s.end_ts,
           (1000 * greatest(1, coalesce(round(c.interval_ms / 1000), 1)))::BIGINT AS scrape_step_ms,
           (2 * greatest(1000, coalesce(round(m.interval_ms), round(c.interval_ms), 1000)))::BIGINT AS lookback_ms,
           round(coalesce(m.interval_ms, c.interval_ms, 1000) / 2)::BIGINT AS alive_tolerance_ms,
           coalesce(c.interval_ms, m.interval_ms) AS scrape_interval_ms
    FROM pool_span s
    LEFT JOIN pool_scrape_interval c ON c.deployment = s.deployment AND c.quantity = 'cpu_seconds'
    LEFT JOIN pool_scrape_interval m ON m.deployment = s.deployment AND m.quantity = 'rss_bytes'
), stepped AS (
    SELECT *, grid_step_ms(scrape_step_ms, end_ts - t0, grid_max_model_buckets()) AS step_ms FROM g
)
SELECT deployment, t0, end_ts, step_ms, lookback_ms, alive_tolerance_ms, scrape_interval_ms,
       greatest(0, ceil((end_ts - t0) / step_ms))::BIGINT AS buckets
FROM stepped;

CREATE OR REPLACE TEMP TABLE pool_buckets AS
SELECT g.deployment, g.step_ms, g.lookback_ms, b.bucket,
       g.t0 + b.bucket * g.step_ms AS bucket_start,
       g.t0 + (b.bucket + 1) * g.step_ms AS bucket_end
FROM pool_grid g,
     LATERAL (SELECT unnest(range(0, g.buckets)) AS bucket) b;
