-- CPU seconds each process used between two consecutive samples of its own counter, reset-aware
-- as Prometheus' increase(): a value below the previous one means the counter restarted from 0,
-- so the whole new value is the increase. Per process first, then summed: never sum then rate.
-- NULL values (staleness markers) and NaN are skipped. A view over sample_steps: at millions of
-- samples a copy with the process names would cost more than the join at each of its few uses.
CREATE OR REPLACE TEMP VIEW report_cpu_increase AS
WITH ordered AS (
    -- each sample with the previous one of its series (sample_steps_cpu, src/models/steps/)
    SELECT q.deployment, q.process, q.series_id, x.ts, x.value * q.scale AS value,
           x.prev_ts, x.prev_value * q.scale AS prev_value
    FROM sample_steps_cpu x
    JOIN report_quantity_series q USING (series_id)
    WHERE q.quantity = 'cpu_seconds' AND q.scope = 'process'
)
SELECT deployment, process, series_id, prev_ts, ts,
       CASE WHEN value >= prev_value THEN value - prev_value ELSE value END AS cpu_seconds
FROM ordered
WHERE prev_ts IS NOT NULL;
