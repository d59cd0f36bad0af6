-- Data-quality warnings: what an importer recorded, quantities a deployment lacks (no series of
-- the model gives them, pool_quantity_series), and gaps in a process's chosen CPU counter longer
-- than 3 times its median scrape interval (from the model's histogram of intervals,
-- pool_interval_counts: the longest gap of the process's counters, with that counter's typical
-- interval).
CREATE OR REPLACE TEMP VIEW report_warnings AS
WITH recorded AS (
    SELECT deployment, path || ': ' || unnest(warnings) AS message FROM imports
), wanted(quantity, meaning) AS (
    VALUES ('cpu_seconds', 'per-process CPU seconds'), ('rss_bytes', 'per-process RSS'),
           ('pss_bytes', 'per-process PSS (RSS sums double-count shared pages)'),
           ('uss_bytes', 'per-process USS (private memory, needed for the shared fraction)')
), missing AS (
    SELECT d.deployment, 'no ' || w.meaning || ' in this deployment''s data' AS message
    FROM pool_grid d CROSS JOIN wanted w
    WHERE NOT EXISTS (SELECT 1 FROM pool_quantity_series q
                      WHERE q.deployment = d.deployment AND q.quantity = w.quantity AND q.scope = 'process')
), counts AS (
    SELECT c.series_id, c.interval_ms AS gap_ms, c.n
    FROM pool_interval_counts c
    JOIN pool_cpu_series s USING (series_id)
    WHERE NOT s.reaped
), cumulative AS (
    SELECT *, sum(n) OVER (PARTITION BY series_id ORDER BY gap_ms) AS cum,
           sum(n) OVER (PARTITION BY series_id) AS total
    FROM counts
), typical AS (
    SELECT series_id, median_from_counts(gap_ms, cum, total) AS typical_ms FROM cumulative GROUP BY series_id
), intervals AS (
    SELECT s.deployment, n.name AS process, c.series_id, c.gap_ms, t.typical_ms
    FROM counts c
    JOIN typical t USING (series_id)
    JOIN pool_cpu_series s USING (series_id)
    JOIN report_process_names n ON n.deployment = s.deployment AND n.process = s.process
), gaps AS (
    SELECT deployment, 'scrape gap of ' || round(max(gap_ms) / 1000, 1) || ' s in the CPU counter of '
           || process || ' (typical interval ' || round(arg_max(typical_ms, (gap_ms, typical_ms)) / 1000, 1) || ' s)' AS message
    FROM intervals WHERE gap_ms > 3 * typical_ms
    GROUP BY deployment, process
)
SELECT deployment, message FROM recorded
UNION ALL SELECT deployment, message FROM missing
UNION ALL SELECT deployment, message FROM gaps
ORDER BY deployment, message;
