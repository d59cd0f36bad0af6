-- A per-process series without a process identity (no pid in its labels: say a
-- process-exporter group named without {{.PID}}) stands for one process of its own, keyed by the
-- label that names it, with no parent, start or role of its own (role 'other').
CREATE OR REPLACE TEMP MACRO pool_series_process_key(process_key, labels, metric) AS
    coalesce(process_key, 'series:' || coalesce(labels['groupname'], labels['pid'], labels['instance'], metric));

CREATE OR REPLACE TEMP TABLE pool_labelled_processes AS
SELECT s.deployment, pool_series_process_key(NULL, s.labels, s.metric) AS process_key,
       min(st.first_ts) AS first_seen, max(st.last_ts) AS last_seen
FROM series s
JOIN metric_catalog c ON c.metric = s.metric AND catalog_labels_match(c.label_filter, s.labels)
JOIN series_stats st USING (series_id)
WHERE c.scope = 'process' AND s.process_key IS NULL AND st.first_ts IS NOT NULL
GROUP BY ALL;

-- The processes of each deployment, one row per real process even when several sources saw it.
-- /proc snapshots and Prometheus exporters each give a process_key (pid@start); their start
-- times can differ by up to a second (btime has whole seconds), so rows of one deployment with
-- the same pid and start times within pool_same_process_ms() are one process. The row with a
-- known parent pid (the process tree decided its role) names it.
CREATE OR REPLACE TEMP TABLE pool_process_map AS
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
FROM p a
UNION ALL
SELECT deployment, process_key, process_key FROM pool_labelled_processes;

CREATE OR REPLACE TEMP TABLE pool_processes AS
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
JOIN processes p ON p.deployment = s.deployment AND p.process_key = s.process
UNION ALL
SELECT deployment, process_key, NULL, NULL, substr(process_key, 8), NULL, 'other', NULL, NULL, first_seen, last_seen
FROM pool_labelled_processes;
