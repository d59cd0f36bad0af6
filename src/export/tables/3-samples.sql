-- The samples table as exported (trace-analyze export); NULL values are staleness markers.
SELECT * FROM samples ORDER BY series_id, ts
