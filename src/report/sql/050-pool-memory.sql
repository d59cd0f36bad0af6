-- Memory of the pool in the charts' buckets: the model's sums over the processes alive at a
-- moment (pool_memory), at the last model bucket of each chart bucket that has them.
CREATE OR REPLACE TEMP TABLE report_pool_memory AS
WITH last_model_bucket AS (
    SELECT m.deployment, (m.bucket * d.model_step_ms // d.step_ms) AS chart_bucket,
           arg_max(m.rss_bytes, m.bucket) FILTER (WHERE m.rss_bytes IS NOT NULL) AS rss,
           arg_max(m.pss_bytes, m.bucket) FILTER (WHERE m.pss_bytes IS NOT NULL) AS pss,
           arg_max(m.uss_bytes, m.bucket) FILTER (WHERE m.uss_bytes IS NOT NULL) AS uss
    FROM pool_memory m JOIN report_deployment_span d USING (deployment)
    GROUP BY ALL
), long AS (
    UNPIVOT last_model_bucket ON rss, pss, uss INTO NAME quantity VALUE bytes
)
SELECT l.deployment, l.quantity, l.chart_bucket * (d.step_ms // 1000) AS t_seconds,
       d.start_ts + l.chart_bucket * d.step_ms AS bucket_ts, l.bytes
FROM long l
JOIN report_deployment_span d USING (deployment);

-- Processes alive (every role) at the moment of the last model bucket of each chart bucket:
-- from a process's first to its last live sample (pool_lifetimes), as the model counts workers.
CREATE OR REPLACE TEMP TABLE report_processes_alive AS
WITH last_moment AS (
    SELECT m.deployment, (m.bucket * d.model_step_ms // d.step_ms) AS chart_bucket, max(m.moment_ts) AS moment_ts
    FROM pool_moments m JOIN report_deployment_span d USING (deployment)
    GROUP BY ALL
)
SELECT m.deployment, m.chart_bucket * (d.step_ms // 1000) AS t_seconds,
       count(l.process) AS processes
FROM last_moment m
JOIN report_deployment_span d USING (deployment)
JOIN pool_grid g USING (deployment)
LEFT JOIN pool_lifetimes l ON l.deployment = m.deployment
     AND m.moment_ts BETWEEN l.alive_from - g.alive_tolerance_ms AND l.alive_to + g.alive_tolerance_ms
GROUP BY ALL;
