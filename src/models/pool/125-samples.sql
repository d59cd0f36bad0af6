-- parallel: a sort and a window over a total order, no aggregation (src/models/parallel.ts)
-- The chosen source's samples, in the quantity's unit, with the previous sample of the same
-- series: one pass over `samples` (a sort by series and time) that the scrape intervals, the
-- CPU increments and the gap check share. Integer keys only: the names come from
-- pool_process_series, joined after aggregating. NULL (staleness markers), NaN and ±Inf are
-- not measurements and are left out. Ties on ts (a duplicated sample) are ordered by value;
-- the rows are stored in that order, so that sums over them add in the same order every time.
CREATE OR REPLACE TEMP TABLE pool_sample_steps AS
SELECT x.series_id, x.ts, x.value * ps.scale AS value,
       lag(x.ts) OVER w AS prev_ts, lag(x.value * ps.scale) OVER w AS prev_value
FROM pool_process_series ps
JOIN samples x USING (series_id)
WHERE ps.chosen AND x.value IS NOT NULL AND isfinite(x.value)
WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts, x.value)
ORDER BY x.series_id, x.ts, x.value;

-- The same samples with their names. A TEMPORARY VIEW stays a view (pool-models.ts
-- materializes only TEMP VIEWs): a copy of every sample with its strings would cost more than
-- the join at each use.
CREATE OR REPLACE TEMPORARY VIEW pool_process_samples AS
SELECT ps.deployment, ps.process, ps.role, ps.quantity, ps.source, ps.series_id, ps.cpu_mode,
       x.ts, x.value
FROM pool_process_series ps
JOIN pool_sample_steps x USING (series_id)
WHERE ps.chosen;
