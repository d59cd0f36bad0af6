-- Containers (cgroups) next to the worker pool: which series give which container quantity,
-- through the metric catalog's scope 'container' rows (cgroup files of /proc snapshots,
-- cAdvisor, kube-state-metrics). Matching follows the pool models: a series matches a catalog
-- row by metric and label filter ('' = label absent); the procfs rows only match series imported
-- from /proc snapshots, and the exporter rows only series that were not.
--
-- One container is named by namespace/pod/container when the source gives them (cAdvisor and
-- kube-state-metrics agree on those labels), else by its cgroup path (label id), else ''.
-- cAdvisor also exports the pod's own cgroup (container="") and the pause container
-- (container="POD"), and per-CPU usage (cpu="cpu00", ...) next to cpu="total": counting those
-- would count the same CPU twice, so they are left out. So is the root cgroup `/` (cAdvisor's
-- id="/", a server recorded on a plain host): the whole machine, or the whole cgroup namespace,
-- the load generator and everything else included, not the deployment's own container.
CREATE OR REPLACE TEMP VIEW container_quantity_series AS
SELECT *
FROM (
    SELECT s.series_id, s.deployment, s.metric, c.source, c.quantity, c.unit, c.scale, c.priority,
           coalesce(nullif(concat_ws('/', s.labels['namespace'], s.labels['pod'], s.labels['container']), ''),
                    s.labels['id'], '') AS container
    FROM series s
    JOIN imports i USING (import_id)
    JOIN metric_catalog c ON c.metric = s.metric
    WHERE c.scope = 'container'
      AND catalog_labels_match(c.label_filter, s.labels)
      AND (CASE WHEN i.format IN ('procfs', 'psrecord') THEN c.source = i.format
                ELSE c.source NOT IN ('procfs', 'psrecord') END)
      AND NOT (s.labels['pod'] IS NOT NULL AND coalesce(s.labels['container'], '') IN ('', 'POD'))
      AND coalesce(s.labels['cpu'], 'total') = 'total'
)
WHERE container <> '/';

-- For each container and quantity, the source with the lowest catalog priority is used.
CREATE OR REPLACE TEMP VIEW container_series AS
SELECT q.*
FROM container_quantity_series q
JOIN (SELECT deployment, container, quantity, min(priority) AS priority
      FROM container_quantity_series GROUP BY ALL) b
  USING (deployment, container, quantity, priority);

-- Counter quantities (cumulative; read as increases) — the rest are gauges.
CREATE OR REPLACE TEMP MACRO container_is_counter(quantity) AS quantity IN (
    'cpu_seconds', 'cfs_periods', 'cfs_throttled_periods', 'cfs_throttled_seconds', 'oom_kills',
    'cpu_pressure_waiting_seconds', 'cpu_pressure_stalled_seconds',
    'memory_pressure_waiting_seconds', 'memory_pressure_stalled_seconds');

-- The chosen series' samples in the quantity's unit. NULL (staleness markers), NaN and ±Inf
-- are not measurements and are left out.
CREATE OR REPLACE TEMP VIEW container_samples AS
SELECT q.deployment, q.container, q.quantity, q.series_id, x.ts, x.value * q.scale AS value
FROM container_series q
JOIN samples x USING (series_id)
WHERE x.value IS NOT NULL AND isfinite(x.value);
