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

CREATE OR REPLACE TEMP VIEW pool_cpu_increments AS
WITH s AS (
    SELECT deployment, process, role, series_id, source, cpu_mode, ts, value,
           lag(ts) OVER w AS prev_ts, lag(value) OVER w AS prev_value
    FROM pool_process_samples
    WHERE quantity = 'cpu_seconds'
    WINDOW w AS (PARTITION BY series_id ORDER BY ts)
)
SELECT s.deployment, s.process, s.role, s.series_id, s.source, s.cpu_mode,
       coalesce(s.prev_ts, p.start_ts) AS from_ts,
       s.ts AS to_ts,
       CASE WHEN s.prev_ts IS NULL THEN s.value
            WHEN s.value >= s.prev_value THEN s.value - s.prev_value
            ELSE s.value END AS cpu_seconds,
       s.prev_ts IS NOT NULL AND s.value < s.prev_value AS reset
FROM s
JOIN pool_processes p USING (deployment, process)
WHERE s.prev_ts IS NOT NULL
   OR (p.start_ts IS NOT NULL AND s.ts >= p.start_ts AND s.ts - p.start_ts <= pool_first_sample_window_ms());

-- CPU seconds per process, CPU mode and bucket.
CREATE OR REPLACE TEMP VIEW pool_process_cpu AS
SELECT i.deployment, i.process, i.role, i.cpu_mode, b.bucket, b.bucket_start, b.bucket_end, b.step_ms,
       sum(i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, b.bucket_start, b.bucket_end)) AS cpu_seconds
FROM pool_cpu_increments i
JOIN pool_buckets b ON b.deployment = i.deployment AND b.bucket_start <= i.to_ts AND b.bucket_end > i.from_ts
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
      AND q.deployment NOT IN (SELECT deployment FROM pool_cpu_increments)
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
