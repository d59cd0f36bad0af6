-- Moves one staging file of samples (src/store/sample-stage.ts) into the samples table.
-- DuckDB reads the file's row groups in parallel; ts arrives as integer milliseconds in a DOUBLE.
INSERT INTO samples
SELECT series_id, ts::BIGINT, value
FROM read_parquet($path);
