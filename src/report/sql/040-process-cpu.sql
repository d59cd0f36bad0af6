-- CPU cores per process in buckets of time since the deployment's start (step_ms of
-- report_deployment_span: 5 s, coarser for a long deployment): the CPU seconds of every
-- interval that ends inside the bucket, divided by the step (cpu_seconds: not divided).
-- first_from_ts: the start of the earliest of those intervals; last_use_ts: the end of the
-- last one in which the process used CPU (so per-process totals need not read every sample).
-- Summed per series and bucket first (integer keys), then per process.
CREATE OR REPLACE TEMP TABLE report_process_cpu AS
WITH per_series AS (
    SELECT i.series_id, (i.ts - d.start_ts) // d.step_ms AS bucket,
           exact_sum(i.cpu_seconds) AS cpu_seconds,
           min(i.prev_ts) AS first_from_ts,
           max(i.ts) FILTER (WHERE i.cpu_seconds > 0) AS last_use_ts
    FROM report_cpu_increase i
    JOIN report_deployment_span d USING (deployment)
    GROUP BY ALL
)
SELECT q.deployment, q.process,
       c.bucket * (d.step_ms // 1000) AS t_seconds,
       d.start_ts + c.bucket * d.step_ms AS bucket_ts,
       exact_sum(c.cpu_seconds) / (d.step_ms // 1000) AS cores,
       exact_sum(c.cpu_seconds) AS cpu_seconds,
       min(c.first_from_ts) AS first_from_ts,
       max(c.last_use_ts) AS last_use_ts
FROM per_series c
JOIN report_quantity_series q USING (series_id)
JOIN report_deployment_span d USING (deployment)
GROUP BY q.deployment, q.process, c.bucket, d.step_ms, d.start_ts;

-- The pool: the sum over processes of each process's own cores (rate then sum).
CREATE OR REPLACE TEMP TABLE report_pool_cpu AS
SELECT deployment, t_seconds, bucket_ts, exact_sum(cores) AS cores, count(*) AS processes
FROM report_process_cpu
GROUP BY ALL;
