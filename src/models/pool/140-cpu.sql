-- CPU: each process's own counter, reset-aware, then summed over processes — never sum then
-- rate (DESIGN.md, fact 3). A sample's increase is its value minus the previous one, or its
-- whole value when it is lower (the counter restarted from 0, as Prometheus' increase() treats
-- resets). A process's first sample counts from 0 when it came within
-- pool_first_sample_window_ms() of the process's start (the counter began with the process);
-- otherwise the monitoring started late and only later increases count.
-- An increase is spread evenly over its interval (from_ts, to_ts].
CREATE OR REPLACE TEMP MACRO pool_overlap(from_ts, to_ts, a, b) AS
    CASE WHEN to_ts <= from_ts THEN (CASE WHEN to_ts > a AND to_ts <= b THEN 1.0 ELSE 0.0 END)
         ELSE greatest(0, least(to_ts, b) - greatest(from_ts, a)) / (to_ts - from_ts) END;

-- One row per increase, integer keys only (millions of rows); pool_cpu_increments names them.
-- first_bucket..last_bucket: the grid's buckets the interval touches, first_share the part of
-- the increase in the first of them (see pool_process_cpu). Read straight from sample_steps_cpu,
-- joined once to the few rows of the CPU series and their grid.
CREATE OR REPLACE TEMP TABLE pool_cpu_steps AS
WITH cpu_series AS (
    SELECT ps.series_id, ps.scale, ps.process_start_ts, g.t0, g.step_ms, g.buckets
    FROM pool_process_series ps
    JOIN pool_grid g USING (deployment)
    WHERE ps.chosen AND ps.quantity = 'cpu_seconds'
), i AS (
    SELECT x.series_id, s.t0, s.step_ms, s.buckets,
           coalesce(x.prev_ts, s.process_start_ts) AS from_ts,
           x.ts AS to_ts,
           CASE WHEN x.prev_ts IS NULL THEN x.value * s.scale
                WHEN x.value >= x.prev_value THEN x.value * s.scale - x.prev_value * s.scale
                ELSE x.value * s.scale END AS cpu_seconds,
           x.prev_ts IS NOT NULL AND x.value < x.prev_value AS reset
    FROM sample_steps_cpu x
    JOIN cpu_series s USING (series_id)
    WHERE x.prev_ts IS NOT NULL
       OR (s.process_start_ts IS NOT NULL AND x.ts >= s.process_start_ts
           AND x.ts - s.process_start_ts <= pool_first_sample_window_ms())
), b AS (
    SELECT series_id, from_ts, to_ts, cpu_seconds, reset, t0, step_ms,
           greatest(0, floor((from_ts - t0) / step_ms))::BIGINT AS first_bucket,
           least(buckets - 1, floor((to_ts - t0) / step_ms))::BIGINT AS last_bucket
    FROM i
)
SELECT series_id, from_ts, to_ts, cpu_seconds, reset, first_bucket, last_bucket,
       cpu_seconds * pool_overlap(from_ts, to_ts, t0 + first_bucket * step_ms, t0 + (first_bucket + 1) * step_ms) AS first_share
FROM b;

-- The increases with their names. A TEMPORARY VIEW stays a view (pool-models.ts materializes
-- only TEMP VIEWs): a copy of millions of rows with their strings costs more than the join.
CREATE OR REPLACE TEMPORARY VIEW pool_cpu_increments AS
SELECT ps.deployment, ps.process, ps.role, ps.series_id, ps.source, ps.cpu_mode,
       i.from_ts, i.to_ts, i.cpu_seconds, i.reset
FROM pool_cpu_steps i
JOIN pool_process_series ps USING (series_id);

-- CPU seconds per process, CPU mode and bucket. An increase over (from_ts, to_ts] touches the
-- buckets with bucket_start <= to_ts and bucket_end > from_ts: first_bucket .. last_bucket of
-- pool_cpu_steps, usually one or two; each gets its share (pool_overlap). Summed per series
-- and bucket first, then per process and mode, on integer keys (names joined last), with
-- exact_sum() (src/models/006-aggregates.sql: the same result in any order of addition, so on
-- any number of threads).
CREATE OR REPLACE TEMP VIEW pool_process_cpu AS
WITH grid AS (
    SELECT ps.series_id, g.t0, g.step_ms FROM pool_process_series ps JOIN pool_grid g USING (deployment)
), shares AS (
    SELECT series_id, first_bucket AS bucket, first_share AS cpu_seconds
    FROM pool_cpu_steps
    WHERE last_bucket >= first_bucket
    UNION ALL
    SELECT i.series_id, i.first_bucket + 1,
           i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, g.t0 + (i.first_bucket + 1) * g.step_ms,
                                        g.t0 + (i.first_bucket + 2) * g.step_ms)
    FROM pool_cpu_steps i
    JOIN grid g USING (series_id)
    WHERE i.last_bucket >= i.first_bucket + 1
    UNION ALL
    SELECT series_id, bucket, cpu_seconds * pool_overlap(from_ts, to_ts, t0 + bucket * step_ms, t0 + (bucket + 1) * step_ms)
    FROM (SELECT i.series_id, i.from_ts, i.to_ts, i.cpu_seconds, g.t0, g.step_ms,
                 unnest(range(i.first_bucket + 2, i.last_bucket + 1)) AS bucket
          FROM pool_cpu_steps i
          JOIN grid g USING (series_id)
          WHERE i.last_bucket >= i.first_bucket + 2)
), per_series AS (
    SELECT series_id, bucket, exact_sum(cpu_seconds) AS cpu_seconds FROM shares GROUP BY series_id, bucket
), keys AS (
    SELECT series_id, dense_rank() OVER (ORDER BY deployment, process, role, cpu_mode) AS key
    FROM pool_process_series
    WHERE series_id IN (SELECT series_id FROM per_series)
), per_key AS (
    SELECT k.key, c.bucket, exact_sum(c.cpu_seconds) AS cpu_seconds
    FROM per_series c JOIN keys k USING (series_id)
    GROUP BY k.key, c.bucket
), names AS (
    SELECT DISTINCT k.key, ps.deployment, ps.process, ps.role, ps.cpu_mode
    FROM keys k JOIN pool_process_series ps USING (series_id)
)
SELECT n.deployment, n.process, n.role, n.cpu_mode, c.bucket, b.bucket_start, b.bucket_end, b.step_ms, c.cpu_seconds
FROM per_key c
JOIN names n USING (key)
JOIN pool_buckets b ON b.deployment = n.deployment AND b.bucket = c.bucket;

-- Cores used per bucket by the whole deployment (master, workers, helpers and others), by role
-- and by CPU mode. A deployment with no per-process CPU counter (psrecord only) takes the
-- whole-tree cores of its tree-scope source instead.
CREATE OR REPLACE TEMP VIEW pool_cpu AS
WITH per_process AS (
    SELECT deployment, bucket,
           exact_sum(cpu_seconds) AS cpu_seconds,
           exact_sum(CASE WHEN role = 'master' THEN cpu_seconds END) AS master_seconds,
           exact_sum(CASE WHEN role = 'worker' THEN cpu_seconds END) AS worker_seconds,
           exact_sum(CASE WHEN role = 'helper' THEN cpu_seconds END) AS helper_seconds,
           exact_sum(CASE WHEN cpu_mode = 'user' THEN cpu_seconds END) AS user_seconds,
           exact_sum(CASE WHEN cpu_mode = 'system' THEN cpu_seconds END) AS system_seconds
    FROM pool_process_cpu
    GROUP BY ALL
), tree AS (
    SELECT q.deployment, b.bucket, exact_avg(x.value * q.scale) AS cores
    FROM pool_quantity_series q
    JOIN samples x USING (series_id)
    JOIN pool_buckets b ON b.deployment = q.deployment AND x.ts >= b.bucket_start AND x.ts < b.bucket_end
    WHERE q.scope = 'tree' AND q.quantity = 'cpu_cores' AND x.value IS NOT NULL AND isfinite(x.value)
      AND q.deployment NOT IN (SELECT deployment FROM pool_process_series
                               WHERE series_id IN (SELECT DISTINCT series_id FROM pool_cpu_steps))
    GROUP BY ALL
)
SELECT b.deployment, b.bucket, b.bucket_start, b.bucket_end,
       coalesce(p.cpu_seconds / (b.step_ms / 1000), t.cores) AS cores,
       p.master_seconds / (b.step_ms / 1000) AS master_cores,
       p.worker_seconds / (b.step_ms / 1000) AS worker_cores,
       p.helper_seconds / (b.step_ms / 1000) AS helper_cores,
       p.user_seconds / (b.step_ms / 1000) AS user_cores,
       p.system_seconds / (b.step_ms / 1000) AS system_cores
FROM pool_buckets b
LEFT JOIN per_process p USING (deployment, bucket)
LEFT JOIN tree t USING (deployment, bucket)
WHERE p.cpu_seconds IS NOT NULL OR t.cores IS NOT NULL;

-- CPU seconds of a deployment between two times (exact: increases split at the edges).
CREATE OR REPLACE TEMP MACRO pool_cpu_seconds_between(d, a, b) AS (
    SELECT exact_sum(cpu_seconds * pool_overlap(from_ts, to_ts, a, b))
    FROM pool_cpu_increments
    WHERE deployment = d AND to_ts > a AND from_ts <= b
);
