-- Startup. A process has settled at the start of its first bucket, from the one of its first
-- live sample on, in which it used less than pool_settle_cores() of CPU (re-importing the app keeps a spawned worker
-- near one full core until it is done). With --ready (pool_ready), every process started
-- before that time settles at it. CPU before settling counts from the process's start.
CREATE OR REPLACE TEMP VIEW pool_process_settle AS
WITH per_bucket AS (
    SELECT deployment, process, bucket_start, bucket_end, sum(cpu_seconds) / (any_value(step_ms) / 1000) AS cores
    FROM pool_process_cpu
    GROUP BY ALL
), detected AS (
    SELECT c.deployment, c.process, min(c.bucket_start) AS settled_ts
    FROM per_bucket c
    JOIN pool_lifetimes l USING (deployment, process)
    WHERE c.bucket_end > l.alive_from AND c.cores < pool_settle_cores()
    GROUP BY ALL
), given AS (
    -- a --ready naming the deployment wins over one for every deployment
    SELECT d.deployment,
           arg_max(CASE WHEN r.relative THEN d.start_ts + r.ready_ts ELSE r.ready_ts END, r.deployment IS NOT NULL) AS ready_ts
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

-- Per worker: start delay after the deployment's start, CPU seconds until settled, memory at
-- the first sample at or after settling. `replacement` marks workers started after an early exit.
CREATE OR REPLACE TEMP VIEW pool_worker_startup AS
WITH mem AS (
    SELECT s.deployment, s.process, x.quantity,
           (SELECT y.value FROM pool_process_samples y
             WHERE y.deployment = s.deployment AND y.process = s.process AND y.quantity = x.quantity
               AND y.ts >= s.settled_ts
             ORDER BY y.ts LIMIT 1) AS bytes
    FROM pool_process_settle s
    CROSS JOIN (VALUES ('rss_bytes'), ('pss_bytes'), ('uss_bytes')) x(quantity)
    WHERE s.settled_ts IS NOT NULL
), cpu AS (
    SELECT s.deployment, s.process,
           sum(i.cpu_seconds * pool_overlap(i.from_ts, i.to_ts, -9223372036854775807, s.settled_ts)) AS cpu_seconds
    FROM pool_process_settle s
    JOIN pool_cpu_increments i ON i.deployment = s.deployment AND i.process = s.process AND i.from_ts < s.settled_ts
    GROUP BY ALL
)
SELECT s.deployment, s.process, s.pid, s.role, s.start_ts, s.settled_ts, s.from_ready,
       (s.start_ts - d.start_ts) / 1000 AS start_delay_seconds,
       (s.settled_ts - coalesce(s.start_ts, s.alive_from)) / 1000 AS settle_seconds,
       coalesce(c.cpu_seconds, 0) AS cpu_seconds,
       (SELECT bytes FROM mem m WHERE m.deployment = s.deployment AND m.process = s.process AND m.quantity = 'rss_bytes') AS rss_bytes,
       (SELECT bytes FROM mem m WHERE m.deployment = s.deployment AND m.process = s.process AND m.quantity = 'pss_bytes') AS pss_bytes,
       (SELECT bytes FROM mem m WHERE m.deployment = s.deployment AND m.process = s.process AND m.quantity = 'uss_bytes') AS uss_bytes,
       s.process IN (SELECT process FROM pool_worker_replacements r WHERE r.deployment = s.deployment) AS replacement
FROM pool_process_settle s
JOIN pool_span d USING (deployment)
LEFT JOIN cpu c USING (deployment, process)
WHERE s.role = 'worker';

-- The pool: settled when its last initial worker settled (or at --ready); CPU of every process
-- from the deployment's start until then.
CREATE OR REPLACE TEMP VIEW pool_startup AS
WITH w AS (
    SELECT deployment,
           max(settled_ts) AS settled_ts,
           count(*) FILTER (WHERE settled_ts IS NULL) AS unsettled,
           avg(cpu_seconds) AS cpu_seconds_per_worker,
           bool_or(from_ready) AS from_ready
    FROM pool_worker_startup
    WHERE NOT replacement
    GROUP BY ALL
)
SELECT d.deployment, d.start_ts,
       CASE WHEN w.unsettled = 0 THEN w.settled_ts END AS settled_ts,
       CASE WHEN w.unsettled = 0 THEN (w.settled_ts - d.start_ts) / 1000 END AS seconds,
       CASE WHEN w.unsettled = 0 THEN w.cpu_seconds_per_worker END AS cpu_seconds_per_worker,
       CASE WHEN w.unsettled = 0 THEN pool_cpu_seconds_between(d.deployment, -9223372036854775807, w.settled_ts) END AS cpu_seconds,
       coalesce(w.from_ready, false) AS from_ready
FROM pool_span d
LEFT JOIN w USING (deployment);
