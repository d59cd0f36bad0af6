-- One row per deployment: the numbers of the verdict table and of `report --format json`.
CREATE OR REPLACE TEMP VIEW report_deployment_summary AS
WITH cpu AS (
    SELECT deployment, exact_sum(cpu_seconds) AS cpu_seconds, count(DISTINCT process) AS processes
    FROM report_process_cpu GROUP BY ALL
), cores AS (
    SELECT deployment, quantile_cont(cores, 0.95) AS cores_p95, max(cores) AS cores_max
    FROM report_pool_cpu GROUP BY ALL
), buckets AS (
    SELECT deployment, t_seconds,
           any_value(bytes) FILTER (WHERE quantity = 'rss') AS rss,
           any_value(bytes) FILTER (WHERE quantity = 'pss') AS pss,
           any_value(bytes) FILTER (WHERE quantity = 'uss') AS uss
    FROM report_pool_memory GROUP BY ALL
), memory AS (
    -- peaks over time of each sum; the RSS sum is also taken at the moment of the PSS peak so
    -- that the RSS/PSS overcount compares one moment, not two different peaks (of two moments
    -- with the same PSS, the one with more RSS).
    SELECT deployment, max(rss) AS rss_bytes_peak, max(pss) AS pss_bytes_peak, max(uss) AS uss_bytes_peak,
           arg_max(rss, (pss, rss)) FILTER (WHERE pss IS NOT NULL) AS rss_bytes_at_pss_peak
    FROM buckets GROUP BY ALL
)
SELECT d.deployment, d.start_ts, d.end_ts, (d.end_ts - d.start_ts) / 1000 AS duration_seconds,
       cpu.processes, cpu.cpu_seconds,
       cpu.cpu_seconds / nullif((d.end_ts - d.start_ts) / 1000, 0) AS cores_mean,
       cores.cores_p95, cores.cores_max,
       memory.rss_bytes_peak, memory.pss_bytes_peak, memory.uss_bytes_peak,
       memory.rss_bytes_at_pss_peak
FROM report_deployment_span d
LEFT JOIN cpu USING (deployment)
LEFT JOIN cores USING (deployment)
LEFT JOIN memory USING (deployment)
ORDER BY d.deployment;
