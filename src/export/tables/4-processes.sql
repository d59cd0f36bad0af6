-- The processes table as exported (trace-analyze export).
SELECT * FROM processes ORDER BY deployment, process_key
