-- The observed window of each deployment: first and last sample of any series that describes
-- the server (process, process tree or container scope; host-wide series start before the
-- server does). Charts align deployments on seconds since `start_ts`.
CREATE OR REPLACE TEMP TABLE report_deployment_span AS
SELECT q.deployment, min(s.ts) AS start_ts, max(s.ts) AS end_ts
FROM report_quantity_series q
JOIN samples s USING (series_id)
WHERE q.scope <> 'host' AND s.value IS NOT NULL
GROUP BY ALL;
