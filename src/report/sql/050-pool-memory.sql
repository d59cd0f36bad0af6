-- Memory of the pool in buckets of time since the deployment's start (step_ms of
-- report_deployment_span, as the CPU's): per series the last value in the bucket (memory is a
-- gauge; of two samples at one time, the larger), summed over processes, per quantity.
-- A process whose series ended (stale or no more samples) no longer counts.
CREATE OR REPLACE TEMP TABLE report_pool_memory AS
WITH last_in_bucket AS (
    -- the series' last sample in the bucket: the next one is in a later bucket, or there is none
    -- (sample_steps_other, src/models/steps/: finite values, ordered by time, then value)
    SELECT q.deployment, q.quantity, q.series_id,
           (s.ts - d.start_ts) // d.step_ms AS bucket,
           s.value * q.scale AS bytes
    FROM report_quantity_series q
    JOIN sample_steps_other s USING (series_id)
    JOIN report_deployment_span d USING (deployment)
    WHERE q.quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes') AND q.scope = 'process'
      AND (s.next_ts IS NULL OR (s.next_ts - d.start_ts) // d.step_ms > (s.ts - d.start_ts) // d.step_ms)
)
SELECT l.deployment, replace(l.quantity, '_bytes', '') AS quantity,
       l.bucket * (d.step_ms // 1000) AS t_seconds, d.start_ts + l.bucket * d.step_ms AS bucket_ts,
       exact_sum_bytes(l.bytes) AS bytes
FROM last_in_bucket l
JOIN report_deployment_span d USING (deployment)
GROUP BY ALL;
