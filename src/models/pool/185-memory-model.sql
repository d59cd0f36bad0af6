-- The memory model: the pool's PSS ≈ shared + N × private per worker, fitted per phase from the
-- moments at which the pool was steady (docs/design.md, "The memory model").
-- PSS gives each page to the processes mapping it in equal parts, so Σ PSS over the pool counts
-- every page it holds once. A worker's private pages (USS) are its own; every other page of the
-- pool (the master's, the helpers', shared libraries, the copy-on-write pages the workers still
-- share with the master) is held once however many workers map it: one more worker adds its
-- USS, and its share of the shared pages is taken from the others'. So at one moment with N
-- workers alive, shared = Σ PSS − Σ worker USS exactly, and private = Σ worker USS ÷ N (the
-- mean, not the median worker: the model has to give back the sum).

-- Moments not to read a model from (transients), as intervals of moments:
--   a worker started after the steady state began (a replacement) is starting from its first
--   live sample until the end of its startup's quiet interval (pool_process_settle.cpu_until_ts;
--   its whole life when it never settled): it is still importing and mapping pages;
--   a worker that exited early is leaving from two scrape intervals before its last live sample
--   (an exiting worker unmaps its pages over its last samples) until a lookback after it (its
--   last value may still stand for it);
--   a worker's memory is moving while its sample stands (from its time to the next one's) when
--   its USS differs from its previous sample's by more than pool_memory_moving_fraction() of
--   its RSS, or it has no previous sample: a worker still importing (whatever the startup
--   detection found), or pages being copied as the load begins. The model is of the memory the
--   pool settles at.
CREATE OR REPLACE TEMP MACRO pool_memory_moving_fraction() AS 0.01;

CREATE OR REPLACE TEMP TABLE pool_memory_transients AS
WITH worker_samples AS (
    -- (without an RSS sample in the same bucket, the USS itself is the scale)
    SELECT u.deployment, u.process, u.ts, u.value AS uss, coalesce(r.value, u.value) AS rss,
           lag(u.value) OVER w AS prev_uss, lead(u.ts) OVER w AS next_ts
    FROM pool_memory_last u
    LEFT JOIN pool_memory_last r ON r.deployment = u.deployment AND r.process = u.process
     AND r.bucket = u.bucket AND r.quantity = 'rss_bytes'
    WHERE u.role = 'worker' AND u.quantity = 'uss_bytes'
    WINDOW w AS (PARTITION BY u.key ORDER BY u.bucket)
)
SELECT s.deployment, s.process, 'moving' AS kind, s.ts AS from_ts,
       coalesce(s.next_ts - 1, s.ts + g.lookback_ms) AS to_ts
FROM worker_samples s
JOIN pool_grid g USING (deployment)
WHERE s.prev_uss IS NULL OR abs(s.uss - s.prev_uss) > pool_memory_moving_fraction() * s.rss
UNION ALL
SELECT l.deployment, l.process, 'starting',
       l.alive_from - g.alive_tolerance_ms AS from_ts,
       coalesce(s.cpu_until_ts, l.alive_to) + g.alive_tolerance_ms AS to_ts
FROM pool_lifetimes l
JOIN pool_process_settle s USING (deployment, process)
JOIN pool_steady st USING (deployment)
JOIN pool_grid g USING (deployment)
WHERE l.role = 'worker' AND l.alive_from > st.start_ts
UNION ALL
SELECT e.deployment, e.process, 'leaving',
       e.alive_to - 2 * coalesce(g.scrape_interval_ms, 1000), e.alive_to + g.lookback_ms
FROM pool_worker_exits e
JOIN pool_grid g USING (deployment);

-- The steady moments: the buckets of the steady state (pool_steady: startup and the stop are
-- out) whose moment is in no transient, with workers alive and a PSS and USS value for the
-- pool and for every worker alive (pool_process_memory: the processes alive at the moment).
CREATE OR REPLACE TEMP TABLE pool_memory_moments AS
WITH per_bucket AS (
    SELECT deployment, bucket,
           exact_sum_bytes(CASE WHEN quantity = 'pss_bytes' THEN bytes END) AS pss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'rss_bytes' THEN bytes END) AS rss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'pss_bytes' AND role = 'worker' THEN bytes END) AS worker_pss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'uss_bytes' AND role = 'worker' THEN bytes END) AS worker_uss_bytes,
           exact_sum_bytes(CASE WHEN quantity = 'rss_bytes' AND role = 'worker' THEN bytes END) AS worker_rss_bytes,
           count(*) FILTER (WHERE quantity = 'pss_bytes' AND role = 'worker') AS workers_with_pss,
           count(*) FILTER (WHERE quantity = 'uss_bytes' AND role = 'worker') AS workers_with_uss
    FROM pool_process_memory
    GROUP BY ALL
)
SELECT m.deployment, m.bucket, m.bucket_start, m.bucket_end, m.moment_ts, a.workers_alive,
       p.pss_bytes, p.rss_bytes, p.worker_pss_bytes, p.worker_uss_bytes, p.worker_rss_bytes
FROM pool_moments m
JOIN pool_steady s USING (deployment)
JOIN pool_workers_alive a USING (deployment, bucket)
JOIN per_bucket p USING (deployment, bucket)
WHERE m.bucket_start >= s.start_ts AND m.bucket_end <= s.end_ts
  AND a.workers_alive > 0
  AND p.workers_with_pss = a.workers_alive AND p.workers_with_uss = a.workers_alive
  AND NOT EXISTS (SELECT 1 FROM pool_memory_transients t
                  WHERE t.deployment = m.deployment AND m.moment_ts BETWEEN t.from_ts AND t.to_ts);

-- The model of each phase, over its steady moments: private = median over them of
-- Σ worker USS ÷ workers alive, shared = median of Σ PSS − Σ worker USS; with the medians of
-- what they are fitted to (pool PSS and RSS, workers alive), the same per live worker (PSS,
-- USS, RSS: workers only) and the workers' shared fraction (1 − USS ÷ RSS of the workers:
-- the part of their resident pages they share), and each per-worker figure's range over the
-- moments. A comparison's interval is drawn from the moments themselves
-- (pool_memory_phase_moments: each phase's steady moments; src/models/pool-report.ts).
CREATE OR REPLACE TEMP TABLE pool_memory_phase_moments AS
SELECT p.deployment, p.name, p.start_ts, p.end_ts, x.* EXCLUDE (deployment)
FROM pool_phases p
JOIN pool_memory_moments x ON x.deployment = p.deployment AND x.bucket_start >= p.start_ts AND x.bucket_end <= p.end_ts;

CREATE OR REPLACE TEMP TABLE pool_memory_models AS
SELECT x.deployment, x.name, x.start_ts, x.end_ts,
       count(*) AS moments,
       quantile_disc(x.workers_alive, 0.5) AS workers_alive, -- a count: the lower median
       median(x.worker_uss_bytes / x.workers_alive) AS private_bytes_per_worker,
       median(x.pss_bytes - x.worker_uss_bytes) AS shared_bytes,
       median(x.pss_bytes) AS pss_bytes,
       median(x.rss_bytes) AS rss_bytes,
       median(x.rss_bytes / nullif(x.pss_bytes, 0)) AS rss_overcount,
       median(x.pss_bytes / x.workers_alive) AS pss_bytes_per_live_worker,
       min(x.pss_bytes / x.workers_alive) AS pss_bytes_per_live_worker_min,
       max(x.pss_bytes / x.workers_alive) AS pss_bytes_per_live_worker_max,
       min(x.worker_uss_bytes / x.workers_alive) AS private_bytes_per_worker_min,
       max(x.worker_uss_bytes / x.workers_alive) AS private_bytes_per_worker_max,
       min(x.pss_bytes) AS pss_bytes_min,
       max(x.pss_bytes) AS pss_bytes_max,
       median(x.worker_pss_bytes / x.workers_alive) AS worker_pss_bytes,
       median(x.worker_rss_bytes / x.workers_alive) AS worker_rss_bytes,
       median(1 - x.worker_uss_bytes / nullif(x.worker_rss_bytes, 0)) AS worker_shared_fraction
FROM pool_memory_phase_moments x
GROUP BY ALL;

-- Which phase's model stands for the deployment and which one its load is read from:
-- `before_load`, the clean baseline, is the first phase named idle with a model that ends at or
-- before the start of a phase named load (else the first phase with a model); `load` is the
-- first phase named load with a model that starts at or after before_load's end.
CREATE OR REPLACE TEMP TABLE pool_memory_model_roles AS
WITH named AS (
    SELECT m.deployment, m.name, m.start_ts, m.end_ts,
           m.name = 'idle' AND EXISTS (SELECT 1 FROM pool_phases l
                                       WHERE l.deployment = m.deployment AND l.name = 'load'
                                         AND l.start_ts >= m.end_ts) AS idle_before_load
    FROM pool_memory_models m
), before AS (
    SELECT deployment, arg_min(name, (NOT idle_before_load, start_ts, end_ts, name)) AS name,
           arg_min(start_ts, (NOT idle_before_load, start_ts, end_ts, name)) AS start_ts,
           arg_min(end_ts, (NOT idle_before_load, start_ts, end_ts, name)) AS end_ts
    FROM named GROUP BY deployment
), load AS (
    SELECT b.deployment, arg_min(m.start_ts, (m.start_ts, m.end_ts)) AS start_ts,
           arg_min(m.end_ts, (m.start_ts, m.end_ts)) AS end_ts
    FROM before b
    JOIN pool_memory_models m ON m.deployment = b.deployment AND m.name = 'load' AND m.start_ts >= b.end_ts
    GROUP BY b.deployment
)
SELECT deployment, 'before_load' AS role, name, start_ts, end_ts FROM before
UNION ALL
SELECT deployment, 'load', 'load', start_ts, end_ts FROM load;
