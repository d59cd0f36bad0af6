-- Drops the samples of one import (rows after temp.repeat_scope.before: a transaction's new rows
-- come after every committed one, in the order they were inserted) that repeat a time their
-- series already had, in this import or an earlier one: the first sample at a time is kept, as
-- Prometheus keeps it (tsdb/head_append.go, memSeries.appendable). Only the series in
-- temp.repeat_scope are looked at: those that had samples before this import, or whose samples
-- arrived out of time order (src/store/loader.ts drops in-order repeats as they arrive).
-- Their statistics are then computed again from the samples kept, as migration 004 does
-- (resets_complete false: such a series takes the sort).
CREATE OR REPLACE TEMP TABLE repeated_samples AS
WITH pairs AS (
    SELECT series_id, ts FROM samples
    WHERE series_id IN (SELECT series_id FROM temp.repeat_scope)
    GROUP BY series_id, ts HAVING count(*) > 1
), ranked AS (
    SELECT s.rowid AS row_id, s.series_id,
           min(s.rowid) OVER (PARTITION BY s.series_id, s.ts) AS first_row,
           row_number() OVER (PARTITION BY s.series_id, s.ts ORDER BY s.rowid) AS rn
    FROM samples s SEMI JOIN pairs p ON s.series_id = p.series_id AND s.ts = p.ts
)
SELECT row_id, series_id, first_row <= (SELECT max(before) FROM temp.repeat_scope) AS of_earlier
FROM ranked
WHERE rn > 1 AND row_id > (SELECT max(before) FROM temp.repeat_scope);

DELETE FROM samples WHERE rowid IN (SELECT row_id FROM temp.repeated_samples);

DELETE FROM series_stats WHERE series_id IN (SELECT series_id FROM temp.repeated_samples);
DELETE FROM series_resets WHERE series_id IN (SELECT series_id FROM temp.repeated_samples);
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
WHERE series_id IN (SELECT DISTINCT series_id FROM temp.repeated_samples)
GROUP BY series_id
ORDER BY series_id;
