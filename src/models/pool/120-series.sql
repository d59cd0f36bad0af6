-- Which series give which per-process quantity, through the metric catalog (models never name
-- one exporter's metric). A series matches a catalog row by metric name and label filter (a
-- filter value '' means "label absent", as PromQL's {mode=""}). The catalog rows of the
-- file-based sources (procfs, psrecord) only match series imported in that format, and the
-- exporter rows only series that were not, so /proc's process_resident_memory_bytes is not
-- mistaken for prometheus_client's.
-- For each process and quantity, the source with the lowest catalog priority is `chosen`; the
-- other sources stay for the agreement check (pool_source_agreement).
CREATE OR REPLACE TEMP TABLE pool_quantity_series AS
SELECT s.series_id, s.deployment, s.metric,
       CASE WHEN c.scope = 'process' THEN pool_series_process_key(s.process_key, s.labels, s.metric) END AS process_key,
       s.kind,
       nullif(s.labels['mode'], '') AS cpu_mode,
       c.source, c.quantity, c.unit, c.scale, c.scope, c.priority
FROM series s
JOIN imports i USING (import_id)
JOIN metric_catalog c ON c.metric = s.metric
WHERE catalog_labels_match(c.label_filter, s.labels)
  AND (CASE WHEN i.format IN ('procfs', 'psrecord') THEN c.source = i.format
            ELSE c.source NOT IN ('procfs', 'psrecord') END);

CREATE OR REPLACE TEMP TABLE pool_process_series AS
WITH q AS (
    SELECT qs.*, m.process
    FROM pool_quantity_series qs
    JOIN pool_process_map m ON m.deployment = qs.deployment AND m.process_key = qs.process_key
    WHERE qs.scope = 'process'
), best AS (
    SELECT deployment, process, quantity, min(priority) AS priority FROM q GROUP BY ALL
)
SELECT q.*, p.role, p.pid, p.start_ts AS process_start_ts, q.priority = b.priority AS chosen
FROM q
JOIN best b USING (deployment, process, quantity)
JOIN pool_processes p USING (deployment, process);
