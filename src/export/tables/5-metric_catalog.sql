-- The metric catalog as exported (trace-analyze export).
SELECT * FROM metric_catalog ORDER BY ALL
