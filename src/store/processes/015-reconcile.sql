-- One process seen by two sources is one process. /proc snapshots know the parent pid and the
-- start time to the clock tick (placed on the boot time their uptimes give); Prometheus sources
-- (step 010) know the pid and at best the start time in whole seconds on btime (process-exporter
-- truncates it, and btime itself is whole seconds). A label-derived process (no ppid) with the
-- pid of a tree process (ppid known) whose start lies within two seconds of its own — or,
-- when it has no start time, whose lifetime overlaps — is the same process: its series are
-- re-keyed to the tree process and its row merged into that one.
CREATE OR REPLACE TEMP TABLE same_process AS
SELECT arg_min(t.process_key, abs(coalesce(t.start_ts - l.start_ts, 0))) AS tree_key,
       l.process_key AS label_key,
       min(l.first_seen) AS first_seen,
       max(l.last_seen) AS last_seen
FROM processes l
JOIN processes t ON t.deployment = l.deployment AND t.pid = l.pid AND t.ppid IS NOT NULL
WHERE l.deployment = (SELECT deployment FROM temp.process_params)
  AND l.ppid IS NULL
  AND l.process_key <> t.process_key
  AND CASE WHEN l.start_ts IS NOT NULL AND t.start_ts IS NOT NULL
           THEN abs(t.start_ts - l.start_ts) < 2000
           ELSE t.first_seen <= l.last_seen AND l.first_seen <= t.last_seen END
GROUP BY l.process_key;

UPDATE series SET process_key = m.tree_key
FROM temp.same_process m
WHERE series.deployment = (SELECT deployment FROM temp.process_params)
  AND series.process_key = m.label_key;

UPDATE processes SET first_seen = least(processes.first_seen, m.first_seen),
                     last_seen = greatest(processes.last_seen, m.last_seen)
FROM (SELECT tree_key, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM temp.same_process GROUP BY tree_key) m
WHERE processes.deployment = (SELECT deployment FROM temp.process_params)
  AND processes.process_key = m.tree_key;

DELETE FROM processes
WHERE deployment = (SELECT deployment FROM temp.process_params)
  AND process_key IN (SELECT label_key FROM temp.same_process);

DROP TABLE temp.same_process;
