-- CPU: each process's own counter, reset-aware, then summed over processes — never sum then
-- rate (docs/design.md, design fact 3). A sample's increase is its value minus the previous one, or its
-- whole value when it is lower (the counter restarted from 0, as Prometheus' increase() treats
-- resets). A per-process counter starts at 0 when its process starts, so when the start is
-- known (/proc's start time, process-exporter's oldest_start_time_seconds) and lies within the
-- data (no earlier than pool_first_sample_window_ms() before the deployment's first observed
-- process), the first sample's whole value is its first increase, from the start on — however
-- long after the start it came (Prometheus 3 counts from a created timestamp alike). A process
-- that was running before the data began counts from its second sample.
-- An increase is spread evenly over its interval (from_ts, to_ts].
CREATE OR REPLACE TEMP MACRO pool_overlap(from_ts, to_ts, a, b) AS
    CASE WHEN to_ts <= from_ts THEN (CASE WHEN to_ts > a AND to_ts <= b THEN 1.0 ELSE 0.0 END)
         ELSE greatest(0, least(to_ts, b) - greatest(from_ts, a)) / (to_ts - from_ts) END;

-- An increase of a CPU counter, from a sample and its predecessor and the series' row of
-- pool_cpu_series: its CPU seconds, where its interval starts, and whether it counts at all (a
-- first sample counts only from a start within the data: from_start).
CREATE OR REPLACE TEMP MACRO pool_cpu_increase(value, prev_value, prev_ts, scale) AS
    CASE WHEN prev_ts IS NULL THEN value * scale
         WHEN value >= prev_value THEN value * scale - prev_value * scale
         ELSE value * scale END;
CREATE OR REPLACE TEMP MACRO pool_cpu_from(prev_ts, process_start_ts) AS coalesce(prev_ts, process_start_ts);
CREATE OR REPLACE TEMP MACRO pool_cpu_counted(ts, prev_ts, process_start_ts, from_start) AS
    prev_ts IS NOT NULL OR (from_start AND ts >= process_start_ts);
-- The bucket of a time, not clamped to the grid.
CREATE OR REPLACE TEMP MACRO pool_bucket_of(t, t0, step_ms) AS floor((t - t0) / step_ms)::BIGINT;

-- The chosen CPU counters with their process, an integer per process (process_id, for readers
-- that sum per process) and their grid: every CPU figure below starts from these rows. With
-- them, as `reaped` rows, each process's counter of its reaped children's CPU (/proc's
-- cutime/cstime, where the data has it): it counts under its process, in the role of the
-- children (a master's children are its workers), and only for the part its children used
-- after their last sample (pool_reaped_increases).
CREATE OR REPLACE TEMP TABLE pool_cpu_series AS
SELECT ps.series_id, ps.deployment, ps.process,
       CASE WHEN ps.quantity = 'children_cpu_seconds' AND ps.role = 'master' THEN 'worker' ELSE ps.role END AS role,
       ps.cpu_mode,
       dense_rank() OVER (ORDER BY ps.deployment, ps.process) AS process_id,
       ps.scale, ps.process_start_ts, g.t0, g.step_ms, g.buckets,
       ps.quantity = 'children_cpu_seconds' AS reaped,
       coalesce(ps.process_start_ts >= o.observed_from - pool_first_sample_window_ms(), false) AS from_start
FROM pool_process_series ps
JOIN pool_grid g USING (deployment)
JOIN (SELECT deployment, min(first_seen) AS observed_from FROM pool_processes GROUP BY ALL) o USING (deployment)
WHERE ps.chosen AND ps.quantity IN ('cpu_seconds', 'children_cpu_seconds');

-- Every CPU counter of the model, per bucket of its grid (not clamped to the grid: samples
-- before its start or after its end have buckets too): how many finite samples, the first and
-- the last. A hash aggregate, one pass over the samples and no sort: for the counters the loader
-- saw in order, these rows, with the resets it recorded, are all the increases need
-- (pool_cpu_increases).
CREATE OR REPLACE TEMP TABLE pool_cpu_buckets AS
SELECT x.series_id, pool_bucket_of(x.ts, s.t0, s.step_ms) AS bucket, count(*) AS n,
       min(x.ts) AS first_ts, arg_min(x.value, x.ts) AS first_value,
       max(x.ts) AS last_ts, arg_max(x.value, x.ts) AS last_value
FROM samples x
JOIN pool_cpu_series s USING (series_id)
JOIN series_stats st USING (series_id)
WHERE NOT s.reaped AND st.resets_complete AND isfinite(st.max_value)
  AND x.value IS NOT NULL AND isfinite(x.value)
GROUP BY ALL;

-- The counters read per bucket (pool_cpu_buckets): their samples arrived in strictly increasing
-- time and every reset is a row of series_resets (series_stats.resets_complete), and all their
-- values are finite (as many finite samples as non-NULL ones). So the order of arrival is the
-- order of time, no two samples share a time (arg_min/arg_max above have no ties), and a
-- bucket's increases add up to its last value − its first + the value before each reset inside.
CREATE OR REPLACE TEMP TABLE pool_cpu_in_order AS
SELECT b.series_id
FROM pool_cpu_buckets b
JOIN series_stats st USING (series_id)
GROUP BY b.series_id, st.samples
HAVING sum(b.n) = st.samples;

-- The other counters sample by sample, each with its predecessor (a sort of their samples
-- only; ties on ts ordered by value): the counters whose samples came out of order or with
-- NaN or ±Inf (left out here: not measurements), or whose resets were too many to record, and
-- the reaped-children counters that ever rise (pool_reaped_increases reads them in order).
CREATE OR REPLACE TEMP TABLE pool_cpu_steps AS
SELECT x.series_id, x.ts, x.value, lag(x.ts) OVER c AS prev_ts, lag(x.value) OVER c AS prev_value
FROM samples x
WHERE x.series_id IN (SELECT s.series_id FROM pool_cpu_series s JOIN series_stats st USING (series_id)
                      WHERE CASE WHEN s.reaped THEN st.max_value > 0
                                 ELSE s.series_id NOT IN (SELECT series_id FROM pool_cpu_in_order) END)
  AND x.value IS NOT NULL AND isfinite(x.value)
WINDOW c AS (PARTITION BY x.series_id ORDER BY x.ts, x.value);

-- The CPU a process's reaped children used after their last sample. The kernel adds a child's
-- whole CPU (its own and its reaped children's) to the parent's children counter when it reaps
-- it. At each sample k of that counter, X(k) = its rise since the process started (or since
-- its first sample, when it started before the data) less the last sampled CPU of every child
-- whose last sample came before sample k: CPU that no sample of a child shows (used after its
-- last sample, or by a child born and reaped between two samples). One snapshot reads a child
-- and its parent one after the other, so a child can be gone before its parent's counter shows
-- it (X dips for one interval) or the reverse: the reaped CPU until sample k is therefore
-- E(k) = max(0, min over j >= k of X(j)), and each rise of E counts over its interval.
-- A child: a process of the deployment whose parent pid is this process's, started after it; a
-- child's CPU seen only by a source that does not know its parent counts twice. Only the
-- counters that ever rise are read (series_stats: most processes reap no child).
CREATE OR REPLACE TEMP TABLE pool_reaped_increases AS
WITH parents AS (
    SELECT s.series_id, s.deployment, s.process, s.cpu_mode, s.scale, s.process_start_ts, s.from_start,
           p.pid, p.start_ts
    FROM pool_cpu_series s
    JOIN pool_processes p USING (deployment, process)
    JOIN series_stats st USING (series_id)
    WHERE s.reaped AND st.max_value > 0
), child_last AS (
    -- each child's last sampled CPU of one mode, its own and its reaped children's
    SELECT pa.series_id AS parent_series_id, c.process,
           max(st.last_ts) FILTER (WHERE NOT cs.reaped) AS last_ts,
           sum(st.last_value * cs.scale) AS cpu_seconds
    FROM parents pa
    JOIN pool_processes c ON c.deployment = pa.deployment AND c.ppid = pa.pid
         AND c.start_ts >= pa.start_ts AND c.process <> pa.process
    JOIN pool_cpu_series cs ON cs.deployment = c.deployment AND cs.process = c.process
         AND cs.cpu_mode IS NOT DISTINCT FROM pa.cpu_mode
    JOIN series_stats st ON st.series_id = cs.series_id
    GROUP BY ALL
), x AS (
    SELECT x.series_id, x.ts, x.prev_ts,
           x.value * pa.scale
             - CASE WHEN pa.from_start THEN 0 ELSE first_value(x.value * pa.scale) OVER w END
             - coalesce((SELECT sum(c.cpu_seconds) FROM child_last c
                         WHERE c.parent_series_id = x.series_id AND c.last_ts < x.ts), 0) AS x
    FROM pool_cpu_steps x
    JOIN parents pa USING (series_id)
    WINDOW w AS (PARTITION BY x.series_id ORDER BY x.ts)
), e AS (
    SELECT *, greatest(0, min(x) OVER (PARTITION BY series_id ORDER BY ts
                                       ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)) AS e
    FROM x
), rises AS (
    SELECT series_id, prev_ts, ts, e - coalesce(lag(e) OVER (PARTITION BY series_id ORDER BY ts), 0) AS cpu_seconds
    FROM e
)
SELECT series_id, prev_ts, ts, false AS reset, cpu_seconds
FROM rises
WHERE cpu_seconds > 0;

-- Every increase, integer keys only (a view, read once, by pool_cpu_parts): of a counter read
-- per bucket, the increase into each bucket from the last sample of the one before it (or, for
-- its first sample, from its process's start), and the increases inside each bucket as one
-- row; of the other counters one row per increase. `resets`: how many of the row's increases
-- are resets. first_bucket..last_bucket: the grid's buckets the interval touches;
-- within_bucket: it has a length and lies inside one bucket (then first_bucket = last_bucket =
-- that bucket, even outside the grid); never the few reaped children's increases, so that
-- pool_window_cpu never reads those again from the samples.
CREATE OR REPLACE TEMP VIEW pool_cpu_increases AS
WITH edges AS (
    SELECT b.*, lag(b.last_ts) OVER w AS prev_ts, lag(b.last_value) OVER w AS prev_value
    FROM pool_cpu_buckets b
    WHERE b.series_id IN (SELECT series_id FROM pool_cpu_in_order)
    WINDOW w AS (PARTITION BY b.series_id ORDER BY b.bucket)
), inner_resets AS (
    -- the resets between two samples of one bucket
    SELECT r.series_id, pool_bucket_of(r.ts, s.t0, s.step_ms) AS bucket, count(*) AS resets,
           sum(r.prev_value * s.scale) AS reset_seconds
    FROM series_resets r
    JOIN pool_cpu_series s USING (series_id)
    WHERE r.series_id IN (SELECT series_id FROM pool_cpu_in_order)
      AND pool_bucket_of(r.prev_ts, s.t0, s.step_ms) = pool_bucket_of(r.ts, s.t0, s.step_ms)
    GROUP BY ALL
), steps AS (
    -- each sample with its predecessor: a bucket's first sample (its predecessor the last of
    -- the bucket before) and every sample of the counters read sample by sample
    SELECT series_id, first_ts AS ts, first_value AS value, prev_ts, prev_value FROM edges
    UNION ALL
    SELECT series_id, ts, value, prev_ts, prev_value FROM pool_cpu_steps
), i AS (
    SELECT x.series_id, s.t0, s.step_ms, s.buckets,
           pool_cpu_from(x.prev_ts, s.process_start_ts) AS from_ts,
           x.ts AS to_ts,
           pool_cpu_increase(x.value, x.prev_value, x.prev_ts, s.scale) AS cpu_seconds,
           (x.prev_ts IS NOT NULL AND x.value < x.prev_value)::INTEGER AS resets,
           false AS reaped
    FROM steps x
    JOIN pool_cpu_series s USING (series_id)
    WHERE NOT s.reaped AND pool_cpu_counted(x.ts, x.prev_ts, s.process_start_ts, s.from_start)
    UNION ALL
    SELECT e.series_id, s.t0, s.step_ms, s.buckets, e.first_ts, e.last_ts,
           e.last_value * s.scale - e.first_value * s.scale + coalesce(r.reset_seconds, 0),
           coalesce(r.resets, 0), false
    FROM edges e
    JOIN pool_cpu_series s USING (series_id)
    LEFT JOIN inner_resets r USING (series_id, bucket)
    WHERE e.n > 1
    UNION ALL
    SELECT r.series_id, s.t0, s.step_ms, s.buckets, pool_cpu_from(r.prev_ts, s.process_start_ts), r.ts,
           r.cpu_seconds, r.reset::INTEGER, true
    FROM pool_reaped_increases r
    JOIN pool_cpu_series s USING (series_id)
), b AS (
    SELECT *, pool_bucket_of(from_ts, t0, step_ms) AS from_bucket, pool_bucket_of(to_ts, t0, step_ms) AS to_bucket,
           NOT reaped AND pool_bucket_of(from_ts, t0, step_ms) = pool_bucket_of(to_ts, t0, step_ms)
             AND to_ts > from_ts AS within_bucket
    FROM i
)
SELECT series_id, from_ts, to_ts, cpu_seconds, resets, within_bucket,
       CASE WHEN within_bucket THEN from_bucket ELSE greatest(0, from_bucket) END AS first_bucket,
       CASE WHEN within_bucket THEN to_bucket ELSE least(buckets - 1, to_bucket) END AS last_bucket
FROM b;

-- The increases, summed where they lie inside one bucket: one row per series and bucket for
-- those (from_ts, to_ts: the earliest start and the latest end among them), one row per
-- interval for the others (across a bucket edge, or of zero length). A tenth of the rows or
-- fewer, and every figure below reads these: per bucket, per process, and over windows, where
-- a bucket's sum counts whole when the window holds all of its increases (pool_window_cpu).
CREATE OR REPLACE TEMP TABLE pool_cpu_parts AS
SELECT series_id, first_bucket, last_bucket, within_bucket,
       min(from_ts) AS from_ts, max(to_ts) AS to_ts,
       exact_sum(cpu_seconds) AS cpu_seconds,
       sum(resets)::BIGINT AS resets
FROM pool_cpu_increases
GROUP BY series_id, first_bucket, last_bucket, within_bucket,
         CASE WHEN within_bucket THEN NULL ELSE from_ts END,
         CASE WHEN within_bucket THEN NULL ELSE to_ts END;

-- CPU seconds inside windows, exact: each increase counts with the part of its interval inside
-- the window (pool_overlap). `windows` names a relation of (window_id, series_id, a, b): one
-- row per window and CPU series it covers. A bucket's sum counts whole when the window holds
-- from its earliest start to its latest end, and not at all when they are outside; only a
-- bucket with a window edge among its increases is read increase by increase.
CREATE OR REPLACE TEMP MACRO pool_window_cpu(windows) AS TABLE
WITH w AS (
    SELECT * FROM query_table(windows)
), parts AS (
    SELECT w.window_id, w.series_id, w.a, w.b, p.first_bucket, p.from_ts, p.to_ts,
           CASE WHEN NOT p.within_bucket THEN p.cpu_seconds * pool_overlap(p.from_ts, p.to_ts, w.a, w.b)
                WHEN p.from_ts >= w.a AND p.to_ts <= w.b THEN p.cpu_seconds
                WHEN p.to_ts <= w.a OR p.from_ts >= w.b THEN 0 END AS cpu_seconds
    FROM w
    JOIN pool_cpu_parts p ON p.series_id = w.series_id AND p.to_ts > w.a AND p.from_ts <= w.b
), spans AS (
    SELECT DISTINCT window_id, series_id, first_bucket, from_ts, to_ts, a, b FROM parts WHERE cpu_seconds IS NULL
), span_samples AS (
    -- the increases of such a bucket, from the samples in its span (a join on the series and a
    -- range of times, so only those samples are read), each with its predecessor in the span;
    -- the span's first sample has none in it: it is the start of the bucket's first increase,
    -- unless the span starts before it (at its process's start: the series' first sample)
    SELECT u.window_id, u.first_bucket, u.a, u.b, x.series_id, x.ts, x.value,
           lag(x.ts) OVER w AS prev_ts, lag(x.value) OVER w AS prev_value, u.from_ts AS span_from
    FROM spans u
    JOIN samples x ON x.series_id = u.series_id AND x.ts >= u.from_ts AND x.ts <= u.to_ts
    WHERE x.value IS NOT NULL AND isfinite(x.value)
    WINDOW w AS (PARTITION BY u.window_id, u.series_id, u.first_bucket ORDER BY x.ts, x.value)
), split AS (
    SELECT u.window_id,
           pool_cpu_increase(u.value, u.prev_value, u.prev_ts, s.scale)
             * pool_overlap(pool_cpu_from(u.prev_ts, s.process_start_ts), u.ts, u.a, u.b) AS cpu_seconds
    FROM span_samples u
    JOIN pool_cpu_series s ON s.series_id = u.series_id
    WHERE (u.prev_ts IS NOT NULL OR u.ts > u.span_from)
      AND pool_cpu_counted(u.ts, u.prev_ts, s.process_start_ts, s.from_start)
      AND pool_cpu_from(u.prev_ts, s.process_start_ts) < u.ts
      AND pool_bucket_of(pool_cpu_from(u.prev_ts, s.process_start_ts), s.t0, s.step_ms) = u.first_bucket
      AND pool_bucket_of(u.ts, s.t0, s.step_ms) = u.first_bucket
)
SELECT window_id, exact_sum(cpu_seconds) AS cpu_seconds
FROM (SELECT window_id, cpu_seconds FROM parts WHERE cpu_seconds IS NOT NULL
      UNION ALL
      SELECT window_id, cpu_seconds FROM split)
GROUP BY window_id;

-- CPU seconds per process, CPU mode and bucket, as shares to be summed: a bucket's sum of a
-- series (its increases inside the bucket), and each increase across bucket edges split over
-- the buckets it touches (first_bucket .. last_bucket, usually two; pool_overlap). Several rows
-- per series and bucket: readers sum them with exact_sum() (src/models/006-aggregates.sql: the
-- same result in any order of addition, so on any number of threads), per process on the
-- integer process_id. A view, not a table: its two readers aggregate it at once.
CREATE OR REPLACE TEMP VIEW pool_process_cpu AS
WITH shares AS (
    SELECT p.series_id, p.first_bucket AS bucket, p.cpu_seconds
    FROM pool_cpu_parts p
    JOIN pool_cpu_series g USING (series_id)
    WHERE p.within_bucket AND p.first_bucket BETWEEN 0 AND g.buckets - 1
    UNION ALL
    SELECT p.series_id, p.first_bucket,
           p.cpu_seconds * pool_overlap(p.from_ts, p.to_ts, g.t0 + p.first_bucket * g.step_ms,
                                        g.t0 + (p.first_bucket + 1) * g.step_ms)
    FROM pool_cpu_parts p
    JOIN pool_cpu_series g USING (series_id)
    WHERE NOT p.within_bucket AND p.last_bucket >= p.first_bucket
    UNION ALL
    SELECT p.series_id, p.first_bucket + 1,
           p.cpu_seconds * pool_overlap(p.from_ts, p.to_ts, g.t0 + (p.first_bucket + 1) * g.step_ms,
                                        g.t0 + (p.first_bucket + 2) * g.step_ms)
    FROM pool_cpu_parts p
    JOIN pool_cpu_series g USING (series_id)
    WHERE NOT p.within_bucket AND p.last_bucket >= p.first_bucket + 1
    UNION ALL
    SELECT series_id, bucket, cpu_seconds * pool_overlap(from_ts, to_ts, t0 + bucket * step_ms, t0 + (bucket + 1) * step_ms)
    FROM (SELECT p.series_id, p.from_ts, p.to_ts, p.cpu_seconds, g.t0, g.step_ms,
                 unnest(range(p.first_bucket + 2, p.last_bucket + 1)) AS bucket
          FROM pool_cpu_parts p
          JOIN pool_cpu_series g USING (series_id)
          WHERE NOT p.within_bucket AND p.last_bucket >= p.first_bucket + 2)
)
SELECT s.deployment, s.process, s.process_id, s.role, s.cpu_mode, s.reaped, c.series_id, c.bucket, c.cpu_seconds
FROM shares c
JOIN pool_cpu_series s USING (series_id);

-- Cores used per bucket by the whole deployment (master, workers, helpers and others), by role
-- and by CPU mode. A deployment with no per-process CPU counter (psrecord only) takes the
-- whole-tree cores of its tree-scope source instead.
CREATE OR REPLACE TEMP TABLE pool_cpu AS
WITH per_kind AS (
    SELECT deployment, bucket, role, cpu_mode, exact_sum(cpu_seconds) AS cpu_seconds
    FROM pool_process_cpu
    GROUP BY ALL
), per_process AS (
    SELECT deployment, bucket,
           exact_sum(cpu_seconds) AS cpu_seconds,
           exact_sum(CASE WHEN role = 'master' THEN cpu_seconds END) AS master_seconds,
           exact_sum(CASE WHEN role = 'worker' THEN cpu_seconds END) AS worker_seconds,
           exact_sum(CASE WHEN role = 'helper' THEN cpu_seconds END) AS helper_seconds,
           exact_sum(CASE WHEN cpu_mode = 'user' THEN cpu_seconds END) AS user_seconds,
           exact_sum(CASE WHEN cpu_mode = 'system' THEN cpu_seconds END) AS system_seconds
    FROM per_kind
    GROUP BY ALL
), tree AS (
    SELECT q.deployment, b.bucket, exact_avg(x.value * q.scale) AS cores
    FROM pool_quantity_series q
    JOIN samples x USING (series_id)
    JOIN pool_buckets b ON b.deployment = q.deployment AND x.ts >= b.bucket_start AND x.ts < b.bucket_end
    WHERE q.scope = 'tree' AND q.quantity = 'cpu_cores' AND x.value IS NOT NULL AND isfinite(x.value)
      AND q.deployment NOT IN (SELECT deployment FROM pool_cpu_series
                               WHERE series_id IN (SELECT series_id FROM pool_cpu_parts))
    GROUP BY ALL
)
SELECT b.deployment, b.bucket, b.bucket_start, b.bucket_end,
       coalesce(p.cpu_seconds / (b.step_ms / 1000), t.cores) AS cores,
       p.master_seconds / (b.step_ms / 1000) AS master_cores,
       p.worker_seconds / (b.step_ms / 1000) AS worker_cores,
       p.helper_seconds / (b.step_ms / 1000) AS helper_cores,
       p.user_seconds / (b.step_ms / 1000) AS user_cores,
       p.system_seconds / (b.step_ms / 1000) AS system_cores
FROM pool_buckets b
LEFT JOIN per_process p USING (deployment, bucket)
LEFT JOIN tree t USING (deployment, bucket)
WHERE p.cpu_seconds IS NOT NULL OR t.cores IS NOT NULL;
