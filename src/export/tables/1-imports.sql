-- The imports table as exported (trace-analyze export).
SELECT * FROM imports ORDER BY import_id
