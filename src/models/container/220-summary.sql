-- Per container, over everything recorded: the CPU quota and memory limit (their last values,
-- and whether they changed), CPU used (mean, and the peak over one sample interval), CFS
-- periods and how many were throttled, throttled seconds, working set and usage peaks,
-- headroom (limit minus peak working set), OOM kills during the recording, pressure stalls.
CREATE OR REPLACE TEMP VIEW container_summary AS
WITH span AS (
    SELECT deployment, container, min(ts) AS start_ts, max(ts) AS end_ts
    FROM container_samples GROUP BY ALL
), counters AS (
    SELECT deployment, container,
           exact_sum(CASE WHEN quantity = 'cpu_seconds' THEN increase END) AS cpu_seconds,
           max(increase / ((to_ts - from_ts) / 1000)) FILTER (WHERE quantity = 'cpu_seconds') AS cores_peak,
           exact_sum(CASE WHEN quantity = 'cfs_periods' THEN increase END) AS periods,
           exact_sum(CASE WHEN quantity = 'cfs_throttled_periods' THEN increase END) AS throttled_periods,
           exact_sum(CASE WHEN quantity = 'cfs_throttled_seconds' THEN increase END) AS throttled_seconds,
           exact_sum(CASE WHEN quantity = 'oom_kills' THEN increase END) AS oom_kills,
           exact_sum(CASE WHEN quantity = 'cpu_pressure_waiting_seconds' THEN increase END) AS cpu_pressure_waiting_seconds,
           exact_sum(CASE WHEN quantity = 'memory_pressure_waiting_seconds' THEN increase END) AS memory_pressure_waiting_seconds
    FROM container_increments GROUP BY ALL
), quota AS (
    SELECT deployment, container, arg_max(cores, (ts, cores)) AS quota_cores, count(DISTINCT cores) > 1 AS quota_changed,
           any_value(origin) AS quota_origin
    FROM container_quota GROUP BY ALL
), gauges AS (
    SELECT deployment, container,
           arg_max(value, (ts, value)) FILTER (WHERE quantity = 'memory_limit_bytes') AS memory_limit_bytes,
           count(DISTINCT value) FILTER (WHERE quantity = 'memory_limit_bytes') > 1 AS memory_limit_changed,
           max(value) FILTER (WHERE quantity = 'working_set_bytes') AS working_set_peak_bytes,
           max(value) FILTER (WHERE quantity = 'memory_usage_bytes') AS memory_usage_peak_bytes
    FROM container_samples
    WHERE NOT container_is_counter(quantity)
    GROUP BY ALL
)
SELECT s.deployment, s.container, s.start_ts, s.end_ts, (s.end_ts - s.start_ts) / 1000 AS seconds,
       q.quota_cores, q.quota_origin, coalesce(q.quota_changed, false) AS quota_changed,
       c.cpu_seconds, c.cpu_seconds / nullif((s.end_ts - s.start_ts) / 1000, 0) AS cores_mean, c.cores_peak,
       c.periods, c.throttled_periods, c.throttled_periods / nullif(c.periods, 0) AS throttled_fraction,
       c.throttled_seconds,
       g.memory_limit_bytes, coalesce(g.memory_limit_changed, false) AS memory_limit_changed,
       g.working_set_peak_bytes, g.memory_usage_peak_bytes,
       g.memory_limit_bytes - g.working_set_peak_bytes AS headroom_bytes,
       c.oom_kills, c.cpu_pressure_waiting_seconds, c.memory_pressure_waiting_seconds
FROM span s
LEFT JOIN counters c USING (deployment, container)
LEFT JOIN quota q USING (deployment, container)
LEFT JOIN gauges g USING (deployment, container);
