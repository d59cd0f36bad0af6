-- Data-quality warnings: what an importer recorded, quantities a deployment lacks, and gaps
-- in a process's CPU counter longer than 3 times its median scrape interval (the longest gap
-- of the process's counters, with that counter's typical interval).
CREATE OR REPLACE TEMP VIEW report_warnings AS
WITH recorded AS (
    SELECT deployment, path || ': ' || unnest(warnings) AS message FROM imports
), wanted(quantity, meaning) AS (
    VALUES ('cpu_seconds', 'per-process CPU seconds'), ('rss_bytes', 'per-process RSS'),
           ('pss_bytes', 'per-process PSS (RSS sums double-count shared pages)'),
           ('uss_bytes', 'per-process USS (private memory, needed for the shared fraction)')
), missing AS (
    SELECT d.deployment, 'no ' || w.meaning || ' in this deployment''s data' AS message
    FROM report_deployment_span d CROSS JOIN wanted w
    WHERE NOT EXISTS (SELECT 1 FROM report_quantity_series q
                      WHERE q.deployment = d.deployment AND q.quantity = w.quantity AND q.scope = 'process')
), counts AS (
    -- each counter's intervals as a histogram (few distinct values), its median from that
    -- (median_from_counts, src/models/006-aggregates.sql)
    SELECT series_id, ts - prev_ts AS gap_ms, count(*) AS n
    FROM report_cpu_increase GROUP BY ALL
), cumulative AS (
    SELECT *, sum(n) OVER (PARTITION BY series_id ORDER BY gap_ms) AS cum,
           sum(n) OVER (PARTITION BY series_id) AS total
    FROM counts
), typical AS (
    SELECT series_id, median_from_counts(gap_ms, cum, total) AS typical_ms FROM cumulative GROUP BY series_id
), intervals AS (
    SELECT q.deployment, q.process, c.series_id, c.gap_ms, t.typical_ms
    FROM counts c JOIN typical t USING (series_id) JOIN report_quantity_series q USING (series_id)
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
