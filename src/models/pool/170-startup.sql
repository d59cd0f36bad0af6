-- Startup: when a process's start-up ends, the one definition every figure of start-up reads
-- (the pool's startup, each worker's, the start cost of every worker and replacement:
-- pool_worker_startup, and 185-lifecycle.sql from it). A process has settled when it finished
-- its startup work, found in the first interval between two samples of its CPU counters,
-- ending at or after its first live sample and followed by another such (a spawned worker may
-- idle a moment before it imports), in which it used less than pool_settle_cores() (re-importing
-- the app keeps a spawned worker near one full core until it is done) and its RSS grew slower
-- than pool_settle_rss_rate() (importing the app grows it by megabytes a second: on a starved
-- machine a worker imports for seconds at a few hundredths of a core, a level its CPU alone does
-- not tell from settled; without RSS, CPU alone decides), give or take one clock tick (a counter
-- moves in ticks: two ticks in a short first interval are not yet work; an interval too short
-- for one tick to show that level, under 0.2 s, tells nothing). Where within the intervals, at
-- the data's own resolution, see `detected` below. A process whose RSS stopped growing before
-- that (the first RSS sample from which it grew slower than pool_settle_rss_rate() over the next
-- two sampled stretches, after growing faster: `rss_stopped`) settled at that sample: it has
-- loaded what it serves with, and a worker that serves requests at once (a replacement started
-- under load) is busy with them, not with its start-up. The samples are read only around the
-- first bucket of the grid in which the process was below that level, so this costs a few
-- samples per process. With --ready (pool_ready), every process started before that time
-- settles at it. CPU before settling counts from the process's start.
CREATE OR REPLACE TEMP TABLE pool_process_settle AS
WITH per_id AS (
    SELECT process_id, bucket, any_value(deployment) AS deployment, any_value(process) AS process,
           exact_sum(cpu_seconds) AS cpu_seconds
    FROM pool_process_cpu
    WHERE NOT reaped
    GROUP BY process_id, bucket
), rss_steps AS (
    -- each bucket with an RSS sample of a process (its last one there), with the growth rate
    -- (bytes/s) since its last sample of the sampled bucket before, which covers the buckets
    -- from the one after that (unknown for its first), and the rate up to the next one
    SELECT key, deployment, process, bucket, coalesce(lag(bucket) OVER w + 1, bucket) AS from_bucket,
           lag(ts) OVER w AS prev_ts,
           1000 * (value - lag(value) OVER w) / nullif(ts - lag(ts) OVER w, 0) AS rate,
           1000 * (lead(value) OVER w - value) / nullif(lead(ts) OVER w - ts, 0) AS next_rate
    FROM pool_memory_last
    WHERE quantity = 'rss_bytes'
    WINDOW w AS (PARTITION BY key ORDER BY bucket)
), rss_grown AS (
    -- whether it grew at pool_settle_rss_rate() or faster in a stretch before this one
    SELECT *, bool_or(rate >= pool_settle_rss_rate()) OVER (PARTITION BY key ORDER BY bucket
                                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS grew
    FROM rss_steps
), rss_quiet AS (
    -- per process with RSS: the first bucket from which it grew slower than
    -- pool_settle_rss_rate() over two sampled stretches in a row (NULL: never), and the sample
    -- from which it did so after growing faster (it stopped loading: NULL when it never grew)
    SELECT any_value(deployment) AS deployment, any_value(process) AS process,
           min(from_bucket) FILTER (WHERE coalesce(rate, 0) < pool_settle_rss_rate()
                                      AND coalesce(next_rate, 0) < pool_settle_rss_rate()) AS from_bucket,
           min(prev_ts) FILTER (WHERE grew AND rate < pool_settle_rss_rate()
                                  AND next_rate < pool_settle_rss_rate()) AS stopped_ts
    FROM rss_grown
    GROUP BY key
), per_bucket AS (
    SELECT c.deployment, c.process, c.bucket, b.bucket_start, b.bucket_end, c.cpu_seconds / (b.step_ms / 1000) AS cores
    FROM per_id c
    JOIN pool_buckets b ON b.deployment = c.deployment AND b.bucket = c.bucket
), settling AS (
    -- per process: from its first live sample, and from the bucket its RSS stopped growing
    SELECT l.deployment, l.process, l.alive_from, r.process IS NOT NULL AS has_rss, r.from_bucket AS rss_from_bucket
    FROM pool_lifetimes l
    LEFT JOIN rss_quiet r USING (deployment, process)
), quiet_bucket AS (
    -- the first of two quiet buckets in a row (a spawned worker may idle a moment before it
    -- starts importing the application), once its RSS stopped growing
    SELECT c.deployment, c.process, min(c.bucket_start) AS bucket_start
    FROM (SELECT *, lead(cores) OVER (PARTITION BY deployment, process ORDER BY bucket_start) AS next_cores,
                 lead(bucket_start) OVER (PARTITION BY deployment, process ORDER BY bucket_start) AS next_start
          FROM per_bucket) c
    JOIN settling l USING (deployment, process)
    WHERE c.bucket_end > l.alive_from AND c.cores < pool_settle_cores()
      AND (c.next_start IS NULL OR c.next_start > c.bucket_end OR c.next_cores < pool_settle_cores())
      AND (NOT l.has_rss OR c.bucket >= l.rss_from_bucket)
    GROUP BY ALL
), rss_near AS (
    -- the process's RSS samples around that bucket (one value per time)
    SELECT q.deployment, q.process, x.ts, max(x.value * ps.scale) AS rss
    FROM quiet_bucket q
    JOIN pool_grid g ON g.deployment = q.deployment
    JOIN pool_process_series ps ON ps.deployment = q.deployment AND ps.process = q.process
         AND ps.chosen AND ps.quantity = 'rss_bytes'
    JOIN samples x ON x.series_id = ps.series_id
         AND x.ts > q.bucket_start - 4 * g.step_ms AND x.ts <= q.bucket_start + 3 * g.step_ms
    WHERE x.value IS NOT NULL AND isfinite(x.value)
    GROUP BY ALL
), near_series AS (
    SELECT q.deployment, q.process, s.series_id, s.scale, s.process_start_ts, s.from_start,
           q.bucket_start - 3 * s.step_ms AS from_ts, q.bucket_start + 3 * s.step_ms AS to_ts
    FROM quiet_bucket q
    JOIN pool_cpu_series s ON s.deployment = q.deployment AND s.process = q.process AND NOT s.reaped
), near_before AS (
    -- where the last sample before those lies: at or after the first sample of the last bucket
    -- that starts before them (pool_cpu_buckets; without one, anywhere before)
    SELECT n.series_id, n.from_ts, max(b.first_ts) AS after_ts
    FROM near_series n
    JOIN pool_cpu_buckets b ON b.series_id = n.series_id AND b.first_ts <= n.from_ts
    GROUP BY ALL
), near_samples AS (
    -- the samples of the process's own counters around that bucket, and the last one before
    -- (a join on the series and a range of times: a few samples per process, no sort of all)
    SELECT n.deployment, n.process, n.series_id, x.ts, x.value
    FROM near_series n
    JOIN samples x ON x.series_id = n.series_id AND x.ts > n.from_ts AND x.ts <= n.to_ts
    WHERE x.value IS NOT NULL AND isfinite(x.value)
    UNION ALL
    SELECT deployment, process, series_id, last.ts, last.value
    FROM (SELECT n.deployment, n.process, n.series_id, max({'ts': x.ts, 'value': x.value}) AS last
          FROM near_series n
          LEFT JOIN near_before f USING (series_id, from_ts)
          JOIN samples x ON x.series_id = n.series_id AND x.ts <= n.from_ts
               AND x.ts >= coalesce(f.after_ts, x.ts)
          WHERE x.value IS NOT NULL AND isfinite(x.value)
          GROUP BY n.deployment, n.process, n.series_id)
), near_steps AS (
    SELECT n.*, lag(n.ts) OVER w AS prev_ts, lag(n.value) OVER w AS prev_value
    FROM near_samples n
    WINDOW w AS (PARTITION BY n.deployment, n.process, n.series_id ORDER BY n.ts, n.value)
), near AS (
    -- the increases of the process's own counters around that bucket
    SELECT s.deployment, s.process, pool_cpu_from(x.prev_ts, s.process_start_ts) AS from_ts, x.ts AS to_ts,
           pool_cpu_increase(x.value, x.prev_value, x.prev_ts, s.scale) AS cpu_seconds
    FROM near_steps x
    JOIN near_series s USING (deployment, process, series_id)
    WHERE x.ts > s.from_ts AND pool_cpu_counted(x.ts, x.prev_ts, s.process_start_ts, s.from_start)
), intervals AS (
    -- summed over the CPU modes (whose samples share their times)
    SELECT deployment, process, from_ts, to_ts, sum(cpu_seconds) AS cpu_seconds,
           1000 * sum(cpu_seconds) / greatest(to_ts - from_ts, 1) AS cores
    FROM near GROUP BY deployment, process, from_ts, to_ts
), with_rss AS (
    -- the RSS at the interval's start and end: the latest sample at or before each
    SELECT i.*, a.rss AS rss_from, a.ts AS rss_from_ts
    FROM intervals i
    ASOF LEFT JOIN rss_near a ON a.deployment = i.deployment AND a.process = i.process AND a.ts <= i.from_ts
), with_rss2 AS (
    SELECT i.*, b.rss AS rss_to, b.ts AS rss_to_ts
    FROM with_rss i
    ASOF LEFT JOIN rss_near b ON b.deployment = i.deployment AND b.process = i.process AND b.ts <= i.to_ts
), judged AS (
    SELECT i.deployment, i.process, i.from_ts, i.to_ts, i.cpu_seconds, i.cores,
           i.to_ts - i.from_ts >= 1000 * pool_cpu_tick_seconds() / pool_settle_cores()
             AND 1000 * greatest(0, i.cpu_seconds - pool_cpu_tick_seconds()) / (i.to_ts - i.from_ts) < pool_settle_cores()
             AND coalesce(1000 * (i.rss_to - i.rss_from) / nullif(i.rss_to_ts - i.rss_from_ts, 0), 0) < pool_settle_rss_rate() AS quiet
    FROM with_rss2 i
), ordered AS (
    SELECT i.*,
           lag(i.from_ts) OVER w AS busy_from, lag(i.cpu_seconds) OVER w AS busy_cpu,
           greatest(lag(i.cores) OVER w, coalesce(lag(i.cores, 2) OVER w, 0)) AS busy_cores,
           coalesce(lead(i.quiet) OVER w, true) AS next_quiet
    FROM judged i
    WINDOW w AS (PARTITION BY i.deployment, i.process ORDER BY i.to_ts)
), detected AS (
    -- the first quiet interval; the process settled after using, from the start of the busy
    -- interval before it, that one's CPU and this one's at its busy rate (the higher of that
    -- interval's and the one before: it may have settled inside it); without a busy interval,
    -- this one's CPU at one core from the process's start
    SELECT o.deployment, o.process,
           arg_min(CASE WHEN o.busy_from IS NULL
                        THEN least(o.to_ts, o.from_ts + round(1000 * o.cpu_seconds))
                        ELSE least(o.to_ts, o.busy_from + round(1000 * (o.busy_cpu + o.cpu_seconds) / o.busy_cores)) END,
                   o.to_ts)::BIGINT AS settled_ts,
           min(o.to_ts) AS quiet_end_ts
    FROM ordered o
    JOIN pool_lifetimes l USING (deployment, process)
    WHERE o.to_ts >= l.alive_from AND o.quiet AND o.next_quiet
    GROUP BY o.deployment, o.process
), given AS (
    -- a --ready naming the deployment wins over one for every deployment (of two alike, the later)
    SELECT d.deployment,
           arg_max(CASE WHEN r.relative THEN d.start_ts + r.ready_ts ELSE r.ready_ts END,
                   (r.deployment IS NOT NULL, CASE WHEN r.relative THEN d.start_ts + r.ready_ts ELSE r.ready_ts END)) AS ready_ts
    FROM pool_span d
    JOIN pool_ready r ON r.deployment = d.deployment OR r.deployment IS NULL
    GROUP BY d.deployment
), ready AS (
    SELECT d.deployment, g.ready_ts FROM pool_span d LEFT JOIN given g USING (deployment)
), rss_stopped AS (
    -- its RSS stopped growing before it was quiet (or it never was)
    SELECT q.deployment, q.process, q.stopped_ts
    FROM rss_quiet q
    JOIN pool_lifetimes l USING (deployment, process)
    LEFT JOIN detected d USING (deployment, process)
    WHERE q.stopped_ts >= l.alive_from AND (d.settled_ts IS NULL OR q.stopped_ts < d.settled_ts)
)
SELECT l.deployment, l.process, l.pid, l.role, l.start_ts, l.alive_from,
       CASE WHEN r.ready_ts IS NOT NULL AND coalesce(l.start_ts, l.alive_from) <= r.ready_ts THEN r.ready_ts
            ELSE coalesce(x.stopped_ts, d.settled_ts) END AS settled_ts,
       -- the CPU of its startup is what its counters show until the end of the quiet interval
       -- (the settled time above assumes it worked through all of it), until its RSS stopped
       -- growing, or until --ready
       CASE WHEN r.ready_ts IS NOT NULL AND coalesce(l.start_ts, l.alive_from) <= r.ready_ts THEN r.ready_ts
            ELSE coalesce(x.stopped_ts, d.quiet_end_ts) END AS cpu_until_ts,
       r.ready_ts IS NOT NULL AND coalesce(l.start_ts, l.alive_from) <= r.ready_ts AS from_ready
FROM pool_lifetimes l
JOIN ready r USING (deployment)
LEFT JOIN detected d USING (deployment, process)
LEFT JOIN rss_stopped x USING (deployment, process);

-- Each process's CPU counters until it settled (a window of pool_window_cpu, src/models/pool/140-cpu.sql).
CREATE OR REPLACE TEMP TABLE pool_settle_windows AS
SELECT {'deployment': s.deployment, 'process': s.process} AS window_id, c.series_id,
       -9223372036854775807 AS a, s.cpu_until_ts AS b
FROM pool_process_settle s
JOIN pool_cpu_series c USING (deployment, process)
WHERE s.settled_ts IS NOT NULL AND NOT c.reaped;

-- Per worker: start delay after the deployment's start, CPU seconds until settled, memory at
-- the first sample at or after settling. `replacement` marks workers started after an early exit.
CREATE OR REPLACE TEMP TABLE pool_worker_startup AS
WITH mem AS (
    -- each quantity's first sample at or after settling
    SELECT s.deployment, s.process,
           -- (of two samples at one time, the larger)
           arg_min(y.value * ps.scale, (y.ts, -y.value)) FILTER (WHERE ps.quantity = 'rss_bytes') AS rss_bytes,
           arg_min(y.value * ps.scale, (y.ts, -y.value)) FILTER (WHERE ps.quantity = 'pss_bytes') AS pss_bytes,
           arg_min(y.value * ps.scale, (y.ts, -y.value)) FILTER (WHERE ps.quantity = 'uss_bytes') AS uss_bytes
    FROM pool_process_settle s
    JOIN pool_process_series ps ON ps.deployment = s.deployment AND ps.process = s.process
    JOIN samples y ON y.series_id = ps.series_id AND y.ts >= s.settled_ts
    WHERE ps.chosen AND ps.quantity IN ('rss_bytes', 'pss_bytes', 'uss_bytes')
      AND y.value IS NOT NULL AND isfinite(y.value)
    GROUP BY ALL
), cpu AS (
    SELECT window_id.deployment AS deployment, window_id.process AS process, cpu_seconds
    FROM pool_window_cpu('pool_settle_windows')
)
SELECT s.deployment, s.process, s.pid, s.role, s.start_ts, s.settled_ts, s.cpu_until_ts, s.from_ready,
       (s.start_ts - d.start_ts) / 1000 AS start_delay_seconds,
       (s.settled_ts - coalesce(s.start_ts, s.alive_from)) / 1000 AS settle_seconds,
       coalesce(c.cpu_seconds, 0) AS cpu_seconds,
       m.rss_bytes, m.pss_bytes, m.uss_bytes,
       s.process IN (SELECT process FROM pool_worker_replacements r WHERE r.deployment = s.deployment) AS replacement
FROM pool_process_settle s
JOIN pool_span d USING (deployment)
LEFT JOIN cpu c USING (deployment, process)
LEFT JOIN mem m USING (deployment, process)
WHERE s.role = 'worker';

-- The pool: settled when its last initial worker settled (or at --ready); CPU of every process
-- from the deployment's start until then (until the last initial worker's cpu_until_ts).
CREATE OR REPLACE TEMP TABLE pool_startup_settled AS
SELECT deployment,
       max(settled_ts) AS settled_ts,
       max(cpu_until_ts) AS cpu_until_ts,
       count(*) FILTER (WHERE settled_ts IS NULL) AS unsettled,
       exact_avg(cpu_seconds) AS cpu_seconds_per_worker,
       bool_or(from_ready) AS from_ready
FROM pool_worker_startup
WHERE NOT replacement
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE pool_startup_windows AS
SELECT w.deployment AS window_id, c.series_id, -9223372036854775807 AS a, w.cpu_until_ts AS b
FROM pool_startup_settled w
JOIN pool_cpu_series c USING (deployment)
WHERE w.unsettled = 0;

CREATE OR REPLACE TEMP TABLE pool_startup AS
SELECT d.deployment, d.start_ts,
       CASE WHEN w.unsettled = 0 THEN w.settled_ts END AS settled_ts,
       CASE WHEN w.unsettled = 0 THEN w.cpu_until_ts END AS cpu_until_ts,
       CASE WHEN w.unsettled = 0 THEN (w.settled_ts - d.start_ts) / 1000 END AS seconds,
       CASE WHEN w.unsettled = 0 THEN w.cpu_seconds_per_worker END AS cpu_seconds_per_worker,
       CASE WHEN w.unsettled = 0 THEN c.cpu_seconds END AS cpu_seconds,
       coalesce(w.from_ready, false) AS from_ready
FROM pool_span d
LEFT JOIN pool_startup_settled w USING (deployment)
LEFT JOIN pool_window_cpu('pool_startup_windows') c ON c.window_id = d.deployment;
