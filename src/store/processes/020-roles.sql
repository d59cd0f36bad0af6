-- Roles and pools of every process of one deployment (temp.process_params.deployment),
-- recomputed after each import. Two cases:
-- 1. The parent pid is known (/proc snapshots, collect): the process tree decides.
--    The parent of a process is the process with pid = its ppid that started no later than it
--    (so a reused pid is never mistaken for the parent). A process without a known parent is
--    the root of a server tree: role master. Its children are workers, except helpers —
--    multiprocessing's resource_tracker, forkserver and semaphore_tracker. Deeper descendants
--    (a worker's own subprocesses) are other. Pool (when not given with --pool): the master's
--    "comm:pid".
-- 2. No parent pid (Prometheus sources): within a pool, the process that started first is the
--    master; a process whose cmdline names a helper, or whose peak RSS is below a quarter of the
--    median peak RSS of the pool's other processes (a resource tracker next to app workers), is a
--    helper; the rest are workers. This is a heuristic; importing /proc snapshots of the same
--    deployment gives the tree instead.
CREATE OR REPLACE TEMP TABLE proc AS
SELECT * FROM processes WHERE deployment = (SELECT deployment FROM temp.process_params);

CREATE OR REPLACE TEMP TABLE tree AS
WITH parent AS (
    SELECT c.process_key, arg_max(p.process_key, coalesce(p.start_ts, -1)) AS parent_key
    FROM temp.proc c
    JOIN temp.proc p ON p.pid = c.ppid AND p.process_key <> c.process_key
         AND (p.start_ts IS NULL OR c.start_ts IS NULL OR p.start_ts <= c.start_ts)
    GROUP BY c.process_key
)
SELECT c.process_key, parent.parent_key
FROM temp.proc c LEFT JOIN parent USING (process_key)
WHERE c.ppid IS NOT NULL;

CREATE OR REPLACE TEMP TABLE walked AS
WITH RECURSIVE walk(process_key, root_key, depth) AS (
    SELECT process_key, process_key, 0 FROM temp.tree WHERE parent_key IS NULL
    UNION ALL
    SELECT t.process_key, w.root_key, w.depth + 1
    FROM temp.tree t JOIN walk w ON t.parent_key = w.process_key
    WHERE w.depth < 64
)
SELECT w.process_key, w.depth, r.comm || ':' || r.pid::VARCHAR AS root_pool
FROM walk w JOIN temp.proc r ON r.process_key = w.root_key;

CREATE OR REPLACE TEMP TABLE peak_rss AS
SELECT s.process_key, max(st.max_value) AS rss
FROM series s JOIN series_stats st USING (series_id)
WHERE s.deployment = (SELECT deployment FROM temp.process_params)
  AND s.process_key IS NOT NULL
  AND (s.metric = 'process_resident_memory_bytes'
       OR (s.metric = 'namedprocess_namegroup_memory_bytes' AND s.labels['memtype'] = 'resident'))
GROUP BY s.process_key;

CREATE OR REPLACE TEMP TABLE assigned AS
WITH treed AS (
    SELECT p.process_key,
           coalesce(p.pool, w.root_pool) AS pool,
           CASE WHEN w.depth = 0 THEN 'master'
                WHEN w.depth = 1 AND regexp_matches(coalesce(p.cmdline, ''),
                     'multiprocessing[./ ](resource_tracker|forkserver|semaphore_tracker)') THEN 'helper'
                WHEN w.depth = 1 THEN 'worker'
                ELSE 'other' END AS role
    FROM temp.proc p JOIN temp.walked w USING (process_key)
),
flat AS (
    SELECT p.*, r.rss,
           row_number() OVER (PARTITION BY p.pool ORDER BY coalesce(p.start_ts, p.first_seen), p.first_seen, p.pid) AS rank
    FROM temp.proc p LEFT JOIN temp.peak_rss r USING (process_key)
    WHERE p.process_key NOT IN (SELECT process_key FROM temp.walked)
),
typical AS (
    SELECT pool, median(rss) AS rss FROM flat WHERE rank > 1 GROUP BY pool
)
SELECT process_key, pool, role FROM treed
UNION ALL
SELECT f.process_key, f.pool,
       CASE WHEN f.rank = 1 THEN 'master'
            WHEN regexp_matches(coalesce(f.cmdline, ''),
                 'multiprocessing[./ ](resource_tracker|forkserver|semaphore_tracker)') THEN 'helper'
            WHEN f.rss IS NOT NULL AND t.rss IS NOT NULL AND f.rss < 0.25 * t.rss THEN 'helper'
            ELSE 'worker' END
FROM flat f LEFT JOIN typical t USING (pool);

UPDATE processes SET role = a.role, pool = a.pool
FROM temp.assigned a
WHERE processes.deployment = (SELECT deployment FROM temp.process_params)
  AND processes.process_key = a.process_key;

DROP TABLE temp.proc;
DROP TABLE temp.tree;
DROP TABLE temp.walked;
DROP TABLE temp.peak_rss;
DROP TABLE temp.assigned;
