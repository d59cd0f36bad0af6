-- Schema version 7: the intervals between consecutive finite samples of each series (NULL, NaN
-- and ±Inf left out), counted by the loader as the samples arrive (src/store/series-intervals.ts),
-- so the report's histogram of scrape intervals (pool_interval_counts) needs no sort of the
-- samples. A file of an older version has no intervals: its series are marked incomplete and
-- take the sort.
CREATE TABLE IF NOT EXISTS series_interval_state (
    series_id      INTEGER NOT NULL,
    -- of a complete series: its latest sample, whatever its value (a stale marker too), and its
    -- latest finite sample
    last_ts        BIGINT,
    last_finite_ts BIGINT,
    -- true: the samples arrived in strictly increasing time and have few distinct intervals;
    -- series_intervals holds every interval between its finite samples
    complete       BOOLEAN NOT NULL
);

-- The intervals of one length (interval_ms) in one series whose state is complete: how many,
-- the first and last end (the later sample of the two).
CREATE TABLE IF NOT EXISTS series_intervals (
    series_id   INTEGER NOT NULL,
    interval_ms BIGINT  NOT NULL,
    n           BIGINT  NOT NULL,
    first_end   BIGINT  NOT NULL,
    last_end    BIGINT  NOT NULL
);

-- Checkpoints of a complete series, at some of its finite samples (ts): how many intervals of
-- each length ended at or before it (a length with none has no row). The intervals ending at or
-- before any later time are these and those among the samples from the checkpoint on.
CREATE TABLE IF NOT EXISTS series_interval_checkpoints (
    series_id   INTEGER NOT NULL,
    ts          BIGINT  NOT NULL,
    interval_ms BIGINT  NOT NULL,
    ends        BIGINT  NOT NULL
);

INSERT INTO series_interval_state
SELECT series_id, NULL, NULL, false FROM series_stats
WHERE series_id NOT IN (SELECT series_id FROM series_interval_state);
