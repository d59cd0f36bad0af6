-- Memory of the pool in buckets of time since the deployment's start (step_ms of
-- report_deployment_span, as the CPU's): per series the last value in the bucket (memory is a
-- gauge), summed over processes, per quantity.
-- A process whose series ended (stale or no more samples) no longer counts.
CREATE OR REPLACE TEMP TABLE report_pool_memory AS
WITH last_in_bucket AS (
    SELECT q.deployment, q.quantity, q.series_id,
           (s.ts - d.start_ts) // d.step_ms AS bucket,
           arg_max(s.value * q.scale, s.ts) AS bytes
    FROM report_quantity_series q
    JOIN samples s USING (series_id)
    JOIN report_deployment_span d USING (deployment)
    WHERE q.quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes') AND q.scope = 'process'
      AND s.value IS NOT NULL AND isfinite(s.value)
    GROUP BY ALL
)
SELECT l.deployment, replace(l.quantity, '_bytes', '') AS quantity,
       l.bucket * (d.step_ms // 1000) AS t_seconds, d.start_ts + l.bucket * d.step_ms AS bucket_ts,
       sum(l.bytes) AS bytes
FROM last_in_bucket l
JOIN report_deployment_span d USING (deployment)
GROUP BY ALL;
