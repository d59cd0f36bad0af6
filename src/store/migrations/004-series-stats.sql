-- Schema version 4: statistics per series, kept by the loader as the samples arrive
-- (src/store/series-stats.ts), so the steps after an import (process identity and roles,
-- src/store/processes/) read these few rows instead of the samples, and PromQL's rate() and
-- increase() find counter resets without sorting the samples. Over the non-NULL values (NULL is
-- a staleness marker); DuckDB orders NaN above every number, so NaN counts as > 0 and max_value
-- is NaN once any value is NaN. A file of an older version gets them from its samples (with
-- resets_complete false: its series take the sort).
CREATE TABLE IF NOT EXISTS series_stats (
    series_id           INTEGER NOT NULL,
    samples             BIGINT  NOT NULL,  -- non-NULL values
    first_ts            BIGINT,            -- first and last ts of a non-NULL value
    last_ts             BIGINT,
    first_positive_ts   BIGINT,            -- first and last ts of a value > 0
    last_positive_ts    BIGINT,
    max_value           DOUBLE,
    min_positive_finite DOUBLE,            -- the smallest finite value > 0
    -- true: the samples arrived in strictly increasing time, and every reset (a non-NULL value
    -- below the previous non-NULL one, neither NaN) is a row of series_resets
    resets_complete     BOOLEAN NOT NULL,
    last_value          DOUBLE             -- the value at last_ts
);

CREATE TABLE IF NOT EXISTS series_resets (
    series_id  INTEGER NOT NULL,
    ts         BIGINT  NOT NULL,           -- the sample below its predecessor
    prev_ts    BIGINT  NOT NULL,           -- the predecessor
    prev_value DOUBLE  NOT NULL
);

INSERT INTO series_stats
SELECT series_id,
       count(value),
       min(ts) FILTER (WHERE value IS NOT NULL),
       max(ts) FILTER (WHERE value IS NOT NULL),
       min(ts) FILTER (WHERE value > 0),
       max(ts) FILTER (WHERE value > 0),
       max(value),
       min(value) FILTER (WHERE value > 0 AND isfinite(value)),
       false,
       arg_max(value, ts) FILTER (WHERE value IS NOT NULL)
FROM samples
WHERE series_id NOT IN (SELECT series_id FROM series_stats)
GROUP BY series_id;
