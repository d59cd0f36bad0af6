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
-- before the stop (pool_stop). A replacement is a worker first seen alive after an early exit;
-- which exit it replaced: pool_worker_pairs. restarts = exits that got a replacement;
-- workers_lost = the rest (the pool ran short from then to the end).
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

-- Which worker replaced which exit. Each early exit (at its last live sample) and each worker
-- start after the deployment's first exit (its start time, else its first live sample) is an
-- event, in time order (a start at the very time an exiting worker was last seen alive comes
-- first: that worker was still alive, so it cannot have been replaced yet). A start replaces the
-- latest exit before it that is not yet replaced (a server refills a slot soon after it empties;
-- an exit that no start follows was never replaced): the matching of brackets, an exit opening
-- and a start closing. Without recursion: with S the running sum of +1 per exit and -1 per start,
-- depth = S - min(0, the lowest S so far) is the number of exits not yet replaced after each
-- event (a start when there are none replaces nothing and leaves 0); the exit that leaves depth
-- k is replaced by the first later start that leaves depth k - 1.
CREATE OR REPLACE TEMP TABLE pool_worker_pairs AS
WITH first_exit AS (
    SELECT deployment, min(alive_to) AS ts FROM pool_worker_exits GROUP BY ALL
), events AS (
    SELECT deployment, process, alive_to AS ts, 1 AS step FROM pool_worker_exits
    UNION ALL
    SELECT l.deployment, l.process, coalesce(l.start_ts, l.alive_from), -1
    FROM pool_lifetimes l
    JOIN first_exit f USING (deployment)
    WHERE l.role = 'worker' AND coalesce(l.start_ts, l.alive_from) > f.ts
), running AS (
    SELECT *, sum(step) OVER w AS s,
           row_number() OVER w AS n
    FROM events
    WINDOW w AS (PARTITION BY deployment ORDER BY ts, step, process ROWS UNBOUNDED PRECEDING)
), depth AS (
    SELECT deployment, process, step, n,
           s - least(0, min(s) OVER (PARTITION BY deployment ORDER BY n ROWS UNBOUNDED PRECEDING)) AS depth
    FROM running
), matched AS (
    SELECT e.deployment, e.process, min(r.n) AS replaced_at_n
    FROM depth e
    JOIN depth r ON r.deployment = e.deployment AND r.step = -1 AND r.n > e.n AND r.depth = e.depth - 1
    WHERE e.step = 1
    GROUP BY ALL
)
SELECT x.deployment, x.process, x.pid, x.alive_to AS exit_ts,
       r.process AS replacement, l.pid AS replacement_pid,
       coalesce(l.start_ts, l.alive_from) AS replacement_start_ts
FROM pool_worker_exits x
LEFT JOIN matched m USING (deployment, process)
LEFT JOIN depth r ON r.deployment = m.deployment AND r.n = m.replaced_at_n
LEFT JOIN pool_lifetimes l ON l.deployment = r.deployment AND l.process = r.process;

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
    SELECT deployment, count(*) AS exits, count(replacement) AS replaced FROM pool_worker_pairs GROUP BY ALL
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
       coalesce(e.replaced, 0) AS restarts,
       coalesce(e.exits, 0) - coalesce(e.replaced, 0) AS workers_lost,
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
