-- Connection settings the models rely on.
-- DuckDB plans an ASOF join as a nested loop when it estimates the probe side below this many
-- rows; the step × series side of promql_range_windows / promql_instant is built by unnest(),
-- which DuckDB estimates as tiny, and a nested loop over millions of samples takes minutes.
SET asof_loop_join_threshold = 0;
