-- CPU cores per process in buckets of time since the deployment's start (step_ms of
-- report_deployment_span: 5 s, coarser for a long deployment): the CPU seconds of every
-- interval that ends inside the bucket, divided by the step (cpu_seconds: not divided).
CREATE OR REPLACE TEMP TABLE report_process_cpu AS
SELECT i.deployment, i.process,
       (i.ts - d.start_ts) // d.step_ms * (d.step_ms // 1000) AS t_seconds,
       d.start_ts + (i.ts - d.start_ts) // d.step_ms * d.step_ms AS bucket_ts,
       sum(i.cpu_seconds) / any_value(d.step_ms // 1000) AS cores,
       sum(i.cpu_seconds) AS cpu_seconds
FROM report_cpu_increase i
JOIN report_deployment_span d USING (deployment)
GROUP BY ALL;

-- The pool: the sum over processes of each process's own cores (rate then sum).
CREATE OR REPLACE TEMP TABLE report_pool_cpu AS
SELECT deployment, t_seconds, bucket_ts, sum(cores) AS cores, count(*) AS processes
FROM report_process_cpu
GROUP BY ALL;
