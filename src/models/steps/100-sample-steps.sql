-- Every sample of the per-process series (those a process-scope row of the metric catalog
-- matches, by metric and label filter: not, say, process-exporter's virtual memory), with
-- the previous sample of the same series: the one sort of `samples` by series and time that
-- the report's base views and the pool models share. Two tables, so that each reader scans
-- only its half and each keeps only the columns its readers use: sample_steps_cpu (the CPU
-- counters: report_cpu_increase, pool_cpu_increases) and sample_steps_other (memory and the rest:
-- the memory figures, lifetimes); the view sample_steps has both (scrape intervals, gaps).
-- Values as stored (each reader applies its catalog row's scale). NULL (staleness markers),
-- NaN and ±Inf are not measurements and are left out. Ties on ts (a duplicated sample) are
-- ordered by value; sample_steps_other's `last_at_ts` marks the last sample at its time (of
-- duplicates, the largest value), so readers that take one value per time (a gauge's latest)
-- need no tie-break of their own. Built on every core: the rows' order in the tables varies, and nothing depends on it
-- (the sums over them are exact_sum(), src/models/006-aggregates.sql).
CREATE OR REPLACE TEMP TABLE sample_step_series AS
SELECT s.series_id, bool_or(c.quantity IN ('cpu_seconds', 'children_cpu_seconds')) AS cpu
FROM series s
JOIN metric_catalog c ON c.metric = s.metric
WHERE c.scope = 'process' AND catalog_labels_match(c.label_filter, s.labels)
GROUP BY s.series_id;

-- The CPU counters (a process's own, and its reaped children's): each sample with its
-- predecessor's time and value (for the increase).
CREATE OR REPLACE TEMP TABLE sample_steps_cpu AS
SELECT x.series_id, x.ts, x.value, lag(x.ts) OVER c AS prev_ts, lag(x.value) OVER c AS prev_value
FROM samples x
WHERE x.series_id IN (SELECT series_id FROM sample_step_series WHERE cpu)
  AND x.value IS NOT NULL AND isfinite(x.value)
WINDOW c AS (PARTITION BY x.series_id ORDER BY x.ts, x.value);

-- The rest (gauges mostly): the predecessor's time (for scrape intervals and gaps), the
-- successor's (a sample is the last of its bucket when the next one is in a later bucket or
-- there is none: a filter, where an aggregation per bucket would cost far more) and whether this
-- is the last sample at its time.
CREATE OR REPLACE TEMP TABLE sample_steps_other AS
SELECT x.series_id, x.ts, x.value, lag(x.ts) OVER o AS prev_ts, lead(x.ts) OVER o AS next_ts,
       lead(x.ts) OVER o IS DISTINCT FROM x.ts AS last_at_ts
FROM samples x
WHERE x.series_id IN (SELECT series_id FROM sample_step_series WHERE NOT cpu)
  AND x.value IS NOT NULL AND isfinite(x.value)
WINDOW o AS (PARTITION BY x.series_id ORDER BY x.ts, x.value);

CREATE OR REPLACE TEMP VIEW sample_steps AS
SELECT series_id, ts, value, prev_ts FROM sample_steps_cpu
UNION ALL
SELECT series_id, ts, value, prev_ts FROM sample_steps_other;
