-- CPU cores per process in the charts' buckets (report_deployment_span.step_ms): the model's CPU
-- per process and bucket (pool_process_cpu: each process's own increases, from its start; the
-- CPU its reaped children used after their last sample shows as a line of its own, `<name>
-- (reaped children)`), summed over the model buckets of a chart bucket ÷ the chart bucket.
CREATE OR REPLACE TEMP TABLE report_process_cpu AS
WITH per_bucket AS (
    SELECT c.deployment, c.process, c.reaped, (c.bucket * d.model_step_ms // d.step_ms) AS chart_bucket,
           exact_sum(c.cpu_seconds) AS cpu_seconds
    FROM pool_process_cpu c
    JOIN report_deployment_span d USING (deployment)
    GROUP BY ALL
    -- reaped children's CPU only where there is some (every /proc process has that counter)
    HAVING NOT c.reaped OR exact_sum(c.cpu_seconds) <> 0
)
SELECT c.deployment,
       n.name || CASE WHEN c.reaped THEN ' (reaped children)' ELSE '' END AS process,
       c.chart_bucket * (d.step_ms // 1000) AS t_seconds,
       d.start_ts + c.chart_bucket * d.step_ms AS bucket_ts,
       c.cpu_seconds / (d.step_ms / 1000) AS cores,
       c.cpu_seconds
FROM per_bucket c
JOIN report_deployment_span d USING (deployment)
JOIN report_process_names n USING (deployment, process);

-- The pool: the model's cores of the whole deployment (pool_cpu: each process's own rate, then
-- the sum), averaged over the model buckets of a chart bucket; `processes`: how many had CPU rows.
CREATE OR REPLACE TEMP TABLE report_pool_cpu AS
WITH pool AS (
    SELECT c.deployment, (c.bucket * d.model_step_ms // d.step_ms) AS chart_bucket,
           exact_sum(c.cores * (d.model_step_ms / 1000)) AS cpu_seconds
    FROM pool_cpu c JOIN report_deployment_span d USING (deployment)
    GROUP BY ALL
), counts AS (
    SELECT deployment, t_seconds, count(DISTINCT process) AS processes FROM report_process_cpu GROUP BY ALL
)
SELECT p.deployment, p.chart_bucket * (d.step_ms // 1000) AS t_seconds,
       d.start_ts + p.chart_bucket * d.step_ms AS bucket_ts,
       p.cpu_seconds / (d.step_ms / 1000) AS cores,
       coalesce(n.processes, 0) AS processes
FROM pool p
JOIN report_deployment_span d USING (deployment)
LEFT JOIN counts n ON n.deployment = p.deployment AND n.t_seconds = p.chart_bucket * (d.step_ms // 1000);

-- The model's CPU counters (the chosen source of each process, pool_cpu_series), named as in
-- the charts: for notebooks that read the samples themselves.
CREATE OR REPLACE TEMP VIEW report_cpu_series AS
SELECT s.series_id, s.deployment, n.name AS process, s.cpu_mode, s.scale
FROM pool_cpu_series s
JOIN report_process_names n USING (deployment, process)
WHERE NOT s.reaped;
