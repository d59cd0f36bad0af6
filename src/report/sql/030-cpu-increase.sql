-- parallel: a sort and a window over a total order, no aggregation (src/models/parallel.ts)
-- CPU seconds each process used between two consecutive samples of its own counter, reset-aware
-- as Prometheus' increase(): a value below the previous one means the counter restarted from 0,
-- so the whole new value is the increase. Per process first, then summed: never sum then rate.
-- NULL values (staleness markers) and NaN are skipped.
CREATE OR REPLACE TEMP TABLE report_cpu_increase AS
WITH steps AS (
    -- integer keys only through the sort; ties on ts (a duplicated sample) ordered by value
    SELECT s.series_id, s.ts, s.value, lag(s.ts) OVER w AS prev_ts, lag(s.value) OVER w AS prev_value
    FROM samples s
    WHERE s.series_id IN (SELECT series_id FROM report_quantity_series
                          WHERE quantity = 'cpu_seconds' AND scope = 'process')
      AND s.value IS NOT NULL AND isfinite(s.value)
    WINDOW w AS (PARTITION BY s.series_id ORDER BY s.ts, s.value)
), ordered AS (
    SELECT q.deployment, q.process, q.series_id, x.ts, x.value * q.scale AS value,
           x.prev_ts, x.prev_value * q.scale AS prev_value
    FROM steps x
    JOIN report_quantity_series q USING (series_id)
    WHERE q.quantity = 'cpu_seconds' AND q.scope = 'process'
)
SELECT deployment, process, series_id, prev_ts, ts,
       CASE WHEN value >= prev_value THEN value - prev_value ELSE value END AS cpu_seconds
FROM ordered
WHERE prev_ts IS NOT NULL
ORDER BY series_id, ts, value; -- stored in a fixed order, so that sums over it add in the same order every time
