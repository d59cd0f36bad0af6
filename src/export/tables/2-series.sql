-- The series table as exported (trace-analyze export).
SELECT * FROM series ORDER BY series_id
