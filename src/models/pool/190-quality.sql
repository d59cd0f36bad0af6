-- Several sources for one quantity of one process (e.g. /proc snapshots and process-exporter
-- both give PSS): the chosen source (lowest catalog priority) is used; every other source is
-- compared with it here. Each sample of the other source is paired with the chosen source's
-- latest sample of the same process (and CPU mode) at most one lookback earlier;
-- relative difference = |other − chosen| / max(|other|, |chosen|) (0 when both are 0).
CREATE OR REPLACE TEMP TABLE pool_source_agreement AS
WITH compared AS (
    -- only the processes and quantities that have another source
    SELECT DISTINCT deployment, process, quantity FROM pool_process_series WHERE NOT chosen
), chosen AS (
    -- one value per time (of two samples at one time, the larger), so the pairing is the same every run
    SELECT ps.deployment, ps.process, ps.quantity, coalesce(ps.cpu_mode, '') AS cpu_mode, ps.source,
           x.ts, max(x.value * ps.scale) AS value
    FROM pool_process_series ps
    SEMI JOIN compared c USING (deployment, process, quantity)
    JOIN samples x USING (series_id)
    WHERE ps.chosen AND x.value IS NOT NULL AND isfinite(x.value)
    GROUP BY ALL
), other AS (
    SELECT ps.deployment, ps.process, ps.quantity, coalesce(ps.cpu_mode, '') AS cpu_mode, ps.source,
           x.ts, x.value * ps.scale AS value
    FROM pool_process_series ps JOIN samples x USING (series_id)
    WHERE NOT ps.chosen AND x.value IS NOT NULL AND isfinite(x.value)
), paired AS (
    SELECT o.deployment, o.quantity, o.source, c.source AS chosen_source,
           CASE WHEN greatest(abs(o.value), abs(c.value)) = 0 THEN 0
                ELSE abs(o.value - c.value) / greatest(abs(o.value), abs(c.value)) END AS rel_diff
    FROM other o
    ASOF JOIN chosen c
      ON c.deployment = o.deployment AND c.process = o.process AND c.quantity = o.quantity
     AND c.cpu_mode = o.cpu_mode AND o.ts >= c.ts
    JOIN pool_grid g ON g.deployment = o.deployment
    WHERE o.ts - c.ts <= g.lookback_ms
)
SELECT deployment, quantity, chosen_source, source,
       count(*) AS pairs,
       median(rel_diff) AS rel_diff_median,
       quantile_cont(rel_diff, 0.95) AS rel_diff_p95
FROM paired
GROUP BY ALL;

-- Data-quality findings, one row per finding: `check` names it, the numbers say how bad.
-- src/models/pool-rows.ts words them (src/base/messages.ts) as report warnings.
CREATE OR REPLACE TEMP TABLE pool_quality AS
WITH gaps AS (
    -- a scrape gap: consecutive samples of one series more than 3 scrape intervals apart,
    -- while the process was alive
    -- (from the intervals' histogram, pool_interval_counts)
    SELECT ps.deployment, sum(c.n_alive)::BIGINT AS gaps, max(c.interval_ms) AS longest_ms
    FROM pool_interval_counts c
    JOIN pool_process_series ps USING (series_id)
    JOIN pool_scrape_interval i USING (deployment, quantity)
    WHERE c.interval_ms > 3 * i.interval_ms AND c.n_alive > 0
    GROUP BY ALL
), memory_sources AS (
    SELECT deployment,
           bool_or(quantity = 'rss_bytes') AS has_rss,
           bool_or(quantity = 'pss_bytes') AS has_pss,
           bool_or(quantity = 'uss_bytes') AS has_uss,
           string_agg(DISTINCT source, ', ' ORDER BY source) FILTER (WHERE quantity = 'rss_bytes') AS rss_sources
    FROM pool_quantity_series
    GROUP BY ALL
)
SELECT deployment, 'scrape_gaps' AS "check", gaps AS count, longest_ms / 1000 AS seconds, NULL::DOUBLE AS ratio, NULL::VARCHAR AS detail
FROM gaps
UNION ALL
SELECT p.deployment, 'short_phase', 1, p.seconds, NULL, p.name
FROM pool_phase_stats p JOIN pool_grid g USING (deployment)
WHERE p.seconds * 1000 < 4 * coalesce(g.scrape_interval_ms, 1000)
UNION ALL
SELECT deployment, 'missing_pss', NULL, NULL, NULL, rss_sources
FROM memory_sources WHERE has_rss AND NOT has_pss
UNION ALL
SELECT deployment, 'missing_uss', NULL, NULL, NULL, rss_sources
FROM memory_sources WHERE has_rss AND NOT has_uss
UNION ALL
-- workers that exited and were replaced (new pids, new series), and those never replaced
-- (their pids; seconds: the longest the pool ran short, pool_worker_lifecycle)
SELECT deployment, 'pid_churn', restarts, NULL, NULL, NULL
FROM pool_restarts WHERE restarts > 0
UNION ALL
SELECT deployment, 'workers_lost', count(*), max(short_seconds), NULL, string_agg(pid::VARCHAR, ', ' ORDER BY exit_ts, pid)
FROM pool_worker_lifecycle WHERE replacement IS NULL
GROUP BY deployment
UNION ALL
SELECT deployment, 'counter_resets', counter_resets, NULL, NULL, NULL
FROM pool_restarts WHERE counter_resets > 0
UNION ALL
SELECT q.deployment, 'unknown_kind', count(*), NULL, NULL, string_agg(DISTINCT q.metric, ', ' ORDER BY q.metric)
FROM pool_quantity_series q
WHERE q.kind = 'unknown' AND q.quantity = 'cpu_seconds'
GROUP BY q.deployment
UNION ALL
SELECT deployment, 'source_disagreement', pairs, NULL, rel_diff_median, quantity || ': ' || source || ' vs ' || chosen_source
FROM pool_source_agreement WHERE rel_diff_median > 0.05
UNION ALL
SELECT deployment, 'no_startup', NULL, NULL, NULL, NULL
FROM pool_startup WHERE settled_ts IS NULL
UNION ALL
-- saturated phases (pool_phase_work): the host's idle CPU, or the container's quota, ran out
SELECT deployment, 'host_saturated', max(host_cores), max(host_idle_cores), count(*),
       string_agg('"' || name || '"', ', ' ORDER BY start_ts)
FROM pool_phase_work
WHERE host_idle_cores < pool_saturated_idle_share() * host_cores
GROUP BY deployment
UNION ALL
SELECT deployment, 'container_throttled', count(*), NULL, min(throttled_ratio),
       string_agg('"' || name || '"', ', ' ORDER BY start_ts)
FROM pool_phase_work
WHERE throttled_ratio >= pool_saturated_throttled_ratio()
GROUP BY deployment
UNION ALL
-- a load tool's summary without a clock time, counted in the load phases
SELECT s.deployment, 'requests_attributed', round(max(st.last_value))::BIGINT, NULL, NULL,
       s.path || '|' || coalesce((SELECT string_agg(strftime(make_timestamp(p.start_ts * 1000), '%H:%M:%S') || '–'
                                                   || strftime(make_timestamp(p.end_ts * 1000), '%H:%M:%S'), ', ' ORDER BY p.start_ts)
                                  FROM pool_phases p WHERE p.deployment = s.deployment AND p.name = 'load'), 'none')
FROM pool_service_series s
JOIN series_stats st USING (series_id)
WHERE s.unplaced AND s.quantity = 'requests'
GROUP BY s.deployment, s.path;
