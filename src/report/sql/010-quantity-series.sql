-- Which series give which quantity in each deployment: every series joined to the metric catalog
-- by metric name and label filter (a filter value '' means "label absent", as PromQL's {mode=""}).
-- When several sources give one quantity in a deployment, the lowest catalog priority wins.
-- `process` names the process a series belongs to: comm:pid from the processes table, else the
-- exporter's per-process label (process-exporter's groupname, /proc's pid).
CREATE OR REPLACE TEMP TABLE report_quantity_series AS
WITH matched AS (
    SELECT s.series_id, s.deployment, s.metric, s.labels, s.process_key,
           c.source, c.quantity, c.unit, c.scale, c.scope, c.priority
    FROM series s
    JOIN metric_catalog c ON c.metric = s.metric
    WHERE catalog_labels_match(c.label_filter, s.labels)
), best AS (
    SELECT deployment, quantity, min(priority) AS priority FROM matched GROUP BY ALL
), named AS (
    -- A process is shown as comm:pid (as process-exporter names groups); a pid reused within
    -- the deployment also gets its start time, so two processes never share a name.
    SELECT deployment, process_key,
           CASE WHEN count(*) OVER (PARTITION BY deployment, comm, pid) > 1
                THEN coalesce(comm, '?') || ':' || pid::VARCHAR || '@' || coalesce(start_ts, first_seen)::VARCHAR
                ELSE coalesce(comm, '?') || ':' || pid::VARCHAR END AS name
    FROM processes
)
SELECT m.series_id, m.deployment, m.metric, m.source, m.quantity, m.unit, m.scale, m.scope,
       CASE WHEN m.scope = 'process'
            THEN coalesce(n.name, m.process_key, m.labels['groupname'], m.labels['pid'], m.metric)
            ELSE m.scope END AS process
FROM matched m
JOIN best b USING (deployment, quantity, priority)
LEFT JOIN named n ON n.deployment = m.deployment AND n.process_key = m.process_key;
