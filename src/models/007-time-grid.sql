-- The step of a time grid (pool models' buckets, report charts' buckets): the smallest step,
-- from min_step_ms up a ladder of round values, that cuts span_ms into at most max_buckets
-- buckets. A short capture keeps min_step_ms (its scrape interval, or the charts' 5 s); a
-- long one gets coarser buckets so the work and the chart points stay bounded. Past the
-- ladder's last rung (1 day), whole days.
CREATE OR REPLACE TEMP MACRO grid_step_ms(min_step_ms, span_ms, max_buckets) AS (
    CASE WHEN span_ms IS NULL OR span_ms <= min_step_ms * max_buckets THEN min_step_ms
         ELSE coalesce(
             list_min(list_filter(
                 [1000, 2000, 5000, 10000, 15000, 30000,
                  60000, 120000, 300000, 600000, 900000, 1800000,
                  3600000, 7200000, 10800000, 21600000, 43200000, 86400000]::BIGINT[],
                 s -> s > min_step_ms AND s * max_buckets >= span_ms)),
             86400000 * ceil(span_ms / (86400000.0 * max_buckets)))
    END)::BIGINT;

-- At most this many buckets per deployment in the pool models, and points per line in charts.
CREATE OR REPLACE TEMP MACRO grid_max_model_buckets() AS 2000;
CREATE OR REPLACE TEMP MACRO grid_max_chart_points() AS 500;
