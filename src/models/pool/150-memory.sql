-- Memory per bucket: each process's current value at the bucket's end (its last sample before
-- it, no older than the grid's lookback), summed over processes, as Prometheus' sum() of a
-- gauge at an instant. RSS summed over processes counts shared pages once per process; PSS
-- shares them out and sums to the real total; USS is what each process alone costs.
-- The latest sample before a bucket's end is the latest one of the last bucket, at or before
-- it, that has samples: so the samples are first reduced to the last one per process, quantity
-- and bucket, and each bucket looks back to that (an ASOF join over buckets, not samples, on
-- an integer key).
CREATE OR REPLACE TEMP VIEW pool_process_memory AS
WITH keys AS (
    SELECT deployment, process, role, quantity, row_number() OVER (ORDER BY deployment, process, quantity) AS key
    FROM (SELECT DISTINCT deployment, process, role, quantity FROM pool_process_series
          WHERE chosen AND quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes', 'shared_bytes', 'swap_bytes'))
), per_series AS (
    SELECT x.series_id, floor((x.ts - g.t0) / g.step_ms)::BIGINT AS bucket,
           max(x.ts) AS ts, arg_max(x.value, x.ts) AS value
    FROM pool_sample_steps x
    JOIN pool_process_series ps USING (series_id)
    JOIN pool_grid g ON g.deployment = ps.deployment
    WHERE ps.chosen AND ps.quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes', 'shared_bytes', 'swap_bytes')
    GROUP BY ALL
), last_in_bucket AS (
    SELECT k.key, c.bucket, max(c.ts) AS ts, arg_max(c.value, c.ts) AS value
    FROM per_series c
    JOIN pool_process_series ps USING (series_id)
    JOIN keys k USING (deployment, process, role, quantity)
    GROUP BY ALL
), span AS (
    SELECT key, min(ts) AS first_ts, max(ts) AS last_ts FROM last_in_bucket GROUP BY key
), cells AS (
    -- the buckets with bucket_end > first_ts and bucket_end <= last_ts + lookback
    SELECT s.key, g.t0 + (s.bucket + 1) * g.step_ms AS bucket_end, g.lookback_ms, s.bucket
    FROM (SELECT s.key, k.deployment,
                 unnest(range(greatest(0, floor((s.first_ts - g.t0) / g.step_ms))::BIGINT,
                              least(g.buckets - 1, floor((s.last_ts + g.lookback_ms - g.t0) / g.step_ms) - 1)::BIGINT + 1)) AS bucket
          FROM span s JOIN keys k USING (key) JOIN pool_grid g USING (deployment)) s
    JOIN pool_grid g USING (deployment)
)
SELECT k.deployment, k.process, k.role, k.quantity, c.bucket, x.value AS bytes
FROM cells c
ASOF JOIN last_in_bucket x ON x.key = c.key AND c.bucket >= x.bucket
JOIN keys k ON k.key = c.key
WHERE c.bucket_end - x.ts <= c.lookback_ms;

-- Sums per bucket, for the deployment and for its workers. A deployment without per-process
-- RSS (psrecord only) takes the whole-tree RSS of its tree-scope source.
CREATE OR REPLACE TEMP VIEW pool_memory AS
WITH per_process AS (
    SELECT deployment, bucket,
           sum(bytes) FILTER (WHERE quantity = 'rss_bytes') AS rss_bytes,
           sum(bytes) FILTER (WHERE quantity = 'pss_bytes') AS pss_bytes,
           sum(bytes) FILTER (WHERE quantity = 'uss_bytes') AS uss_bytes,
           sum(bytes) FILTER (WHERE quantity = 'rss_bytes' AND role = 'worker') AS worker_rss_bytes,
           sum(bytes) FILTER (WHERE quantity = 'pss_bytes' AND role = 'worker') AS worker_pss_bytes,
           sum(bytes) FILTER (WHERE quantity = 'uss_bytes' AND role = 'worker') AS worker_uss_bytes
    FROM pool_process_memory
    GROUP BY ALL
), tree AS (
    SELECT q.deployment, b.bucket, avg(x.value * q.scale) AS rss_bytes
    FROM pool_quantity_series q
    JOIN samples x USING (series_id)
    JOIN pool_grid g ON g.deployment = q.deployment
    JOIN pool_buckets b ON b.deployment = q.deployment AND b.bucket = floor((x.ts - g.t0) / g.step_ms)
    WHERE q.scope = 'tree' AND q.quantity = 'rss_bytes' AND x.value IS NOT NULL AND isfinite(x.value)
      AND q.deployment NOT IN (SELECT deployment FROM pool_process_memory WHERE quantity = 'rss_bytes')
    GROUP BY ALL
)
SELECT b.deployment, b.bucket, b.bucket_start, b.bucket_end,
       coalesce(p.rss_bytes, t.rss_bytes) AS rss_bytes,
       p.pss_bytes, p.uss_bytes, p.worker_rss_bytes, p.worker_pss_bytes, p.worker_uss_bytes,
       -- shared fraction of worker memory: the part of the workers' resident pages that is not private
       1 - p.worker_uss_bytes / nullif(p.worker_rss_bytes, 0) AS worker_shared_fraction,
       -- how far summing RSS overstates memory
       p.rss_bytes / nullif(p.pss_bytes, 0) AS rss_overcount
FROM pool_buckets b
LEFT JOIN per_process p USING (deployment, bucket)
LEFT JOIN tree t USING (deployment, bucket)
WHERE p.rss_bytes IS NOT NULL OR p.pss_bytes IS NOT NULL OR p.uss_bytes IS NOT NULL OR t.rss_bytes IS NOT NULL;
