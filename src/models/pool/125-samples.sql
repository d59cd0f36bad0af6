-- The chosen source's samples, in the quantity's unit, with the previous sample of the same
-- series (sample_steps, src/models/steps/). Integer keys only: the names come from
-- pool_process_series, joined after aggregating. A TEMPORARY VIEW stays a view (pool-models.ts
-- materializes only TEMP VIEWs): a copy of millions of samples costs more than the join.
CREATE OR REPLACE TEMPORARY VIEW pool_sample_steps AS
SELECT x.series_id, x.ts, x.value * ps.scale AS value, x.prev_ts, x.prev_value * ps.scale AS prev_value
FROM sample_steps x
JOIN pool_process_series ps USING (series_id)
WHERE ps.chosen;

-- The same samples with their names. A TEMPORARY VIEW stays a view (pool-models.ts
-- materializes only TEMP VIEWs): a copy of every sample with its strings would cost more than
-- the join at each use.
CREATE OR REPLACE TEMPORARY VIEW pool_process_samples AS
SELECT ps.deployment, ps.process, ps.role, ps.quantity, ps.source, ps.series_id, ps.cpu_mode,
       x.ts, x.value
FROM pool_process_series ps
JOIN pool_sample_steps x USING (series_id)
WHERE ps.chosen;
