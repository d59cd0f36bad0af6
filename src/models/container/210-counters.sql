-- Increases of the container counters between consecutive samples of one series, reset-aware as
-- Prometheus' increase(): a value below the previous one is a restarted counter, which counted
-- from 0 (so the increase is the new value). A container's series are summed afterwards, never
-- before (a restarted container is a new series when its labels change).
CREATE OR REPLACE TEMP VIEW container_increments AS
WITH x AS (
    SELECT deployment, container, quantity, series_id, ts, value,
           lag(ts) OVER w AS prev_ts, lag(value) OVER w AS prev_value
    FROM container_samples
    WHERE container_is_counter(quantity)
    WINDOW w AS (PARTITION BY series_id ORDER BY ts, value)
)
SELECT deployment, container, quantity, series_id, prev_ts AS from_ts, ts AS to_ts,
       CASE WHEN value < prev_value THEN value ELSE value - prev_value END AS increase
FROM x
WHERE prev_ts IS NOT NULL;

-- The part of [from_ts, to_ts) inside [a, b), as a fraction (increases are spread evenly over
-- their interval when split at phase edges, as Prometheus' rate() assumes between samples).
CREATE OR REPLACE TEMP MACRO container_overlap(from_ts, to_ts, a, b) AS
    greatest(0, least(to_ts, b) - greatest(from_ts, a)) / nullif(to_ts - from_ts, 0);

-- Sums of each counter over a time range [a, b) per container.
CREATE OR REPLACE TEMP MACRO container_increase_between(d, c, q, a, b) AS (
    SELECT exact_sum(increase * container_overlap(from_ts, to_ts, a, b))
    FROM container_increments
    WHERE deployment = d AND container = c AND quantity = q AND to_ts > a AND from_ts < b
);

-- The CPU quota in cores at each sample: the quota over the period (cgroup cpu.max, cAdvisor's
-- container_spec_cpu_quota/period), else the pod spec's CPU limit (kube-state-metrics).
CREATE OR REPLACE TEMP VIEW container_quota AS
WITH cfs AS (
    SELECT q.deployment, q.container, q.ts, q.value / p.value AS cores, 'cfs' AS origin
    FROM container_samples q
    JOIN container_samples p ON p.deployment = q.deployment AND p.container = q.container
     AND p.ts = q.ts AND p.quantity = 'cpu_period_seconds'
    WHERE q.quantity = 'cpu_quota_seconds' AND p.value > 0
), lim AS (
    SELECT deployment, container, ts, value AS cores, 'limit' AS origin
    FROM container_samples
    WHERE quantity = 'cpu_limit_cores' AND value > 0
)
SELECT * FROM cfs
UNION ALL
SELECT * FROM lim
WHERE NOT EXISTS (SELECT 1 FROM cfs WHERE cfs.deployment = lim.deployment AND cfs.container = lim.container);
