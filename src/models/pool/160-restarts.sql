-- The stop: a graceful stop ends the workers one after another, each within three scrape
-- intervals (at least 3 s) of the next, the last one within that of the deployment's end. Going
-- back from the end along such a chain of workers' last live samples, the stop begins at the
-- chain's first (stop_ts; the deployment's end without workers). Workers of the stop are not exits.
CREATE OR REPLACE TEMP TABLE pool_stop AS
WITH ends AS (
    SELECT l.deployment, l.alive_to, g.end_ts, greatest(3000, 3 * coalesce(g.scrape_interval_ms, 1000)) AS gap_ms,
           lead(l.alive_to) OVER (PARTITION BY l.deployment ORDER BY l.alive_to, l.process) AS next_to
    FROM pool_lifetimes l
    JOIN pool_grid g USING (deployment)
    WHERE l.role = 'worker'
), breaks AS (
    -- the latest last-sample after which the chain to the end is broken
    SELECT deployment, max(alive_to) FILTER (WHERE coalesce(next_to, end_ts) - alive_to > gap_ms) AS broken_at
    FROM ends GROUP BY deployment
)
SELECT d.deployment,
       coalesce(min(e.alive_to) FILTER (WHERE e.alive_to > coalesce(b.broken_at, -9223372036854775807)), d.end_ts) AS stop_ts
FROM pool_span d
LEFT JOIN ends e USING (deployment)
LEFT JOIN breaks b USING (deployment)
GROUP BY d.deployment, d.end_ts;

-- Worker exits, replacements and losses. A worker exited early when its last live sample came
-- before the stop (pool_stop). A replacement is a worker first seen alive after an early exit.
-- restarts = exits that got a replacement; workers_lost = the rest.
CREATE OR REPLACE TEMP TABLE pool_worker_exits AS
SELECT l.deployment, l.process, l.pid, l.alive_from, l.alive_to
FROM pool_lifetimes l
JOIN pool_stop s USING (deployment)
WHERE l.role = 'worker' AND l.alive_to < s.stop_ts;

CREATE OR REPLACE TEMP TABLE pool_worker_replacements AS
SELECT l.deployment, l.process, l.pid, l.alive_from, l.alive_to
FROM pool_lifetimes l
WHERE l.role = 'worker'
  AND l.alive_from > (SELECT min(e.alive_to) FROM pool_worker_exits e WHERE e.deployment = l.deployment);

-- The pool size: the largest number of workers alive at once (checked at every worker's first live sample).
CREATE OR REPLACE TEMP TABLE pool_restarts AS
WITH peak AS (
    SELECT a.deployment, max((SELECT count(*) FROM pool_lifetimes b
                               WHERE b.deployment = a.deployment AND b.role = 'worker'
                                 AND b.alive_from <= a.alive_from AND b.alive_to >= a.alive_from)) AS workers
    FROM pool_lifetimes a
    WHERE a.role = 'worker'
    GROUP BY a.deployment
), exits AS (
    SELECT deployment, count(*) AS exits FROM pool_worker_exits GROUP BY ALL
), repl AS (
    SELECT deployment, count(*) AS replacements FROM pool_worker_replacements GROUP BY ALL
), resets AS (
    -- a counter that went down while its process lived on: samples of different processes
    -- under one series (e.g. a load balancer in front of /metrics), not a restart
    SELECT s.deployment, sum(p.resets)::BIGINT AS counter_resets
    FROM pool_cpu_parts p
    JOIN pool_cpu_series s USING (series_id)
    GROUP BY ALL
)
SELECT s.deployment,
       coalesce(p.workers, 0) AS workers,
       least(coalesce(e.exits, 0), coalesce(r.replacements, 0)) AS restarts,
       coalesce(e.exits, 0) - least(coalesce(e.exits, 0), coalesce(r.replacements, 0)) AS workers_lost,
       coalesce(e.exits, 0) AS worker_exits,
       coalesce(r.replacements, 0) AS replacements,
       coalesce(x.counter_resets, 0) AS counter_resets,
       (SELECT count(*) FROM pool_lifetimes l WHERE l.deployment = s.deployment) AS processes
FROM pool_span s
LEFT JOIN peak p USING (deployment)
LEFT JOIN exits e USING (deployment)
LEFT JOIN repl r USING (deployment)
LEFT JOIN resets x USING (deployment);

-- Per process: when it was alive and the CPU it used, in total and by mode — per worker, and
-- exited workers with the CPU of the time they ran; and the CPU its reaped children used after
-- their last sample (pool_reaped_increases), apart.
CREATE OR REPLACE TEMP TABLE pool_process_totals AS
WITH per_series AS (
    SELECT series_id, exact_sum(cpu_seconds) AS cpu_seconds FROM pool_cpu_parts GROUP BY series_id
), cpu AS (
    SELECT s.deployment, s.process,
           exact_sum(CASE WHEN NOT s.reaped THEN c.cpu_seconds END) AS cpu_seconds,
           exact_sum(CASE WHEN NOT s.reaped AND s.cpu_mode = 'user' THEN c.cpu_seconds END) AS user_cpu_seconds,
           exact_sum(CASE WHEN NOT s.reaped AND s.cpu_mode = 'system' THEN c.cpu_seconds END) AS system_cpu_seconds,
           exact_sum(CASE WHEN s.reaped THEN c.cpu_seconds END) AS reaped_children_cpu_seconds
    FROM per_series c
    JOIN pool_cpu_series s USING (series_id)
    GROUP BY ALL
)
SELECT l.deployment, l.process, l.pid, l.role, l.pool, l.start_ts, l.alive_from, l.alive_to,
       c.cpu_seconds, c.user_cpu_seconds, c.system_cpu_seconds, c.reaped_children_cpu_seconds,
       (l.process IN (SELECT process FROM pool_worker_exits e WHERE e.deployment = l.deployment)) AS exited_early
FROM pool_lifetimes l
LEFT JOIN cpu c USING (deployment, process);
