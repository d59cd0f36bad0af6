-- Memory per bucket: each process's current value at the bucket's end (its last sample before
-- it, no older than the grid's lookback), summed over processes, as Prometheus' sum() of a
-- gauge at an instant. RSS summed over processes counts shared pages once per process; PSS
-- shares them out and sums to the real total; USS is what each process alone costs.
-- The latest sample before a bucket's end is the latest one of the last bucket, at or before
-- it, that has samples: so the samples are first reduced to the last one per process, quantity
-- and bucket, and each bucket looks back to that (an ASOF join over buckets, not samples, on
-- an integer key). Of two samples at one time, the larger of one series (last_at_ts), and of
-- two series of one process and quantity, the one with the larger series id.
CREATE OR REPLACE TEMP VIEW pool_process_memory AS
WITH keys AS (
    SELECT deployment, process, role, quantity, row_number() OVER (ORDER BY deployment, process, quantity) AS key
    FROM (SELECT DISTINCT deployment, process, role, quantity FROM pool_process_series
          WHERE chosen AND quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes', 'shared_bytes', 'swap_bytes'))
), memory_series AS (
    SELECT ps.series_id, ps.scale, k.key, g.t0, g.step_ms
    FROM pool_process_series ps
    JOIN keys k USING (deployment, process, role, quantity)
    JOIN pool_grid g USING (deployment)
    WHERE ps.chosen
), last_of_series AS (
    -- each series' last sample in each bucket: the next one is in a later bucket, or there is
    -- none (straight from sample_steps_other, joined once to the few rows of the memory series)
    SELECT m.key, x.series_id, pool_bucket_of(x.ts, m.t0, m.step_ms) AS bucket, x.ts, x.value * m.scale AS value
    FROM sample_steps_other x
    JOIN memory_series m USING (series_id)
    WHERE x.next_ts IS NULL OR pool_bucket_of(x.next_ts, m.t0, m.step_ms) > pool_bucket_of(x.ts, m.t0, m.step_ms)
), last_in_bucket AS (
    SELECT key, bucket, max(ts) AS ts, arg_max(value, (ts, series_id)) AS value
    FROM last_of_series
    GROUP BY key, bucket
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
           exact_sum_bytes(CASE WHEN quantity = 'rss_bytes' THEN bytes END) AS rss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'pss_bytes' THEN bytes END) AS pss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'uss_bytes' THEN bytes END) AS uss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'rss_bytes' AND role = 'worker' THEN bytes END) AS worker_rss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'pss_bytes' AND role = 'worker' THEN bytes END) AS worker_pss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'uss_bytes' AND role = 'worker' THEN bytes END) AS worker_uss_bytes
    FROM pool_process_memory
    GROUP BY ALL
), tree AS (
    SELECT q.deployment, b.bucket, exact_avg_bytes(x.value * q.scale) AS rss_bytes
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
