-- Startup. A process has settled at the start of its first bucket, from the one of its first
-- live sample on, in which it used less than pool_settle_cores() of CPU (re-importing the app keeps a spawned worker
-- near one full core until it is done). With --ready (pool_ready), every process started
-- before that time settles at it. CPU before settling counts from the process's start.
CREATE OR REPLACE TEMP VIEW pool_process_settle AS
WITH per_id AS (
    SELECT process_id, bucket, any_value(deployment) AS deployment, any_value(process) AS process,
           exact_sum(cpu_seconds) AS cpu_seconds
    FROM pool_process_cpu
    WHERE NOT reaped
    GROUP BY process_id, bucket
), per_bucket AS (
    SELECT c.deployment, c.process, b.bucket_start, b.bucket_end, c.cpu_seconds / (b.step_ms / 1000) AS cores
    FROM per_id c
    JOIN pool_buckets b ON b.deployment = c.deployment AND b.bucket = c.bucket
), detected AS (
    SELECT c.deployment, c.process, min(c.bucket_start) AS settled_ts
    FROM per_bucket c
    JOIN pool_lifetimes l USING (deployment, process)
    WHERE c.bucket_end > l.alive_from AND c.cores < pool_settle_cores()
    GROUP BY ALL
), given AS (
    -- a --ready naming the deployment wins over one for every deployment (of two alike, the later)
    SELECT d.deployment,
           arg_max(CASE WHEN r.relative THEN d.start_ts + r.ready_ts ELSE r.ready_ts END,
                   (r.deployment IS NOT NULL, CASE WHEN r.relative THEN d.start_ts + r.ready_ts ELSE r.ready_ts END)) AS ready_ts
    FROM pool_span d
    JOIN pool_ready r ON r.deployment = d.deployment OR r.deployment IS NULL
    GROUP BY d.deployment
), ready AS (
    SELECT d.deployment, g.ready_ts FROM pool_span d LEFT JOIN given g USING (deployment)
)
SELECT l.deployment, l.process, l.pid, l.role, l.start_ts, l.alive_from,
       CASE WHEN r.ready_ts IS NOT NULL AND coalesce(l.start_ts, l.alive_from) <= r.ready_ts THEN r.ready_ts
            ELSE d.settled_ts END AS settled_ts,
       r.ready_ts IS NOT NULL AND coalesce(l.start_ts, l.alive_from) <= r.ready_ts AS from_ready
FROM pool_lifetimes l
JOIN ready r USING (deployment)
LEFT JOIN detected d USING (deployment, process);

-- Each process's CPU counters until it settled (a window of pool_window_cpu, src/models/pool/140-cpu.sql).
CREATE OR REPLACE TEMP VIEW pool_settle_windows AS
SELECT {'deployment': s.deployment, 'process': s.process} AS window_id, c.series_id,
       -9223372036854775807 AS a, s.settled_ts AS b
FROM pool_process_settle s
JOIN pool_cpu_series c USING (deployment, process)
WHERE s.settled_ts IS NOT NULL AND NOT c.reaped;

-- Per worker: start delay after the deployment's start, CPU seconds until settled, memory at
-- the first sample at or after settling. `replacement` marks workers started after an early exit.
CREATE OR REPLACE TEMP VIEW pool_worker_startup AS
WITH mem AS (
    -- each quantity's first sample at or after settling
    SELECT s.deployment, s.process,
           arg_min(y.value * ps.scale, y.ts) FILTER (WHERE ps.quantity = 'rss_bytes') AS rss_bytes,
           arg_min(y.value * ps.scale, y.ts) FILTER (WHERE ps.quantity = 'pss_bytes') AS pss_bytes,
           arg_min(y.value * ps.scale, y.ts) FILTER (WHERE ps.quantity = 'uss_bytes') AS uss_bytes
    FROM pool_process_settle s
    JOIN pool_process_series ps ON ps.deployment = s.deployment AND ps.process = s.process
    JOIN sample_steps_other y ON y.series_id = ps.series_id AND y.ts >= s.settled_ts
    WHERE ps.chosen AND ps.quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes')
      AND y.last_at_ts -- one sample per time (of two at one time, the larger)
    GROUP BY ALL
), cpu AS (
    SELECT window_id.deployment AS deployment, window_id.process AS process, cpu_seconds
    FROM pool_window_cpu('pool_settle_windows')
)
SELECT s.deployment, s.process, s.pid, s.role, s.start_ts, s.settled_ts, s.from_ready,
       (s.start_ts - d.start_ts) / 1000 AS start_delay_seconds,
       (s.settled_ts - coalesce(s.start_ts, s.alive_from)) / 1000 AS settle_seconds,
       coalesce(c.cpu_seconds, 0) AS cpu_seconds,
       m.rss_bytes, m.pss_bytes, m.uss_bytes,
       s.process IN (SELECT process FROM pool_worker_replacements r WHERE r.deployment = s.deployment) AS replacement
FROM pool_process_settle s
JOIN pool_span d USING (deployment)
LEFT JOIN cpu c USING (deployment, process)
LEFT JOIN mem m USING (deployment, process)
WHERE s.role = 'worker';

-- The pool: settled when its last initial worker settled (or at --ready); CPU of every process
-- from the deployment's start until then.
CREATE OR REPLACE TEMP VIEW pool_startup_settled AS
SELECT deployment,
       max(settled_ts) AS settled_ts,
       count(*) FILTER (WHERE settled_ts IS NULL) AS unsettled,
       exact_avg(cpu_seconds) AS cpu_seconds_per_worker,
       bool_or(from_ready) AS from_ready
FROM pool_worker_startup
WHERE NOT replacement
GROUP BY ALL;

CREATE OR REPLACE TEMP VIEW pool_startup_windows AS
SELECT w.deployment AS window_id, c.series_id, -9223372036854775807 AS a, w.settled_ts AS b
FROM pool_startup_settled w
JOIN pool_cpu_series c USING (deployment)
WHERE w.unsettled = 0;

CREATE OR REPLACE TEMP VIEW pool_startup AS
SELECT d.deployment, d.start_ts,
       CASE WHEN w.unsettled = 0 THEN w.settled_ts END AS settled_ts,
       CASE WHEN w.unsettled = 0 THEN (w.settled_ts - d.start_ts) / 1000 END AS seconds,
       CASE WHEN w.unsettled = 0 THEN w.cpu_seconds_per_worker END AS cpu_seconds_per_worker,
       CASE WHEN w.unsettled = 0 THEN c.cpu_seconds END AS cpu_seconds,
       coalesce(w.from_ready, false) AS from_ready
FROM pool_span d
LEFT JOIN pool_startup_settled w USING (deployment)
LEFT JOIN pool_window_cpu('pool_startup_windows') c ON c.window_id = d.deployment;
