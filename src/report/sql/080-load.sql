-- What the load tools' summaries imported into a deployment say (src/importers/load-summary.ts):
-- responses (loadgen_requests_total at the run's end: any status) and failed requests
-- (loadgen_errors_total: 4xx/5xx responses and requests without a response), summed over the
-- deployment's summaries. A deployment without one has no row.
CREATE OR REPLACE TEMP VIEW report_load AS
SELECT s.deployment,
       string_agg(DISTINCT s.labels['tool'], ', ' ORDER BY s.labels['tool']) AS tool,
       sum(st.last_value) FILTER (WHERE s.metric = 'loadgen_requests_total') AS responses,
       sum(st.last_value) FILTER (WHERE s.metric = 'loadgen_errors_total') AS errors
FROM series s
JOIN series_stats st USING (series_id)
WHERE s.metric IN ('loadgen_requests_total', 'loadgen_errors_total')
GROUP BY s.deployment;
