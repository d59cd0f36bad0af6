-- The processes of each deployment, one row per real process even when several sources saw it.
-- /proc snapshots and Prometheus exporters each give a process_key (pid@start); their start
-- times can differ by up to a second (btime has whole seconds), so rows of one deployment with
-- the same pid and start times within pool_same_process_ms() are one process. The row with a
-- known parent pid (the process tree decided its role) names it.
CREATE OR REPLACE TEMP VIEW pool_process_map AS
WITH p AS (
    SELECT deployment, process_key, pid, ppid, role, pool, start_ts, first_seen, last_seen,
           coalesce(start_ts, first_seen) AS began
    FROM processes
)
SELECT a.deployment, a.process_key,
       (SELECT b.process_key FROM p b
         WHERE b.deployment = a.deployment AND b.pid = a.pid
           AND abs(b.began - a.began) <= pool_same_process_ms()
         ORDER BY (b.ppid IS NULL), b.began, b.process_key
         LIMIT 1) AS process
FROM p a;

CREATE OR REPLACE TEMP VIEW pool_processes AS
WITH spans AS (
    SELECT y.deployment, y.process,
           min(coalesce(x.start_ts, x.first_seen)) AS start_ts,
           min(x.first_seen) AS first_seen,
           max(x.last_seen) AS last_seen
    FROM processes x JOIN pool_process_map y USING (deployment, process_key)
    GROUP BY ALL
)
SELECT s.deployment, s.process, p.pid, p.ppid, p.comm, p.cmdline, p.role, p.pool,
       coalesce(p.start_ts, s.start_ts) AS start_ts, s.first_seen, s.last_seen
FROM spans s
JOIN processes p ON p.deployment = s.deployment AND p.process_key = s.process;
