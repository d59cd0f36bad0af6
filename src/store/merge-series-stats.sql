-- Merges one import's series statistics and resets (temp.import_series_stats with the value of
-- the first sample to arrive, temp.import_series_resets; src/store/series-stats.ts) into
-- series_stats and series_resets: a series that already had samples keeps one row over all of
-- them. Its resets stay complete when both parts were and the new samples all come after the
-- old ones; a new first value below the old last value is one more reset.
CREATE OR REPLACE TEMP TABLE merged_series_stats AS
SELECT i.series_id,
       coalesce(o.samples, 0) + i.samples AS samples,
       least(o.first_ts, i.first_ts) AS first_ts,
       greatest(o.last_ts, i.last_ts) AS last_ts,
       least(o.first_positive_ts, i.first_positive_ts) AS first_positive_ts,
       greatest(o.last_positive_ts, i.last_positive_ts) AS last_positive_ts,
       -- the larger, NaN above every number (as DuckDB's max() orders it)
       CASE WHEN o.max_value IS NULL THEN i.max_value
            WHEN i.max_value IS NULL THEN o.max_value
            WHEN isnan(o.max_value) OR isnan(i.max_value) THEN 'nan'::DOUBLE
            ELSE greatest(o.max_value, i.max_value) END AS max_value,
       least(o.min_positive_finite, i.min_positive_finite) AS min_positive_finite,
       CASE WHEN coalesce(o.samples, 0) = 0 THEN i.resets_complete
            WHEN i.samples = 0 THEN o.resets_complete
            ELSE o.resets_complete AND i.resets_complete AND i.first_ts > o.last_ts END AS resets_complete,
       CASE WHEN coalesce(o.samples, 0) = 0 OR i.last_ts > o.last_ts THEN i.last_value ELSE o.last_value END AS last_value,
       -- the reset where the new samples join the old ones, if any
       -- (as PromQL compares: false when either is NaN, which DuckDB would order above every number)
       o.samples > 0 AND i.samples > 0 AND i.first_ts > o.last_ts
         AND NOT isnan(i.first_value) AND NOT isnan(o.last_value) AND i.first_value < o.last_value AS joint_reset,
       i.first_ts AS joint_ts, o.last_ts AS joint_prev_ts, o.last_value AS joint_prev_value
FROM temp.import_series_stats i
LEFT JOIN series_stats o USING (series_id);

DELETE FROM series_stats WHERE series_id IN (SELECT series_id FROM temp.import_series_stats);
INSERT INTO series_stats
SELECT series_id, samples, first_ts, last_ts, first_positive_ts, last_positive_ts, max_value,
       min_positive_finite, resets_complete, last_value
FROM temp.merged_series_stats ORDER BY series_id;

-- Resets are kept only for series whose resets are complete.
DELETE FROM series_resets
WHERE series_id IN (SELECT series_id FROM temp.merged_series_stats WHERE NOT resets_complete);
INSERT INTO series_resets
SELECT r.* FROM temp.import_series_resets r
JOIN temp.merged_series_stats m USING (series_id)
WHERE m.resets_complete
UNION ALL
SELECT series_id, joint_ts, joint_prev_ts, joint_prev_value FROM temp.merged_series_stats
WHERE resets_complete AND joint_reset
ORDER BY 1, 2;

DROP TABLE temp.merged_series_stats;
DROP TABLE temp.import_series_stats;
DROP TABLE temp.import_series_resets;
