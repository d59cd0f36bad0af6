-- Merges one import's intervals (temp.import_series_interval_state, temp.import_series_intervals,
-- temp.import_series_interval_checkpoints; src/store/series-intervals.ts) into
-- series_interval_state, series_intervals and series_interval_checkpoints. A series stays
-- complete when both parts were and every new sample comes after every old one (so the loader
-- dropped none of them as a repeat of an earlier time, repeated-samples.sql); the interval from
-- the old last finite sample to the new first one joins them. A series with more than
-- getvariable('interval_bins') distinct intervals becomes incomplete; of more than
-- getvariable('interval_checkpoints') checkpoints, evenly spaced ones are kept.
CREATE OR REPLACE TEMP TABLE merged_interval_state AS
SELECT i.series_id,
       CASE WHEN o.series_id IS NULL THEN i.complete
            ELSE coalesce(o.complete AND i.complete AND i.first_ts > o.last_ts, false) END AS complete,
       greatest(o.last_ts, i.last_ts) AS last_ts,
       greatest(o.last_finite_ts, i.last_finite_ts) AS last_finite_ts,
       i.first_finite_ts - o.last_finite_ts AS joint_interval,
       i.first_finite_ts AS joint_end,
       o.series_id IS NOT NULL AS appended
FROM temp.import_series_interval_state i
LEFT JOIN series_interval_state o USING (series_id);

-- What the new samples' counts start from: the old intervals, and the joint one.
CREATE OR REPLACE TEMP TABLE interval_offsets AS
WITH kept AS (
    SELECT * FROM temp.merged_interval_state WHERE complete AND appended
)
SELECT series_id, interval_ms, sum(n)::BIGINT AS n
FROM (SELECT o.series_id, o.interval_ms, o.n FROM series_intervals o SEMI JOIN kept USING (series_id)
      UNION ALL
      SELECT series_id, joint_interval, 1 FROM kept WHERE joint_interval IS NOT NULL)
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE merged_intervals AS
WITH kept AS (
    SELECT * FROM temp.merged_interval_state WHERE complete
), parts AS (
    SELECT o.* FROM series_intervals o SEMI JOIN kept USING (series_id)
    UNION ALL
    SELECT i.* FROM temp.import_series_intervals i SEMI JOIN kept USING (series_id)
    UNION ALL
    SELECT series_id, joint_interval, 1, joint_end, joint_end FROM kept WHERE joint_interval IS NOT NULL
)
SELECT series_id, interval_ms, sum(n)::BIGINT AS n, min(first_end) AS first_end, max(last_end) AS last_end
FROM parts
GROUP BY series_id, interval_ms;

UPDATE temp.merged_interval_state s SET complete = false
WHERE complete AND (SELECT count(*) FROM temp.merged_intervals b WHERE b.series_id = s.series_id)
                   > getvariable('interval_bins');

-- A new series' checkpoints as the loader took them. Of a series appended to: the old ones as
-- they were, and each new one counts the old intervals and the joint one too.
CREATE OR REPLACE TEMP TABLE merged_interval_checkpoints AS
WITH appended AS (
    SELECT series_id FROM temp.merged_interval_state WHERE complete AND appended
), new_points AS (
    SELECT DISTINCT series_id, ts FROM temp.import_series_interval_checkpoints SEMI JOIN appended USING (series_id)
), points AS (
    SELECT o.* FROM series_interval_checkpoints o SEMI JOIN appended USING (series_id)
    UNION ALL
    SELECT series_id, ts, interval_ms, sum(ends)::BIGINT
    FROM (SELECT i.* FROM temp.import_series_interval_checkpoints i SEMI JOIN appended USING (series_id)
          UNION ALL
          SELECT p.series_id, p.ts, f.interval_ms, f.n FROM new_points p JOIN temp.interval_offsets f USING (series_id))
    GROUP BY ALL
), numbered AS (
    SELECT *, dense_rank() OVER (PARTITION BY series_id ORDER BY ts) AS k FROM points
), counted AS (
    SELECT *, max(k) OVER (PARTITION BY series_id) AS points FROM numbered
)
SELECT i.* FROM temp.import_series_interval_checkpoints i
SEMI JOIN temp.merged_interval_state s ON s.series_id = i.series_id AND s.complete AND NOT s.appended
UNION ALL
SELECT series_id, ts, interval_ms, ends
FROM counted
-- every ⌈points / limit⌉-th, counted from the last
WHERE (points - k) % ceil(points / getvariable('interval_checkpoints'))::BIGINT = 0;

DELETE FROM series_interval_state WHERE series_id IN (SELECT series_id FROM temp.merged_interval_state);
DELETE FROM series_intervals WHERE series_id IN (SELECT series_id FROM temp.merged_interval_state);
DELETE FROM series_interval_checkpoints WHERE series_id IN (SELECT series_id FROM temp.merged_interval_state);

INSERT INTO series_interval_state
SELECT series_id, CASE WHEN complete THEN last_ts END, CASE WHEN complete THEN last_finite_ts END, complete
FROM temp.merged_interval_state ORDER BY series_id;
INSERT INTO series_intervals
SELECT b.* FROM temp.merged_intervals b
SEMI JOIN temp.merged_interval_state s ON s.series_id = b.series_id AND s.complete
ORDER BY b.series_id, b.interval_ms;
INSERT INTO series_interval_checkpoints
SELECT c.* FROM temp.merged_interval_checkpoints c
SEMI JOIN temp.merged_interval_state s ON s.series_id = c.series_id AND s.complete
ORDER BY c.series_id, c.ts, c.interval_ms;

DROP TABLE temp.merged_interval_checkpoints;
DROP TABLE temp.merged_intervals;
DROP TABLE temp.interval_offsets;
DROP TABLE temp.merged_interval_state;
DROP TABLE temp.import_series_interval_state;
DROP TABLE temp.import_series_intervals;
DROP TABLE temp.import_series_interval_checkpoints;
