-- Memory per bucket: the sum over the processes alive at the bucket's moment of each one's
-- current value, as Prometheus' sum() of a gauge at an instant, or the sum over one /proc
-- snapshot. RSS summed over processes counts shared pages once per process; PSS shares them
-- out and sums to the real total; USS is what each process alone costs.
-- The bucket's moment is its latest memory sample (of any process: a snapshot or a scrape
-- reads every process at once), or without one its last millisecond. A process counts at a
-- moment when it was alive then (pool_lifetimes, within the grid's alive_tolerance_ms): an
-- exited worker is not counted next to its replacement, however recently it was sampled.
-- Its value is its latest sample at or before the moment, no older than the grid's lookback
-- (one missed scrape does not drop a live process).
-- The latest sample before a moment is the latest one of the last bucket, at or before it,
-- that has samples: so the samples are first reduced to the last one per process, quantity
-- and bucket, and each bucket looks back to that (an ASOF join over buckets, not samples, on
-- an integer key). Of two samples at one time, the larger of one series, and of
-- two series of one process and quantity, the one with the larger series id.
CREATE OR REPLACE TEMP TABLE pool_memory_last AS
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
), sampled_series AS (
    -- a series' grid is its deployment's, so its buckets are the same for every key it gives
    SELECT DISTINCT series_id, t0, step_ms FROM memory_series
), last_of_series AS (
    -- each series' last sample in each bucket, of two at one time the larger: a hash aggregate
    -- per series and bucket, straight from the samples (NULL, NaN and ±Inf left out), keyed
    -- on those two alone (fewer keys to hash; the key and scale join after)
    SELECT x.series_id, pool_bucket_of(x.ts, m.t0, m.step_ms) AS bucket,
           max({'ts': x.ts, 'value': x.value}) AS last
    FROM samples x
    JOIN sampled_series m USING (series_id)
    WHERE x.value IS NOT NULL AND isfinite(x.value)
    GROUP BY ALL
), last_scaled AS (
    SELECT m.key, l.series_id, l.bucket, l.last.ts AS ts, l.last.value * m.scale AS value
    FROM last_of_series l
    JOIN memory_series m USING (series_id)
)
SELECT k.deployment, k.process, k.role, k.quantity, l.key, l.bucket,
       max(l.ts) AS ts, arg_max(l.value, (l.ts, l.series_id)) AS value
FROM last_scaled l
JOIN keys k USING (key)
GROUP BY ALL;

-- Each bucket's moment (see above): the instant every sum over processes of the bucket is taken at.
CREATE OR REPLACE TEMP TABLE pool_moments AS
WITH sampled AS (
    SELECT deployment, bucket, max(ts) AS ts FROM pool_memory_last GROUP BY ALL
)
SELECT b.deployment, b.bucket, b.bucket_start, b.bucket_end,
       coalesce(s.ts, b.bucket_end - 1) AS moment_ts
FROM pool_buckets b
LEFT JOIN sampled s USING (deployment, bucket);

-- Workers alive at each bucket's moment (a process counts from its first to its last live
-- sample, within the grid's alive_tolerance_ms).
CREATE OR REPLACE TEMP TABLE pool_workers_alive AS
WITH spans AS (
    SELECT l.deployment,
           greatest(0, floor((l.alive_from - g.alive_tolerance_ms - g.t0) / g.step_ms))::BIGINT AS first_bucket,
           least(g.buckets - 1, floor((l.alive_to + g.alive_tolerance_ms - g.t0) / g.step_ms))::BIGINT AS last_bucket,
           l.alive_from - g.alive_tolerance_ms AS alive_from, l.alive_to + g.alive_tolerance_ms AS alive_to
    FROM pool_lifetimes l
    JOIN pool_grid g USING (deployment)
    WHERE l.role = 'worker'
), alive AS (
    SELECT deployment, alive_from, alive_to, unnest(range(first_bucket, last_bucket + 1)) AS bucket FROM spans
)
SELECT m.deployment, m.bucket, m.moment_ts,
       count(a.bucket) FILTER (WHERE m.moment_ts BETWEEN a.alive_from AND a.alive_to) AS workers_alive
FROM pool_moments m
LEFT JOIN alive a USING (deployment, bucket)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE pool_process_memory AS
WITH span AS (
    SELECT key, any_value(deployment) AS deployment, any_value(process) AS process,
           min(ts) AS first_ts, max(ts) AS last_ts
    FROM pool_memory_last GROUP BY key
), cells AS (
    -- the buckets from the first sample's to the one lookback after the last, at most to the
    -- one a tolerance after the process's last live sample
    SELECT s.key, s.deployment, s.process, l.alive_from - g.alive_tolerance_ms AS alive_from,
           l.alive_to + g.alive_tolerance_ms AS alive_to, g.lookback_ms,
           unnest(range(greatest(0, floor((s.first_ts - g.t0) / g.step_ms))::BIGINT,
                        least(g.buckets - 1,
                              floor((least(s.last_ts + g.lookback_ms, l.alive_to + g.alive_tolerance_ms) - g.t0) / g.step_ms))::BIGINT + 1)) AS bucket
    FROM span s
    JOIN pool_grid g USING (deployment)
    JOIN pool_lifetimes l USING (deployment, process)
)
SELECT x.deployment, x.process, x.role, x.quantity, c.bucket, x.value AS bytes
FROM cells c
JOIN pool_moments m ON m.deployment = c.deployment AND m.bucket = c.bucket
ASOF JOIN pool_memory_last x ON x.key = c.key AND c.bucket >= x.bucket
WHERE m.moment_ts BETWEEN c.alive_from AND c.alive_to
  AND m.moment_ts - x.ts <= c.lookback_ms;

-- Sums per bucket (at its moment), for the deployment and for its workers. A deployment without per-process
-- RSS (psrecord only) takes the whole-tree RSS of its tree-scope source.
CREATE OR REPLACE TEMP TABLE pool_memory AS
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
SELECT b.deployment, b.bucket, b.bucket_start, b.bucket_end, b.moment_ts,
       coalesce(p.rss_bytes, t.rss_bytes) AS rss_bytes,
       p.pss_bytes, p.uss_bytes, p.worker_rss_bytes, p.worker_pss_bytes, p.worker_uss_bytes,
       -- shared fraction of worker memory: the part of the workers' resident pages that is not private
       1 - p.worker_uss_bytes / nullif(p.worker_rss_bytes, 0) AS worker_shared_fraction,
       -- how far summing RSS overstates memory
       p.rss_bytes / nullif(p.pss_bytes, 0) AS rss_overcount
FROM pool_moments b
LEFT JOIN per_process p USING (deployment, bucket)
LEFT JOIN tree t USING (deployment, bucket)
WHERE p.rss_bytes IS NOT NULL OR p.pss_bytes IS NOT NULL OR p.uss_bytes IS NOT NULL OR t.rss_bytes IS NOT NULL;
