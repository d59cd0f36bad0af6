-- Selecting samples for PromQL, set-based over every evaluation step at once.
-- Steps are start_ms, start_ms + step_ms, ... <= end_ms (integer ms, as Prometheus' range queries).
-- left_open: Prometheus 3 selects (t - range, t] and looks back over (t - 5m, t]; 2.x uses
-- closed intervals [t - range, t] and [t - 5m, t]. Timestamps are integer ms, so "> x" is ">= x + 1".

-- Instant vector selector (Prometheus engine.go vectorSelectorSingle): the newest sample at or
-- before t - offset, if it is inside the lookback window and not a staleness marker (NULL value).
CREATE OR REPLACE TEMP MACRO promql_instant(series_ids, start_ms, end_ms, step_ms, offset_ms, lookback_ms, left_open) AS TABLE
WITH q AS (
    SELECT id.series_id, st.t, st.t - offset_ms AS ref
    FROM (SELECT unnest(series_ids) AS series_id) id
    CROSS JOIN (SELECT unnest(range(start_ms, end_ms + 1, step_ms)) AS t) st
)
SELECT q.series_id, q.t, x.value
FROM q ASOF JOIN samples x ON x.series_id = q.series_id AND x.ts <= q.ref
WHERE x.ts >= q.ref - lookback_ms + CASE WHEN left_open THEN 1 ELSE 0 END
  AND x.value IS NOT NULL;

-- The non-stale samples of some series, numbered per series, with the previous sample and running
-- totals of what funcResets, funcChanges and extrapolatedRate's counter correction add up, so a
-- window's total is (running total at its last sample) - (running total at its first sample).
-- Comparisons follow Go's float semantics: any comparison with NaN is false (DuckDB orders NaN
-- above every number, so NaN is tested explicitly).
CREATE OR REPLACE TEMP MACRO promql_points(series_ids) AS TABLE
WITH p AS (
    SELECT series_id, ts, value,
           row_number() OVER w AS rn,
           lag(ts) OVER w AS prev_ts,
           lag(value) OVER w AS prev_value
    FROM samples
    WHERE value IS NOT NULL AND series_id IN (SELECT unnest(series_ids))
    WINDOW w AS (PARTITION BY series_id ORDER BY ts)
), flagged AS (
    SELECT *,
           -- funcResets / counter correction: `if current < prev`
           coalesce(NOT isnan(value) AND NOT isnan(prev_value) AND value < prev_value, false) AS is_reset,
           -- funcChanges: `if current != prev && !(math.IsNaN(current) && math.IsNaN(prev))`
           coalesce(NOT (isnan(value) AND isnan(prev_value))
                    AND (isnan(value) OR isnan(prev_value) OR value <> prev_value), false) AS is_change
    FROM p
)
SELECT series_id, ts, value, rn, prev_ts, prev_value,
       sum(CASE WHEN is_reset THEN prev_value ELSE 0 END) OVER w AS cum_correction,
       sum(CASE WHEN is_reset THEN 1 ELSE 0 END) OVER w AS cum_resets,
       sum(CASE WHEN is_change THEN 1 ELSE 0 END) OVER w AS cum_changes
FROM flagged
WINDOW w AS (PARTITION BY series_id ORDER BY rn ROWS UNBOUNDED PRECEDING);

-- Range vector selector windows: for every series and step, the first and last sample inside
-- (t - offset - range, t - offset] (left_open) or [t - offset - range, t - offset], found with two
-- ASOF joins instead of materialising every sample of every window. n is the number of samples.
-- Windows without samples produce no row.
CREATE OR REPLACE TEMP MACRO promql_range_windows(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS TABLE
WITH pts AS MATERIALIZED (
    FROM promql_points(series_ids)
), q AS (
    SELECT id.series_id, st.t,
           st.t - offset_ms - range_ms AS range_start,
           st.t - offset_ms AS range_end
    FROM (SELECT unnest(series_ids) AS series_id) id
    CROSS JOIN (SELECT unnest(range(start_ms, end_ms + 1, step_ms)) AS t) st
)
SELECT q.series_id, q.t, q.range_start, q.range_end, q.range_end - q.range_start AS range_ms,
       l.rn - f.rn + 1 AS n,
       f.ts AS first_ts, f.value AS first_value,
       l.ts AS last_ts, l.value AS last_value,
       l.prev_ts, l.prev_value,
       l.cum_resets - f.cum_resets AS resets,
       l.cum_changes - f.cum_changes AS changes,
       -- Exact zero when no reset is inside the window (running totals may hold an earlier Inf).
       CASE WHEN l.cum_resets = f.cum_resets THEN 0.0 ELSE l.cum_correction - f.cum_correction END AS correction
FROM q
ASOF JOIN pts l ON l.series_id = q.series_id AND l.ts <= q.range_end
ASOF JOIN pts f ON f.series_id = q.series_id AND f.ts >= q.range_start + CASE WHEN left_open THEN 1 ELSE 0 END
WHERE f.rn <= l.rn;

-- The same windows when no sample can fall in two of them: range <= step with left-open windows,
-- range < step with closed ones (a range query at a step of at least its range, the usual
-- dashboard query). Each sample then belongs to at most one step, found by arithmetic, so the
-- windows come from one sort (for the previous sample) and one hash aggregation instead of
-- running totals and two ASOF joins over every sample: seconds instead of minutes at 20M samples
-- (docs/performance.md). A reset or change counts when the previous sample is in the same window.
-- DuckDB's NaN comparisons differ from Go's only for `value < NaN` (true in DuckDB), hence the
-- isnan test; `<>` already treats NaN = NaN as Go's funcChanges does.
CREATE OR REPLACE TEMP MACRO promql_single_windows(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS TABLE
WITH lagged AS (
    SELECT series_id, ts, value,
           lag(ts) OVER w AS prev_ts,
           lag(value) OVER w AS prev_value
    FROM samples
    WHERE value IS NOT NULL AND series_id IN (SELECT unnest(series_ids))
      AND ts >= start_ms - offset_ms - range_ms AND ts <= end_ms - offset_ms
    WINDOW w AS (PARTITION BY series_id ORDER BY ts)
), stepped AS (
    -- k: the first step at or after the sample, ceil((ts + offset - start) / step). DuckDB's //
    -- truncates, so the numerator is kept positive: ts >= start - offset - range > start - offset - 2 step.
    SELECT *, (ts + offset_ms - start_ms - 1 + 2 * step_ms) // step_ms - 1 AS k
    FROM lagged
), placed AS (
    SELECT *, start_ms + k * step_ms - offset_ms - range_ms AS range_start
    FROM stepped
    WHERE k >= 0 AND start_ms + k * step_ms <= end_ms
)
SELECT series_id, start_ms + k * step_ms AS t, range_start, range_start + range_ms AS range_end,
       range_ms AS range_ms,
       count(*) AS n,
       min(ts) AS first_ts, arg_min(value, ts) AS first_value,
       max(ts) AS last_ts, arg_max(value, ts) AS last_value,
       -- The sample before the last, when it is inside the window (irate and idelta need n >= 2).
       CASE WHEN count(*) >= 2 THEN arg_max(prev_ts, ts) END AS prev_ts,
       CASE WHEN count(*) >= 2 THEN arg_max(prev_value, ts) END AS prev_value,
       count(*) FILTER (WHERE inside AND value < prev_value AND NOT isnan(prev_value)) AS resets,
       count(*) FILTER (WHERE inside AND value <> prev_value) AS changes,
       coalesce(sum(prev_value) FILTER (WHERE inside AND value < prev_value AND NOT isnan(prev_value)), 0.0) AS correction
FROM (
    SELECT *, prev_ts >= range_start + CASE WHEN left_open THEN 1 ELSE 0 END AS inside
    FROM placed
    WHERE ts >= range_start + CASE WHEN left_open THEN 1 ELSE 0 END)
GROUP BY series_id, k, range_start;
