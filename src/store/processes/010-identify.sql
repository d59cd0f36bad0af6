-- Process identity for series whose labels name one process (Prometheus sources), for the
-- series of one import (temp.process_params: deployment, import_id, pid_label, pool).
--   * a pid label (`pid`, or the label given with --pid-label), or
--   * process-exporter's groupname "comm:pid" (one group per process, as `{{.Comm}}:{{.PID}}`).
-- Start time (so the key is pid@start as for /proc snapshots): process-exporter's
-- namedprocess_namegroup_oldest_start_time_seconds, or prometheus_client's process_start_time_seconds.
-- Alive: where namedprocess_namegroup_num_procs > 0 when the process has that series (the exporter
-- keeps a gone group's series, frozen), else wherever the process has samples.
-- Pool: --pool, else the pod, instance or job label.
CREATE OR REPLACE TEMP TABLE labelled AS
SELECT s.series_id,
       s.metric,
       coalesce(
           try_cast(s.labels[(SELECT pid_label FROM temp.process_params)] AS INTEGER),
           try_cast(regexp_extract(s.labels['groupname'], ':(\d+)$', 1) AS INTEGER)
       ) AS pid,
       CASE WHEN regexp_matches(s.labels['groupname'], '^.+:\d+$')
            THEN regexp_extract(s.labels['groupname'], '^(.*):\d+$', 1) END AS comm,
       coalesce((SELECT pool FROM temp.process_params), s.labels['pod'], s.labels['instance'], s.labels['job']) AS pool
FROM series s
WHERE s.deployment = (SELECT deployment FROM temp.process_params)
  AND s.import_id = (SELECT import_id FROM temp.process_params)
  AND s.process_key IS NULL;

DELETE FROM temp.labelled WHERE pid IS NULL OR pid <= 0;

CREATE OR REPLACE TEMP TABLE found AS
WITH has_procs AS (
    SELECT DISTINCT pool, pid FROM temp.labelled WHERE metric = 'namedprocess_namegroup_num_procs'
),
-- First and last sample per series (and where the value is above 0, for num_procs), from the
-- statistics the loader kept (series_stats), so the samples are not read again.
per_series AS (
    SELECT series_id, first_ts, last_ts, first_positive_ts AS first_running, last_positive_ts AS last_running
    FROM series_stats
    WHERE series_id IN (SELECT series_id FROM temp.labelled) AND samples > 0
),
alive AS (
    SELECT l.pool, l.pid,
           CASE WHEN h.pid IS NULL THEN s.first_ts WHEN l.metric = 'namedprocess_namegroup_num_procs' THEN s.first_running END AS first_ts,
           CASE WHEN h.pid IS NULL THEN s.last_ts WHEN l.metric = 'namedprocess_namegroup_num_procs' THEN s.last_running END AS last_ts
    FROM temp.labelled l
    JOIN per_series s USING (series_id)
    LEFT JOIN has_procs h ON h.pool IS NOT DISTINCT FROM l.pool AND h.pid = l.pid
),
started AS (
    SELECT l.pool, l.pid, min(round(st.min_positive_finite * 1000))::BIGINT AS start_ts
    FROM temp.labelled l JOIN series_stats st USING (series_id)
    WHERE l.metric IN ('namedprocess_namegroup_oldest_start_time_seconds', 'process_start_time_seconds')
      AND st.min_positive_finite IS NOT NULL
    GROUP BY ALL
),
names AS (
    SELECT pool, pid, min(comm) AS comm FROM temp.labelled GROUP BY ALL
),
seen AS (
    SELECT pool, pid, min(first_ts) AS first_seen, max(last_ts) AS last_seen
    FROM alive WHERE first_ts IS NOT NULL GROUP BY ALL
)
SELECT n.pool, n.pid, n.comm, st.start_ts,
       CASE WHEN st.start_ts IS NULL THEN n.pid::VARCHAR ELSE n.pid::VARCHAR || '@' || st.start_ts::VARCHAR END AS process_key,
       s.first_seen, s.last_seen
FROM names n
LEFT JOIN started st USING (pool, pid)
LEFT JOIN seen s USING (pool, pid);

UPDATE series SET process_key = f.process_key
FROM temp.labelled l JOIN temp.found f USING (pool, pid)
WHERE series.series_id = l.series_id;

-- A process already known (e.g. from /proc snapshots of the same deployment) keeps its row.
UPDATE processes SET first_seen = least(processes.first_seen, f.first_seen),
                     last_seen = greatest(processes.last_seen, f.last_seen),
                     comm = coalesce(processes.comm, f.comm),
                     pool = coalesce(processes.pool, f.pool)
FROM temp.found f
WHERE processes.deployment = (SELECT deployment FROM temp.process_params)
  AND processes.process_key = f.process_key AND f.first_seen IS NOT NULL;

INSERT INTO processes (deployment, process_key, pid, ppid, comm, cmdline, start_ts, first_seen, last_seen, role, pool)
SELECT (SELECT deployment FROM temp.process_params), f.process_key, f.pid, NULL, f.comm, NULL, f.start_ts,
       f.first_seen, f.last_seen, 'other', f.pool
FROM temp.found f
WHERE f.first_seen IS NOT NULL
  AND f.process_key NOT IN (SELECT process_key FROM processes WHERE deployment = (SELECT deployment FROM temp.process_params));

DROP TABLE temp.labelled;
DROP TABLE temp.found;
