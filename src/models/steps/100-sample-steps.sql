-- Every sample of the per-process series (metrics of the catalog's process-scope rows), with
-- the previous sample of the same series: the one sort of `samples` by series and time that
-- the report's base views (report_cpu_increase) and the pool models (pool_sample_steps) share.
-- Values as stored (each reader applies its catalog row's scale). NULL (staleness markers),
-- NaN and ±Inf are not measurements and are left out. Ties on ts (a duplicated sample) are
-- ordered by value. Runs on one thread (the report's setting): the rows are stored in the same
-- order every time, so sums over them add in the same order.
CREATE OR REPLACE TEMP TABLE sample_steps AS
SELECT x.series_id, x.ts, x.value, lag(x.ts) OVER w AS prev_ts, lag(x.value) OVER w AS prev_value
FROM samples x
WHERE x.series_id IN (SELECT s.series_id FROM series s
                      WHERE s.metric IN (SELECT metric FROM metric_catalog WHERE scope = 'process'))
  AND x.value IS NOT NULL AND isfinite(x.value)
WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts, x.value);
