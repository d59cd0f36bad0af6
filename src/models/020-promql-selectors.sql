-- Selecting samples for PromQL, set-based over every evaluation step at once.
-- Steps are start_ms, start_ms + step_ms, ... <= end_ms (integer ms, as Prometheus' range queries).
-- left_open: Prometheus 3 selects (t - range, t] and looks back over (t - 5m, t]; 2.x uses
-- closed intervals [t - range, t] and [t - 5m, t]. Timestamps are integer ms, so "> x" is ">= x + 1".

-- A list of series ids as a table, for `series_id IN (FROM promql_ids(series_ids))`. Its filter
-- drops nothing that could match (ids are never NULL, and a NULL in IN matches no row), but with
-- it DuckDB pushes the semi join's ids into the scan of samples as a Bloom filter even where the
-- list comes from a CTE used more than once: a plain `IN (SELECT unnest(series_ids))` then read
-- all 20M samples for a 5M-sample selector.
CREATE OR REPLACE TEMP MACRO promql_ids(series_ids) AS TABLE
SELECT i AS series_id FROM (SELECT unnest(series_ids) AS i) WHERE i IS NOT NULL;

-- Instant vector selector (Prometheus engine.go vectorSelectorSingle): the newest sample at or
-- before t - offset, if it is inside the lookback window and not a staleness marker (NULL value).
-- Only the selected series' samples between the first step's lookback window and the last step
-- can be the answer of a step: the others stay out of the join (and bounding ts by constants
-- lets DuckDB skip row groups by their time range). Of those, only the newest of each series
-- between two steps' reference times, (ref_(k-1), ref_k], can be a step's newest sample (those at
-- or before ref_0 count as k = 0): a hash aggregate keeps that one (a staleness marker too), so
-- the ASOF join sorts one row per series and step instead of every sample.
CREATE OR REPLACE TEMP MACRO promql_instant(series_ids, start_ms, end_ms, step_ms, offset_ms, lookback_ms, left_open) AS TABLE
WITH q AS (
    SELECT id.series_id, st.t, st.t - offset_ms AS ref
    FROM (SELECT unnest(series_ids) AS series_id) id
    CROSS JOIN (SELECT unnest(range(start_ms, end_ms + 1, step_ms)) AS t) st
)
SELECT q.series_id, q.t, x.value, x.ts
FROM q ASOF JOIN (
    SELECT series_id, max(ts) AS ts, arg_max_null(value, ts) AS value FROM samples
    WHERE series_id IN (FROM promql_ids(series_ids))
      AND ts >= start_ms - offset_ms - lookback_ms AND ts <= end_ms - offset_ms
    GROUP BY series_id, greatest((ts - (start_ms - offset_ms) + step_ms - 1) // step_ms, 0)
) x ON x.series_id = q.series_id AND x.ts <= q.ref
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
    WHERE value IS NOT NULL AND series_id IN (FROM promql_ids(series_ids))
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

-- The same windows as promql_range_windows, computed without ASOF joins when each sample falls in
-- few windows (the planner's choice): steps are a regular grid t_k = start_ms + k * step_ms, so the
-- windows holding a sample at ts are k_lo..k_hi by integer arithmetic. Each sample, with its
-- predecessor from one sort per series, is copied into its windows (at most max_per_sample) and the
-- windows are plain hash aggregates. Only samples that can fall in some window are read.
-- A pair (previous, current) counts for resets, changes and the counter correction when both are
-- in the window; the current one is, so the previous one is when prev_ts >= the window's start.
-- The steps whose window holds a sample at ts, on the grid t_k = start_ms + k * step_ms:
-- k_lo is the first window whose end (t - offset) is at or after ts (adding range // step + 2
-- steps keeps the numerator non-negative, so // is a floor); k_hi the last window whose start
-- (t - offset - range, + 1 when left open) is at or before ts, and at most the last step.
CREATE OR REPLACE TEMP MACRO promql_grid_k_lo(ts, start_ms, step_ms, range_ms, offset_ms) AS
    (ts + offset_ms - start_ms + (range_ms // step_ms + 2) * step_ms + step_ms - 1) // step_ms - (range_ms // step_ms + 2);
CREATE OR REPLACE TEMP MACRO promql_grid_k_hi(ts, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS
    least((ts + offset_ms + range_ms - CASE WHEN left_open THEN 1 ELSE 0 END - start_ms) // step_ms,
          (end_ms - start_ms) // step_ms);

CREATE OR REPLACE TEMP MACRO promql_grid_windows(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open,
                                                 max_per_sample) AS TABLE
WITH p AS (
    SELECT series_id, ts, value,
           lag(ts) OVER w AS prev_ts,
           lag(value) OVER w AS prev_value
    FROM samples
    WHERE value IS NOT NULL AND series_id IN (FROM promql_ids(series_ids))
      AND ts >= start_ms - offset_ms - range_ms + CASE WHEN left_open THEN 1 ELSE 0 END
      AND ts <= end_ms - offset_ms
    WINDOW w AS (PARTITION BY series_id ORDER BY ts)
), flagged AS (
    SELECT series_id, ts, value, prev_ts, prev_value,
           -- funcResets / counter correction: `if current < prev`
           coalesce(NOT isnan(value) AND NOT isnan(prev_value) AND value < prev_value, false) AS is_reset,
           -- funcChanges: `if current != prev && !(math.IsNaN(current) && math.IsNaN(prev))`
           coalesce(NOT (isnan(value) AND isnan(prev_value))
                    AND (isnan(value) OR isnan(prev_value) OR value <> prev_value), false) AS is_change,
           promql_grid_k_lo(ts, start_ms, step_ms, range_ms, offset_ms) AS k_lo,
           promql_grid_k_hi(ts, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS k_hi,
           CASE WHEN left_open THEN 1 ELSE 0 END AS adj
    FROM p
), placed AS (
    SELECT f.*, greatest(f.k_lo, 0) + d.i AS k
    FROM flagged f, range(0, max_per_sample) d(i)
    WHERE greatest(f.k_lo, 0) + d.i <= f.k_hi
), w AS (
    SELECT series_id, k,
           count(*) AS n,
           min(ts) AS first_ts, arg_min(value, ts) AS first_value,
           max(ts) AS last_ts, arg_max(value, ts) AS last_value,
           arg_max(prev_ts, ts) AS prev_ts, arg_max(prev_value, ts) AS prev_value,
           count(*) FILTER (WHERE is_reset AND prev_ts >= start_ms + k * step_ms - offset_ms - range_ms + adj) AS resets,
           count(*) FILTER (WHERE is_change AND prev_ts >= start_ms + k * step_ms - offset_ms - range_ms + adj) AS changes,
           sum(prev_value) FILTER (WHERE is_reset AND prev_ts >= start_ms + k * step_ms - offset_ms - range_ms + adj) AS correction
    FROM placed
    GROUP BY series_id, k
)
SELECT series_id, start_ms + k * step_ms AS t,
       start_ms + k * step_ms - offset_ms - range_ms AS range_start,
       start_ms + k * step_ms - offset_ms AS range_end,
       range_ms::BIGINT AS range_ms, n, first_ts, first_value, last_ts, last_value, prev_ts, prev_value,
       resets, changes,
       CASE WHEN resets = 0 THEN 0.0 ELSE correction END AS correction
FROM w;

-- The recorded resets of some series placed into the windows k that hold both the reset and its
-- predecessor (a reset counts only then, as is_reset with prev_ts inside the window in
-- promql_grid_windows): k from the first window ending at or after ts to the last starting at or
-- before prev_ts. Per series and window: how many, and the sum of the values before the drops.
CREATE OR REPLACE TEMP MACRO promql_window_resets(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms,
                                                  left_open) AS TABLE
SELECT series_id, k, count(*) AS resets, sum(prev_value) AS correction
FROM (
    SELECT z.series_id, z.prev_value,
           unnest(range(greatest(promql_grid_k_lo(z.ts, start_ms, step_ms, range_ms, offset_ms), 0),
                        promql_grid_k_hi(z.prev_ts, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) + 1)) AS k
    FROM series_resets z
    WHERE z.series_id IN (FROM promql_ids(series_ids))
      AND z.prev_ts >= start_ms - offset_ms - range_ms + CASE WHEN left_open THEN 1 ELSE 0 END
      AND z.ts <= end_ms - offset_ms
)
GROUP BY series_id, k;

-- Count, first and last sample of each window on the step grid: each sample copied into the
-- windows holding it (k_lo .. k_hi, at most max_per_sample), then a hash aggregate.
CREATE OR REPLACE TEMP MACRO promql_grid_counter_firstlast(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms,
                                                           left_open, max_per_sample) AS TABLE
WITH placed AS (
    SELECT x.series_id, x.ts, x.value, greatest(x.k_lo, 0) + d.i AS k
    FROM (
        SELECT series_id, ts, value,
               promql_grid_k_lo(ts, start_ms, step_ms, range_ms, offset_ms) AS k_lo,
               promql_grid_k_hi(ts, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS k_hi
        FROM samples
        WHERE value IS NOT NULL AND series_id IN (FROM promql_ids(series_ids))
          AND ts >= start_ms - offset_ms - range_ms + CASE WHEN left_open THEN 1 ELSE 0 END
          AND ts <= end_ms - offset_ms
    ) x, range(0, max_per_sample) d(i)
    WHERE greatest(x.k_lo, 0) + d.i <= x.k_hi
)
SELECT series_id, k,
       count(*) AS n,
       min(ts) AS first_ts, arg_min(value, ts) AS first_value,
       max(ts) AS last_ts, arg_max(value, ts) AS last_value
FROM placed
GROUP BY series_id, k;

-- Count, first and last sample of each window, each sample read once whatever the overlap. Window
-- k is the integer interval [a_k, a_k + len - 1]: a_k = start_ms + k * step_ms - offset_ms -
-- range_ms (+ 1 when left open), len = range_ms + 1 (- 1 when left open). The window starts a_k
-- and the ends + 1 cut time into segments, at most two per step: a sample at ts is in segment
-- g = 2 * ((ts - a_0) // step_ms), + 1 when it lies at or after the end cut inside its step
-- (d = len % step_ms > 0 ms after a_j). With len = q * step_ms + d, window k is exactly the
-- segments 2k .. 2(k + q) (d > 0) or 2k .. 2(k + q) - 1 (d = 0). So the samples are aggregated
-- once per series and segment (count, first and last sample), and each window takes the first
-- non-empty segment at or after its first one and the last at or before its last one by ASOF
-- joins over these few rows; its count is the difference of running counts.
CREATE OR REPLACE TEMP MACRO promql_segment_a0(start_ms, range_ms, offset_ms, left_open) AS
    start_ms - offset_ms - range_ms + CASE WHEN left_open THEN 1 ELSE 0 END;
CREATE OR REPLACE TEMP MACRO promql_segment_len(range_ms, left_open) AS
    range_ms + 1 - CASE WHEN left_open THEN 1 ELSE 0 END;

-- The segments themselves: count, first and last sample of each series per segment g. With d > 0
-- the end cut of step j lies d ms after its start, so g = 2j + (1 at or after the cut) is
-- u // step_ms + (u + step_ms - d) // step_ms (u = ts - a_0): two divisions, no comparison.
CREATE OR REPLACE TEMP MACRO promql_segments(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) AS TABLE
SELECT series_id, g,
       count(*) AS cnt,
       min(ts) AS first_ts, arg_min(value, ts) AS first_value,
       max(ts) AS last_ts, arg_max(value, ts) AS last_value
FROM (
    SELECT series_id, ts, value,
           CASE WHEN promql_segment_len(range_ms, left_open) % step_ms > 0
                THEN (ts - promql_segment_a0(start_ms, range_ms, offset_ms, left_open)) // step_ms
                     + (ts - promql_segment_a0(start_ms, range_ms, offset_ms, left_open) + step_ms
                        - promql_segment_len(range_ms, left_open) % step_ms) // step_ms
                ELSE 2 * ((ts - promql_segment_a0(start_ms, range_ms, offset_ms, left_open)) // step_ms) END AS g
    FROM samples
    WHERE value IS NOT NULL AND series_id IN (FROM promql_ids(series_ids))
      AND ts >= promql_segment_a0(start_ms, range_ms, offset_ms, left_open)
      AND ts <= start_ms + (end_ms - start_ms) // step_ms * step_ms - offset_ms
)
GROUP BY series_id, g;

CREATE OR REPLACE TEMP MACRO promql_segment_firstlast(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms,
                                                      left_open) AS TABLE
WITH seg AS (
    FROM promql_segments(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open)
), cum AS (
    SELECT *, sum(cnt) OVER (PARTITION BY series_id ORDER BY g ROWS UNBOUNDED PRECEDING) AS cum_cnt
    FROM seg
), q AS (
    SELECT id.series_id, st.k,
           2 * st.k AS lo,
           2 * (st.k + promql_segment_len(range_ms, left_open) // step_ms)
           - CASE WHEN promql_segment_len(range_ms, left_open) % step_ms > 0 THEN 0 ELSE 1 END AS hi
    FROM (SELECT unnest(series_ids) AS series_id) id
    CROSS JOIN (SELECT unnest(range(0, (end_ms - start_ms) // step_ms + 1)) AS k) st
)
SELECT q.series_id, q.k,
       l.cum_cnt - f.cum_cnt + f.cnt AS n,
       f.first_ts, f.first_value, l.last_ts, l.last_value
FROM q
ASOF JOIN cum l ON l.series_id = q.series_id AND l.g <= q.hi
ASOF JOIN cum f ON f.series_id = q.series_id AND f.g >= q.lo
WHERE f.g <= l.g;

-- The same windows without ASOF joins: each segment copied into the windows holding it, k =
-- ceil((g - h) / 2) .. g // 2 with h = 2q (d > 0) or 2q - 1 (d = 0), at most q + 1 =
-- max_per_segment of them, and each window a hash aggregate of its few segment rows (its first
-- sample the first segment's, timestamps being unique within a series). A few rows per step
-- where the ASOF joins sort every series' steps and segments; for long ranges at short steps
-- (many windows per segment) the ASOF joins cost less (planner.ts MAX_SEGMENT_COPIES).
CREATE OR REPLACE TEMP MACRO promql_segment_copies(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open,
                                                   max_per_segment) AS TABLE
WITH placed AS (
    SELECT s.*,
           greatest((s.g - 2 * (promql_segment_len(range_ms, left_open) // step_ms)
                     + CASE WHEN promql_segment_len(range_ms, left_open) % step_ms > 0 THEN 0 ELSE 1 END + 1) // 2, 0)
           + d.i AS k
    FROM promql_segments(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) s,
         range(0, max_per_segment) d(i)
)
SELECT series_id, k,
       sum(cnt)::BIGINT AS n,
       min(first_ts) AS first_ts, arg_min(first_value, first_ts) AS first_value,
       max(last_ts) AS last_ts, arg_max(last_value, last_ts) AS last_value
FROM placed
WHERE k <= least(g // 2, (end_ms - start_ms) // step_ms)
GROUP BY series_id, k;

-- Windows for the counter functions (rate, increase, delta, resets) on series whose resets the
-- loader recorded (series_stats.resets_complete: samples that arrived in time order, every reset a
-- row of series_resets): the columns of promql_grid_windows without sorting the samples. A
-- window's count, first and last sample come, by `plan`, from promql_grid_counter_firstlast
-- ('grid': each sample copied into its windows, at most max_per_sample), promql_segment_copies
-- ('copies': each sample read once into its segment, each segment copied into at most
-- max_per_sample windows) or promql_segment_firstlast ('asof': each sample read once, windows by
-- ASOF joins over the segments); its resets from series_resets (promql_window_resets). prev_ts,
-- prev_value and changes are not computed (NULL): irate, idelta and changes use
-- promql_grid_windows.
CREATE OR REPLACE TEMP MACRO promql_counter_windows(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open,
                                                    plan, max_per_sample) AS TABLE
WITH w AS (
    SELECT * FROM promql_segment_firstlast(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open)
    WHERE plan = 'asof'
    UNION ALL
    SELECT * FROM promql_segment_copies(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open,
                                        max_per_sample)
    WHERE plan = 'copies'
    UNION ALL
    SELECT * FROM promql_grid_counter_firstlast(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open,
                                                max_per_sample)
    WHERE plan = 'grid'
)
SELECT w.series_id, start_ms + w.k * step_ms AS t,
       start_ms + w.k * step_ms - offset_ms - range_ms AS range_start,
       start_ms + w.k * step_ms - offset_ms AS range_end,
       range_ms::BIGINT AS range_ms, w.n, w.first_ts, w.first_value, w.last_ts, w.last_value,
       NULL::BIGINT AS prev_ts, NULL::DOUBLE AS prev_value,
       coalesce(r.resets, 0) AS resets, NULL::BIGINT AS changes,
       CASE WHEN r.resets IS NULL THEN 0.0 ELSE r.correction END AS correction
FROM w
LEFT JOIN promql_window_resets(series_ids, start_ms, end_ms, step_ms, range_ms, offset_ms, left_open) r
    USING (series_id, k);
