-- Merges one import's series statistics (temp.import_series_stats, src/store/series-stats.ts)
-- into series_stats: a series that already had samples keeps one row over all of them.
CREATE OR REPLACE TEMP TABLE merged_series_stats AS
SELECT series_id,
       sum(samples)::BIGINT AS samples,
       min(first_ts) AS first_ts,
       max(last_ts) AS last_ts,
       min(first_positive_ts) AS first_positive_ts,
       max(last_positive_ts) AS last_positive_ts,
       max(max_value) AS max_value,
       min(min_positive_finite) AS min_positive_finite
FROM (SELECT * FROM series_stats WHERE series_id IN (SELECT series_id FROM temp.import_series_stats)
      UNION ALL
      SELECT * FROM temp.import_series_stats)
GROUP BY series_id;

DELETE FROM series_stats WHERE series_id IN (SELECT series_id FROM temp.import_series_stats);
INSERT INTO series_stats SELECT * FROM temp.merged_series_stats ORDER BY series_id;
DROP TABLE temp.merged_series_stats;
DROP TABLE temp.import_series_stats;
