-- Worker lifecycle: what became of each worker that exited early (pool_worker_pairs), and how
-- often the pool recycled its workers for the requests it served.
-- An exit that was replaced while the pool was under load (its last live sample in a phase named
-- `load`, detected or given with --phase) is `recycled`: a server replacing its workers in
-- normal operation (gunicorn --max-requests, uvicorn --limit-max-requests) ends them only after
-- they served requests. Every other exit is `lost`: a worker that died or was killed, replaced or
-- never (a worker that crashes under load and is replaced looks like a recycled one in these
-- data; one that exits outside the load was not recycled: no request limit is reached without
-- requests). A lost worker never replaced leaves the pool one worker short from its exit to the
-- stop.
CREATE OR REPLACE TEMP TABLE pool_worker_lifecycle AS
SELECT p.deployment, p.process, p.pid, p.exit_ts,
       p.replacement, p.replacement_pid, p.replacement_start_ts,
       CASE WHEN p.replacement IS NOT NULL
             AND EXISTS (SELECT 1 FROM pool_phase_stats ph
                         WHERE ph.deployment = p.deployment AND ph.name = 'load'
                           AND p.exit_ts >= ph.start_ts AND p.exit_ts < ph.end_ts)
            THEN 'recycled' ELSE 'lost' END AS kind,
       -- the other workers alive at its last live sample and after it
       (SELECT count(*) FROM pool_lifetimes w
         WHERE w.deployment = p.deployment AND w.role = 'worker' AND w.process <> p.process
           AND w.alive_from <= p.exit_ts AND w.alive_to > p.exit_ts) AS workers_alive_after,
       -- how long the pool ran without it: until its replacement started, else until the stop
       (coalesce(p.replacement_start_ts, s.stop_ts) - p.exit_ts) / 1000 AS short_seconds
FROM pool_worker_pairs p
JOIN pool_stop s USING (deployment);

-- What a worker costs at start: the CPU it used from its start until it had loaded what it
-- serves with, told by its memory rather than its CPU level: the first live sample from which
-- its resident memory changes by at most pool_start_rss_tolerance() over the next two samples
-- (importing the application grows it sample after sample; a worker forked from a preloaded
-- master starts there). A host short of CPU slows the import down to a level that looks idle,
-- and a replacement starting under load serves requests at once; neither hides the end of the
-- growth. NULL for a worker that never reached it.

CREATE OR REPLACE TEMP TABLE pool_worker_start AS
WITH rss_series AS (
    SELECT ps.deployment, ps.process, ps.series_id, ps.scale, l.alive_from,
           l.alive_from + 32 * g.step_ms AS early_ts
    FROM pool_process_series ps
    JOIN pool_grid g USING (deployment)
    JOIN pool_lifetimes l USING (deployment, process)
    WHERE ps.chosen AND ps.quantity = 'rss_bytes' AND ps.role = 'worker'
), early AS (
    -- first the samples up to 32 buckets after the first live one: a loaded sample found there
    -- (but for the last two, whose next two may lie beyond) is the first, and no later sample
    -- need be read; one sample per time (of two at one time, the larger)
    SELECT x.series_id, x.ts, max(x.value) AS value
    FROM samples x
    JOIN rss_series r USING (series_id)
    WHERE x.value IS NOT NULL AND isfinite(x.value) AND x.ts <= r.early_ts
    GROUP BY x.series_id, x.ts
), early_loaded AS (
    SELECT series_id, min(ts) AS loaded_ts
    FROM (SELECT r.series_id, y.ts, y.value * r.scale AS rss, r.alive_from,
                 lead(y.value * r.scale, 1) OVER w AS next1, lead(y.value * r.scale, 2) OVER w AS next2
          FROM rss_series r JOIN early y USING (series_id)
          WINDOW w AS (PARTITION BY r.series_id ORDER BY y.ts))
    WHERE ts >= alive_from AND rss > 0
      AND abs(next1 - rss) <= pool_start_rss_tolerance() * rss
      AND abs(next2 - rss) <= pool_start_rss_tolerance() * rss
    GROUP BY series_id
), late AS (
    -- then every sample of the series with none there
    SELECT x.series_id, x.ts, max(x.value) AS value
    FROM samples x
    JOIN rss_series r USING (series_id)
    WHERE x.value IS NOT NULL AND isfinite(x.value)
      AND x.series_id NOT IN (SELECT series_id FROM early_loaded)
    GROUP BY x.series_id, x.ts
), late_loaded AS (
    SELECT series_id, min(ts) AS loaded_ts
    FROM (SELECT r.series_id, y.ts, y.value * r.scale AS rss, r.alive_from,
                 lead(y.value * r.scale, 1) OVER w AS next1, lead(y.value * r.scale, 2) OVER w AS next2
          FROM rss_series r JOIN late y USING (series_id)
          WINDOW w AS (PARTITION BY r.series_id ORDER BY y.ts))
    WHERE ts >= alive_from AND rss > 0
      AND abs(next1 - rss) <= pool_start_rss_tolerance() * rss
      AND abs(next2 - rss) <= pool_start_rss_tolerance() * rss
    GROUP BY series_id
), loaded AS (
    SELECT r.deployment, r.process, min(d.loaded_ts) AS loaded_ts
    FROM (SELECT * FROM early_loaded UNION ALL SELECT * FROM late_loaded) d
    JOIN rss_series r USING (series_id)
    GROUP BY ALL
), windows AS (
    SELECT {'deployment': d.deployment, 'process': d.process} AS window_id, c.series_id,
           -9223372036854775807 AS a, d.loaded_ts AS b
    FROM loaded d
    JOIN pool_cpu_series c USING (deployment, process)
    WHERE NOT c.reaped
), cpu AS (
    SELECT window_id.deployment AS deployment, window_id.process AS process, cpu_seconds
    FROM pool_window_cpu('windows')
)
SELECT l.deployment, l.process, l.pid, coalesce(l.start_ts, l.alive_from) AS start_ts, d.loaded_ts,
       l.process IN (SELECT replacement FROM pool_worker_pairs p
                     WHERE p.deployment = l.deployment AND p.replacement IS NOT NULL) AS replacement,
       CASE WHEN d.loaded_ts IS NOT NULL THEN coalesce(c.cpu_seconds, 0) END AS cpu_seconds
FROM pool_lifetimes l
LEFT JOIN loaded d USING (deployment, process)
LEFT JOIN cpu c USING (deployment, process)
WHERE l.role = 'worker';

-- Per deployment: the pool size, the workers alive when the stop began, the recycled and lost
-- workers, and the requests the load tools' summaries report (the sum of each
-- loadgen_requests_total series' last value: src/importers/load-summary.ts), with recycles per
-- 1000 requests where those are known; the start cost of the initial workers (mean) and of the
-- replacements (mean and sum, over those whose start was measured).
CREATE OR REPLACE TEMP TABLE pool_lifecycle AS
WITH requests AS (
    SELECT s.deployment, sum(st.last_value) AS requests
    FROM series s
    JOIN series_stats st USING (series_id)
    WHERE s.metric = 'loadgen_requests_total'
    GROUP BY ALL
), exits AS (
    SELECT deployment,
           count(*) FILTER (WHERE kind = 'recycled') AS recycled,
           count(*) FILTER (WHERE kind = 'lost') AS lost,
           count(*) FILTER (WHERE kind = 'lost' AND replacement IS NULL) AS lost_unreplaced
    FROM pool_worker_lifecycle
    GROUP BY ALL
), starts AS (
    SELECT deployment,
           count(cpu_seconds) FILTER (WHERE NOT replacement) AS initial_measured,
           exact_avg(CASE WHEN NOT replacement THEN cpu_seconds END) AS start_cpu_seconds_per_worker,
           count(*) FILTER (WHERE replacement) AS replacements,
           count(cpu_seconds) FILTER (WHERE replacement) AS replacements_measured,
           exact_avg(CASE WHEN replacement THEN cpu_seconds END) AS start_cpu_seconds_per_replacement,
           exact_sum(CASE WHEN replacement THEN cpu_seconds END) AS start_cpu_seconds_replacements
    FROM pool_worker_start
    GROUP BY ALL
)
SELECT d.deployment, r.workers,
       (SELECT count(*) FROM pool_lifetimes w
         WHERE w.deployment = d.deployment AND w.role = 'worker'
           AND w.alive_from <= s.stop_ts AND w.alive_to >= s.stop_ts) AS workers_at_stop,
       coalesce(e.recycled, 0) AS recycled,
       coalesce(e.lost, 0) AS lost,
       coalesce(e.lost_unreplaced, 0) AS lost_unreplaced,
       q.requests,
       CASE WHEN q.requests > 0 THEN 1000 * coalesce(e.recycled, 0) / q.requests END AS recycled_per_1000_requests,
       coalesce(t.initial_measured, 0) AS start_workers_measured,
       t.start_cpu_seconds_per_worker,
       coalesce(t.replacements, 0) AS replacements,
       coalesce(t.replacements_measured, 0) AS start_replacements_measured,
       t.start_cpu_seconds_per_replacement,
       t.start_cpu_seconds_replacements
FROM pool_span d
JOIN pool_stop s USING (deployment)
JOIN pool_restarts r USING (deployment)
LEFT JOIN exits e USING (deployment)
LEFT JOIN requests q USING (deployment)
LEFT JOIN starts t USING (deployment);
