-- Schema version 3: worker restarts, derived from the processes table (roles and pools are
-- assigned after every import by src/store/processes/*.sql).
-- A restart: a worker that was last seen before its pool ended, and the first worker of the
-- same pool first seen after that (its replacement). First seen, not start time: start times
-- derived from /proc's btime (whole seconds) can be up to a second early. A worker that ended without a
-- replacement (or only at shutdown) is not a restart.
CREATE OR REPLACE VIEW process_restarts AS
WITH workers AS (
    SELECT deployment, pool, process_key, pid, first_seen, last_seen, coalesce(start_ts, first_seen) AS began
    FROM processes
    WHERE role = 'worker'
),
pool_end AS (
    SELECT deployment, pool, max(last_seen) AS ended FROM processes GROUP BY deployment, pool
)
SELECT w.deployment,
       w.pool,
       w.process_key AS ended_process_key,
       w.pid         AS ended_pid,
       w.last_seen   AS ended_last_seen,
       r.process_key AS replacement_process_key,
       r.pid         AS replacement_pid,
       r.began       AS replacement_started
FROM workers w
JOIN pool_end e ON e.deployment = w.deployment AND e.pool IS NOT DISTINCT FROM w.pool
JOIN LATERAL (
    SELECT x.process_key, x.pid, x.began
    FROM workers x
    WHERE x.deployment = w.deployment AND x.pool IS NOT DISTINCT FROM w.pool AND x.first_seen > w.last_seen
    ORDER BY x.first_seen, x.pid
    LIMIT 1
) r ON true
WHERE w.last_seen < e.ended;
