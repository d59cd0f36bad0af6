-- Memory per bucket: each process's current value at the bucket's end (its last sample before
-- it, no older than the grid's lookback), summed over processes, as Prometheus' sum() of a
-- gauge at an instant. RSS summed over processes counts shared pages once per process; PSS
-- shares them out and sums to the real total; USS is what each process alone costs.
CREATE OR REPLACE TEMP VIEW pool_process_memory AS
WITH span AS (
    SELECT deployment, process, role, quantity, min(ts) AS first_ts, max(ts) AS last_ts
    FROM pool_process_samples
    WHERE quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes', 'shared_bytes', 'swap_bytes')
    GROUP BY ALL
), cells AS (
    SELECT s.deployment, s.process, s.role, s.quantity, b.bucket, b.bucket_end, b.lookback_ms
    FROM span s
    JOIN pool_buckets b ON b.deployment = s.deployment
     AND b.bucket_end > s.first_ts AND b.bucket_end <= s.last_ts + b.lookback_ms
)
SELECT c.deployment, c.process, c.role, c.quantity, c.bucket, x.value AS bytes
FROM cells c
ASOF JOIN pool_process_samples x
  ON x.deployment = c.deployment AND x.process = c.process AND x.quantity = c.quantity
 AND c.bucket_end > x.ts
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
    JOIN pool_buckets b ON b.deployment = q.deployment AND x.ts >= b.bucket_start AND x.ts < b.bucket_end
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
