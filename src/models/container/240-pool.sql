-- Containers by the pool's phases, and the pool's figures against the container's quota and
-- limit, over the pool models (src/models/pool/*.sql, loaded before the container models:
-- src/models/registry.ts). A deployment without processes has no pool: no phase windows and no
-- container_pool row.
--
-- Windows: startup, from the deployment's start until the pool settled (pool_startup; spawn
-- workers re-import the application there and burn the quota), then the steady state as a
-- whole (after_startup) and each of its phases (pool_phases: detected idle/load, or --phase).
CREATE OR REPLACE TEMP VIEW container_phase_windows AS
SELECT deployment, 'startup' AS name, 'startup' AS kind, start_ts, settled_ts AS end_ts
FROM pool_startup
WHERE settled_ts IS NOT NULL AND settled_ts > start_ts
UNION ALL
SELECT s.deployment, 'after_startup', 'after_startup', s.start_ts, s.end_ts
FROM pool_steady s
WHERE s.end_ts > s.start_ts
UNION ALL
SELECT deployment, name, 'phase', start_ts, end_ts
FROM pool_phases
WHERE end_ts > start_ts;

-- Counter increases inside each window: an increase that straddles a window's edge counts in
-- proportion to the part of its interval inside (container_overlap).
CREATE OR REPLACE TEMP VIEW container_phase_stats AS
WITH sums AS (
    SELECT w.deployment, i.container, w.name, w.kind, w.start_ts, w.end_ts,
           exact_sum(CASE WHEN i.quantity = 'cpu_seconds' THEN i.increase * container_overlap(i.from_ts, i.to_ts, w.start_ts, w.end_ts) END) AS cpu_seconds,
           exact_sum(CASE WHEN i.quantity = 'cfs_periods' THEN i.increase * container_overlap(i.from_ts, i.to_ts, w.start_ts, w.end_ts) END) AS periods,
           exact_sum(CASE WHEN i.quantity = 'cfs_throttled_periods' THEN i.increase * container_overlap(i.from_ts, i.to_ts, w.start_ts, w.end_ts) END) AS throttled_periods,
           exact_sum(CASE WHEN i.quantity = 'cfs_throttled_seconds' THEN i.increase * container_overlap(i.from_ts, i.to_ts, w.start_ts, w.end_ts) END) AS throttled_seconds
    FROM container_phase_windows w
    JOIN container_increments i ON i.deployment = w.deployment AND i.to_ts > w.start_ts AND i.from_ts < w.end_ts
    GROUP BY ALL
)
SELECT deployment, container, name, kind, start_ts, end_ts, (end_ts - start_ts) / 1000 AS seconds,
       cpu_seconds, cpu_seconds / nullif((end_ts - start_ts) / 1000, 0) AS cores_mean,
       periods, throttled_periods, throttled_periods / nullif(periods, 0) AS throttled_fraction,
       throttled_seconds
FROM sums;

-- The pool's container: of a deployment's containers, the one that used the most CPU (the
-- application's, not a sidecar's). The pool's figures are set against its quota and limit.
CREATE OR REPLACE TEMP VIEW container_pool AS
WITH app AS (
    SELECT deployment, arg_max(container, (coalesce(cpu_seconds, 0), container)) AS container
    FROM container_summary GROUP BY ALL
), cpu AS (
    SELECT deployment, max(cores) AS pool_cores_peak FROM pool_cpu GROUP BY ALL
), mem AS (
    SELECT deployment, max(pss_bytes) AS pool_pss_peak_bytes FROM pool_memory GROUP BY ALL
)
SELECT a.deployment, a.container, c.pool_cores_peak, st.workers_alive,
       st.workers_alive / nullif(s.quota_cores, 0) AS workers_per_quota_core,
       m.pool_pss_peak_bytes,
       s.memory_limit_bytes - m.pool_pss_peak_bytes AS headroom_after_pool_pss_bytes
FROM app a
JOIN container_summary s USING (deployment, container)
LEFT JOIN cpu c USING (deployment)
LEFT JOIN mem m USING (deployment)
LEFT JOIN pool_steady_stats st USING (deployment)
WHERE a.deployment IN (SELECT deployment FROM pool_span);
