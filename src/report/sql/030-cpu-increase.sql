-- CPU seconds each process used between two consecutive samples of its own counter, reset-aware
-- as Prometheus' increase(): a value below the previous one means the counter restarted from 0,
-- so the whole new value is the increase. Per process first, then summed: never sum then rate.
-- NULL values (staleness markers) and NaN are skipped.
CREATE OR REPLACE TEMP TABLE report_cpu_increase AS
WITH ordered AS (
    SELECT q.deployment, q.process, q.series_id, s.ts, s.value * q.scale AS value,
           lag(s.ts) OVER w AS prev_ts, lag(s.value * q.scale) OVER w AS prev_value
    FROM report_quantity_series q
    JOIN samples s USING (series_id)
    WHERE q.quantity = 'cpu_seconds' AND q.scope = 'process' AND s.value IS NOT NULL AND isfinite(s.value)
    WINDOW w AS (PARTITION BY s.series_id ORDER BY s.ts)
)
SELECT deployment, process, series_id, prev_ts, ts,
       CASE WHEN value >= prev_value THEN value - prev_value ELSE value END AS cpu_seconds
FROM ordered
WHERE prev_ts IS NOT NULL;
