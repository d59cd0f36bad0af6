-- The report's SQL shapes charts over the deployment model (src/models/pool/): it computes no
-- figure of its own. Every deployment is on the model's time grid (pool_grid: buckets from its
-- start, the master's); a chart bucket gathers whole model buckets.
-- step_ms: the charts' bucket, 5 s (at least the model's step), or for a long deployment the
-- smallest round step up the ladder of grid_step_ms() (src/models/007-time-grid.sql) that gives
-- at most grid_max_chart_points() buckets per line. A model bucket b is in chart bucket
-- floor(b × model_step_ms / step_ms).
CREATE OR REPLACE TEMP TABLE report_deployment_span AS
SELECT deployment, t0 AS start_ts, end_ts, step_ms AS model_step_ms,
       grid_step_ms(greatest(5000, step_ms), end_ts - t0, grid_max_chart_points()) AS step_ms
FROM pool_grid;

-- Each process's name in the charts, comm:pid (as process-exporter names groups); a pid reused
-- within the deployment also gets its start time, so two processes never share a name.
CREATE OR REPLACE TEMP TABLE report_process_names AS
SELECT deployment, process,
       CASE WHEN pid IS NULL THEN coalesce(comm, process) -- a series' own process (no pid): its label
            WHEN count(*) OVER (PARTITION BY deployment, comm, pid) > 1
            THEN coalesce(comm, '?') || ':' || pid::VARCHAR || '@' || coalesce(start_ts, first_seen)::VARCHAR
            ELSE coalesce(comm, '?') || ':' || pid::VARCHAR END AS name
FROM pool_processes;
