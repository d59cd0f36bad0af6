-- The observed window of each deployment: first and last sample of any series that describes
-- the server (process, process tree or container scope; host-wide series start before the
-- server does). Charts align deployments on seconds since `start_ts`.
-- step_ms: the charts' bucket, 5 s, or for a long deployment the smallest round step up the
-- ladder of grid_step_ms() (src/models/007-time-grid.sql) that gives at most
-- grid_max_chart_points() buckets per line.
CREATE OR REPLACE TEMP TABLE report_deployment_span AS
SELECT deployment, start_ts, end_ts, grid_step_ms(5000, end_ts - start_ts, grid_max_chart_points()) AS step_ms
FROM (SELECT q.deployment, min(s.ts) AS start_ts, max(s.ts) AS end_ts
      FROM report_quantity_series q
      JOIN samples s USING (series_id)
      WHERE q.scope <> 'host' AND s.value IS NOT NULL
      GROUP BY ALL);
