-- The work done: requests served per phase, from the application's request counters or the
-- load tool's summary (both through the metric catalog's 'service' rows, src/store/catalog.sql),
-- the host's idle CPU and the container's throttling per phase (saturation), and the per-bucket
-- CPU and requests each phase's interval is drawn from (src/models/interval.ts).

-- Saturation thresholds (docs/design.md, "Saturation"): a phase is saturated when the host left
-- less than this share of its cores idle on average, or the container was throttled in at least
-- this share of its CFS periods.
CREATE OR REPLACE TEMP MACRO pool_saturated_idle_share() AS 0.05;
CREATE OR REPLACE TEMP MACRO pool_saturated_throttled_ratio() AS 0.25;

-- The service series of each deployment, the source with the lowest catalog priority chosen per
-- quantity: an app that exports both http_requests_total and a duration histogram counts each
-- request once, and the load tool's count is used only without the app's own.
-- A load tool's summary placed by its own clock or by --start counts at its times; one placed by
-- its file's modification time (wrk, hey, ab, k6, locust print no clock time; autocannon does)
-- counts in the deployment's load phases (pool_request_spread).
CREATE OR REPLACE TEMP TABLE pool_service_series AS
WITH q AS (
    SELECT q.series_id, q.deployment, q.metric, q.quantity, q.source, q.scale, q.priority, s.labels,
           q.source = 'load-tool' AND i.start_ts IS NULL AND i.format <> 'autocannon' AS unplaced,
           i.path
    FROM pool_quantity_series q
    JOIN series s USING (series_id)
    JOIN imports i ON i.import_id = s.import_id
    WHERE q.scope = 'service'
), best AS (
    SELECT deployment, quantity, min(priority) AS priority FROM q GROUP BY ALL
)
SELECT q.* FROM q JOIN best b USING (deployment, quantity, priority);

-- Each increase of a chosen request counter (or histogram bucket counter), as Prometheus'
-- increase() takes them: the difference from the previous sample, or the whole value after a
-- reset (a value lower than the previous: the counter restarted from 0). A series' first sample
-- counts whole, at its own time, when the deployment started within the data (as for CPU,
-- pool_cpu_series.from_start): the app creates a counter at 0 and exports it from its first
-- request on, so a series first seen later was 0 before; one that was there before the data
-- began counts from its second sample.
CREATE OR REPLACE TEMP TABLE pool_service_increases AS
WITH steps AS (
    SELECT x.series_id, x.ts, x.value,
           lag(x.ts) OVER w AS prev_ts, lag(x.value) OVER w AS prev_value
    FROM samples x
    WHERE x.series_id IN (SELECT series_id FROM pool_service_series) AND x.value IS NOT NULL AND isfinite(x.value)
    WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts)
), began AS (
    SELECT d.deployment, d.start_ts >= min(p.first_seen) - pool_first_sample_window_ms() AS from_start
    FROM pool_span d JOIN pool_processes p USING (deployment)
    GROUP BY d.deployment, d.start_ts
)
SELECT s.deployment, s.series_id, s.quantity, s.labels, s.unplaced, s.path, s.source,
       coalesce(x.prev_ts, x.ts) AS from_ts, x.ts AS to_ts,
       CASE WHEN x.prev_ts IS NULL OR x.value < x.prev_value THEN x.value ELSE x.value - x.prev_value END AS increase
FROM steps x
JOIN pool_service_series s USING (series_id)
LEFT JOIN began b USING (deployment)
WHERE x.prev_ts IS NOT NULL OR coalesce(b.from_start, false);

-- Where each increase counts, as a share of it per phase: spread evenly over its interval
-- (pool_overlap); an unplaced load-tool run's whole count over the deployment's load phases, by
-- their share of the load's duration.
CREATE OR REPLACE TEMP TABLE pool_request_spread AS
WITH load_phases AS (
    SELECT deployment, name, start_ts, end_ts,
           (end_ts - start_ts) / sum(end_ts - start_ts) OVER (PARTITION BY deployment) AS share
    FROM pool_phases WHERE name = 'load'
)
SELECT i.deployment, i.series_id, i.quantity, i.labels, p.name, p.start_ts AS phase_start_ts,
       i.increase * pool_overlap(i.from_ts, i.to_ts, p.start_ts, p.end_ts) AS increase
FROM pool_service_increases i
JOIN pool_phases p ON p.deployment = i.deployment AND i.to_ts > p.start_ts AND i.from_ts <= p.end_ts
WHERE NOT i.unplaced
UNION ALL
SELECT i.deployment, i.series_id, i.quantity, i.labels, l.name, l.start_ts, i.increase * l.share
FROM pool_service_increases i
JOIN load_phases l ON l.deployment = i.deployment
WHERE i.unplaced;

-- Requests per phase and where they came from.
CREATE OR REPLACE TEMP TABLE pool_phase_requests AS
SELECT p.deployment, p.name, p.start_ts,
       exact_sum(r.increase) AS requests,
       any_value(s.source) AS source,
       bool_or(s.unplaced) AS unplaced
FROM pool_phases p
JOIN pool_request_spread r ON r.deployment = p.deployment AND r.name = p.name AND r.phase_start_ts = p.start_ts
JOIN pool_service_series s ON s.series_id = r.series_id
WHERE r.quantity = 'requests'
GROUP BY ALL;

-- A latency histogram's bucket counts per phase: the increase of every bucket counter in the
-- phase, summed over the series of one upper bound (handlers, methods, statuses), the bound in
-- seconds (le times the catalog's scale). src/models/histogram.ts takes the quantiles from them
-- as Prometheus' histogram_quantile() does.
CREATE OR REPLACE TEMP TABLE pool_phase_latency_buckets AS
WITH bounds AS (
    SELECT series_id,
           CASE WHEN labels['le'] IN ('+Inf', 'Inf', '+inf') THEN 'Infinity'::DOUBLE
                ELSE TRY_CAST(labels['le'] AS DOUBLE) * scale END AS upper_bound
    FROM pool_service_series
    WHERE quantity = 'request_duration_bucket'
)
SELECT r.deployment, r.name, r.phase_start_ts AS start_ts, b.upper_bound, exact_sum(r.increase) AS count
FROM pool_request_spread r
JOIN bounds b USING (series_id)
WHERE b.upper_bound IS NOT NULL AND NOT isnan(b.upper_bound)
GROUP BY ALL;

-- A load tool's latency quantiles for the phase its run counts in (the phase holding most of its
-- requests); only where one run counts in the phase (quantiles of two runs do not combine).
CREATE OR REPLACE TEMP TABLE pool_phase_load_latency AS
WITH runs AS (
    SELECT r.deployment, s.path, r.name, r.phase_start_ts, sum(r.increase) AS requests
    FROM pool_request_spread r JOIN pool_service_series s USING (series_id)
    WHERE s.source = 'load-tool' AND r.quantity = 'requests'
    GROUP BY ALL
), home AS (
    SELECT deployment, path, arg_max(name, requests) AS name, arg_max(phase_start_ts, requests) AS start_ts
    FROM runs WHERE requests > 0 GROUP BY ALL
), single AS (
    SELECT deployment, name, start_ts, any_value(path) AS path FROM home GROUP BY ALL HAVING count(*) = 1
)
SELECT h.deployment, h.name, h.start_ts,
       max(st.last_value) FILTER (WHERE s.labels['quantile'] = '0.5') AS p50,
       max(st.last_value) FILTER (WHERE s.labels['quantile'] = '0.99') AS p99
FROM single h
JOIN pool_quantity_series q ON q.deployment = h.deployment AND q.quantity = 'request_duration_quantile'
JOIN series s ON s.series_id = q.series_id
JOIN imports i ON i.import_id = s.import_id AND i.path = h.path
JOIN series_stats st ON st.series_id = q.series_id
GROUP BY ALL;

-- The host's CPU per phase (node_exporter's node_cpu_seconds_total or /proc/stat, summed over
-- its CPUs): its cores (CPUs seen) and the cores left idle on average, the idle counter's
-- increases (pool_service_increases' rule, resets included) split at the phase's edges.
CREATE OR REPLACE TEMP TABLE pool_phase_host_cpu AS
WITH host AS (
    SELECT q.series_id, q.deployment, s.labels['cpu'] AS cpu, q.scale,
           row_number() OVER (PARTITION BY q.deployment, s.labels['cpu'] ORDER BY q.priority, q.series_id) AS pick
    FROM pool_quantity_series q JOIN series s USING (series_id)
    WHERE q.quantity = 'host_cpu_seconds' AND q.cpu_mode = 'idle'
), steps AS (
    SELECT h.deployment, h.cpu, x.ts, x.value * h.scale AS value,
           lag(x.ts) OVER w AS prev_ts, lag(x.value * h.scale) OVER w AS prev_value
    FROM host h JOIN samples x USING (series_id)
    WHERE h.pick = 1 AND x.value IS NOT NULL AND isfinite(x.value)
    WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts)
)
SELECT p.deployment, p.name, p.start_ts,
       count(DISTINCT x.cpu) AS host_cores,
       exact_sum((CASE WHEN x.value < x.prev_value THEN x.value ELSE x.value - x.prev_value END)
                 * pool_overlap(x.prev_ts, x.ts, p.start_ts, p.end_ts))
         / nullif((p.end_ts - p.start_ts) / 1000, 0) AS host_idle_cores
FROM pool_phases p
JOIN steps x ON x.deployment = p.deployment AND x.prev_ts < p.end_ts AND x.ts > p.start_ts
GROUP BY p.deployment, p.name, p.start_ts, p.end_ts;

-- The container's CPU throttling per phase: the share of its CFS periods in which it was
-- throttled (cgroup cpu.stat nr_throttled / nr_periods), over the cgroups of the deployment that
-- have a quota. A cgroup without a quota is never throttled and has no row.
CREATE OR REPLACE TEMP TABLE pool_phase_throttling AS
WITH c AS (
    SELECT q.series_id, q.deployment, q.quantity, s.labels
    FROM pool_quantity_series q JOIN series s USING (series_id)
    WHERE q.scope = 'container' AND q.quantity IN ('cfs_periods', 'cfs_throttled_periods')
), steps AS (
    SELECT c.deployment, c.quantity, x.ts, x.value,
           lag(x.ts) OVER w AS prev_ts, lag(x.value) OVER w AS prev_value
    FROM c JOIN samples x USING (series_id)
    WHERE x.value IS NOT NULL AND isfinite(x.value)
    WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts)
), per_phase AS (
    SELECT p.deployment, p.name, p.start_ts, x.quantity,
           exact_sum((CASE WHEN x.value < x.prev_value THEN x.value ELSE x.value - x.prev_value END)
                     * pool_overlap(x.prev_ts, x.ts, p.start_ts, p.end_ts)) AS periods
    FROM pool_phases p
    JOIN steps x ON x.deployment = p.deployment AND x.prev_ts < p.end_ts AND x.ts > p.start_ts
    GROUP BY ALL
)
SELECT deployment, name, start_ts,
       max(periods) FILTER (WHERE quantity = 'cfs_throttled_periods')
         / nullif(max(periods) FILTER (WHERE quantity = 'cfs_periods'), 0) AS throttled_ratio
FROM per_phase
GROUP BY ALL
HAVING max(periods) FILTER (WHERE quantity = 'cfs_periods') > 0;

-- Each phase's whole buckets (those inside it, as its CPU percentiles): CPU-seconds and requests
-- per bucket, the values the phase's bootstrap interval resamples (src/models/interval.ts).
CREATE OR REPLACE TEMP TABLE pool_phase_work_buckets AS
WITH requests AS (
    SELECT i.deployment, b.bucket,
           exact_sum(i.increase * pool_overlap(i.from_ts, i.to_ts, b.bucket_start, b.bucket_end)) AS requests
    FROM pool_service_increases i
    JOIN pool_buckets b ON b.deployment = i.deployment AND i.from_ts < b.bucket_end AND i.to_ts >= b.bucket_start
    WHERE i.quantity = 'requests' AND NOT i.unplaced
    GROUP BY ALL
), unplaced AS (
    -- an unplaced run's requests, evenly over its phase's buckets
    SELECT deployment, name, start_ts, requests FROM pool_phase_requests WHERE unplaced
), rows AS (
    SELECT p.deployment, p.name, p.start_ts, c.bucket, c.cores * (b.step_ms / 1000) AS cpu_seconds,
           b.step_ms / 1000 AS seconds, r.requests, u.requests AS unplaced_requests,
           count(*) OVER (PARTITION BY p.deployment, p.name, p.start_ts) AS buckets
    FROM pool_phases p
    JOIN pool_cpu c ON c.deployment = p.deployment AND c.bucket_start >= p.start_ts AND c.bucket_end <= p.end_ts
    JOIN pool_buckets b ON b.deployment = c.deployment AND b.bucket = c.bucket
    LEFT JOIN requests r ON r.deployment = c.deployment AND r.bucket = c.bucket
    LEFT JOIN unplaced u ON u.deployment = p.deployment AND u.name = p.name AND u.start_ts = p.start_ts
)
SELECT deployment, name, start_ts,
       list(cpu_seconds ORDER BY bucket) AS cpu_seconds,
       list(coalesce(unplaced_requests / buckets, requests, 0) ORDER BY bucket) AS requests,
       list(seconds ORDER BY bucket) AS seconds
FROM rows
GROUP BY ALL;

-- The work figures of every phase (pool_phase_stats' phases), one row each.
CREATE OR REPLACE TEMP TABLE pool_phase_work AS
SELECT p.deployment, p.name, p.start_ts,
       r.requests, r.source AS requests_source, coalesce(r.unplaced, false) AS requests_attributed,
       h.host_cores, h.host_idle_cores, t.throttled_ratio,
       coalesce(h.host_idle_cores < pool_saturated_idle_share() * h.host_cores, false)
         OR coalesce(t.throttled_ratio >= pool_saturated_throttled_ratio(), false) AS saturated,
       l.p50 AS load_latency_p50, l.p99 AS load_latency_p99
FROM pool_phases p
LEFT JOIN pool_phase_requests r USING (deployment, name, start_ts)
LEFT JOIN pool_phase_host_cpu h USING (deployment, name, start_ts)
LEFT JOIN pool_phase_throttling t USING (deployment, name, start_ts)
LEFT JOIN pool_phase_load_latency l USING (deployment, name, start_ts);
