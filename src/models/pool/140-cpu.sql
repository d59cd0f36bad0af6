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
-- first_bucket..last_bucket: the grid's buckets the interval touches (see pool_process_cpu).
CREATE OR REPLACE TEMP TABLE pool_cpu_steps AS
WITH i AS (
    SELECT x.series_id, ps.deployment,
           coalesce(x.prev_ts, ps.process_start_ts) AS from_ts,
           x.ts AS to_ts,
           CASE WHEN x.prev_ts IS NULL THEN x.value
                WHEN x.value >= x.prev_value THEN x.value - x.prev_value
                ELSE x.value END AS cpu_seconds,
           x.prev_ts IS NOT NULL AND x.value < x.prev_value AS reset
    FROM pool_sample_steps x
    JOIN pool_process_series ps USING (series_id)
    WHERE ps.chosen AND ps.quantity = 'cpu_seconds'
      AND (x.prev_ts IS NOT NULL
           OR (ps.process_start_ts IS NOT NULL AND x.ts >= ps.process_start_ts
               AND x.ts - ps.process_start_ts <= pool_first_sample_window_ms()))
)
SELECT i.series_id, i.from_ts, i.to_ts, i.cpu_seconds, i.reset,
       greatest(0, floor((i.from_ts - g.t0) / g.step_ms))::BIGINT AS first_bucket,
       least(g.buckets - 1, floor((i.to_ts - g.t0) / g.step_ms))::BIGINT AS last_bucket
FROM i
JOIN pool_grid g USING (deployment);

-- The increases with their names (a TEMPORARY VIEW stays a view, see pool_process_samples).
CREATE OR REPLACE TEMPORARY VIEW pool_cpu_increments AS
SELECT ps.deployment, ps.process, ps.role, ps.series_id, ps.source, ps.cpu_mode,
       i.from_ts, i.to_ts, i.cpu_seconds, i.reset
FROM pool_cpu_steps i
JOIN pool_process_series ps USING (series_id);

-- CPU seconds per process, CPU mode and bucket. An increase over (from_ts, to_ts] touches the
-- buckets with bucket_start <= to_ts and bucket_end > from_ts: first_bucket .. last_bucket of
-- pool_cpu_steps, usually one or two; each gets its share (pool_overlap). Summed per series
-- and bucket first (integer keys), then per process and mode. The first, second and further
-- buckets' shares are three aggregations joined, not a UNION ALL: a union's branches may feed
-- one aggregation in a varying order, and float sums must add in the same order every time.
CREATE OR REPLACE TEMP VIEW pool_process_cpu AS
WITH grid AS (
    SELECT ps.series_id, g.t0, g.step_ms FROM pool_process_series ps JOIN pool_grid g USING (deployment)
), first_share AS (
    SELECT i.series_id, i.first_bucket AS bucket,
           sum(i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, g.t0 + i.first_bucket * g.step_ms,
                                            g.t0 + (i.first_bucket + 1) * g.step_ms)) AS cpu_seconds
    FROM pool_cpu_steps i
    JOIN grid g USING (series_id)
    WHERE i.last_bucket >= i.first_bucket
    GROUP BY i.series_id, i.first_bucket
), second_share AS (
    SELECT i.series_id, i.first_bucket + 1 AS bucket,
           sum(i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, g.t0 + (i.first_bucket + 1) * g.step_ms,
                                            g.t0 + (i.first_bucket + 2) * g.step_ms)) AS cpu_seconds
    FROM pool_cpu_steps i
    JOIN grid g USING (series_id)
    WHERE i.last_bucket >= i.first_bucket + 1
    GROUP BY i.series_id, i.first_bucket + 1
), further_shares AS (
    SELECT series_id, bucket,
           sum(cpu_seconds * pool_overlap(from_ts, to_ts, t0 + bucket * step_ms, t0 + (bucket + 1) * step_ms)) AS cpu_seconds
    FROM (SELECT i.series_id, i.from_ts, i.to_ts, i.cpu_seconds, g.t0, g.step_ms,
                 unnest(range(i.first_bucket + 2, i.last_bucket + 1)) AS bucket
          FROM pool_cpu_steps i
          JOIN grid g USING (series_id)
          WHERE i.last_bucket >= i.first_bucket + 2)
    GROUP BY series_id, bucket
), per_series AS (
    SELECT series_id, bucket,
           coalesce(a.cpu_seconds, 0) + coalesce(b.cpu_seconds, 0) + coalesce(c.cpu_seconds, 0) AS cpu_seconds
    FROM first_share a
    FULL JOIN second_share b USING (series_id, bucket)
    FULL JOIN further_shares c USING (series_id, bucket)
)
SELECT ps.deployment, ps.process, ps.role, ps.cpu_mode, c.bucket, b.bucket_start, b.bucket_end, b.step_ms,
       sum(c.cpu_seconds) AS cpu_seconds
FROM per_series c
JOIN pool_process_series ps USING (series_id)
JOIN pool_buckets b ON b.deployment = ps.deployment AND b.bucket = c.bucket
GROUP BY ALL;

-- Cores used per bucket by the whole deployment (master, workers, helpers and others), by role
-- and by CPU mode. A deployment with no per-process CPU counter (psrecord only) takes the
-- whole-tree cores of its tree-scope source instead.
CREATE OR REPLACE TEMP VIEW pool_cpu AS
WITH per_process AS (
    SELECT deployment, bucket,
           sum(cpu_seconds) AS cpu_seconds,
           sum(cpu_seconds) FILTER (WHERE role = 'master') AS master_seconds,
           sum(cpu_seconds) FILTER (WHERE role = 'worker') AS worker_seconds,
           sum(cpu_seconds) FILTER (WHERE role = 'helper') AS helper_seconds,
           sum(cpu_seconds) FILTER (WHERE cpu_mode = 'user') AS user_seconds,
           sum(cpu_seconds) FILTER (WHERE cpu_mode = 'system') AS system_seconds
    FROM pool_process_cpu
    GROUP BY ALL
), tree AS (
    SELECT q.deployment, b.bucket, avg(x.value * q.scale) AS cores
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
    SELECT sum(cpu_seconds * pool_overlap(from_ts, to_ts, a, b))
    FROM pool_cpu_increments
    WHERE deployment = d AND to_ts > a AND from_ts <= b
);
