-- Steady state: from the sample that ended the pool's startup (the end of its last initial
-- worker's quiet interval, pool_startup.cpu_until_ts, so no increase is split at its start; or
-- --ready), until the deployment began to stop: the start of the bucket holding the stop's
-- first worker's last live sample (pool_stop). From there on processes exit, and a sum over
-- them is read from the teardown (PSS rises as siblings unmap shared pages, say). Without
-- workers, until the deployment's end. Every figure of the steady state and the phases, peaks included, is taken
-- between these two times.
CREATE OR REPLACE TEMP TABLE pool_steady AS
WITH stopping AS (
    SELECT s.deployment, g.t0 + pool_bucket_of(s.stop_ts, g.t0, g.step_ms) * g.step_ms AS stop_ts
    FROM pool_stop s
    JOIN pool_grid g USING (deployment)
)
SELECT d.deployment, coalesce(s.cpu_until_ts, d.start_ts) AS start_ts,
       greatest(coalesce(s.cpu_until_ts, d.start_ts), coalesce(x.stop_ts, d.end_ts)) AS end_ts
FROM pool_span d
JOIN pool_startup s USING (deployment)
LEFT JOIN stopping x USING (deployment);

-- Phases detected from the deployment's CPU level over the steady state's buckets: with low and
-- high the 10th and 90th percentiles of its cores, a bucket is load when it is above their
-- midpoint — provided high is at least 0.1 cores above low and twice as high (else all is
-- idle). A run of buckets joins its neighbours when it is shorter than pool_min_phase_buckets()
-- buckets or pool_min_phase_ms(): noise, not a phase (short idle runs first, then short load
-- runs, each judged after the one before was joined). An idle run between two load runs also
-- joins them when a worker exited or started during it (or in the bucket before) and it is
-- shorter than pool_max_churn_dip_ms(): a recycled or lost worker dips the CPU level for a
-- moment, the load goes on.
CREATE OR REPLACE TEMP TABLE pool_detected_phases AS
WITH steady_cpu AS (
    SELECT c.deployment, c.bucket, c.bucket_start, c.bucket_end, c.cores
    FROM pool_cpu c
    JOIN pool_steady s USING (deployment)
    WHERE c.bucket_start >= s.start_ts AND c.bucket_end <= s.end_ts
), levels AS (
    SELECT deployment, quantile_cont(cores, 0.1) AS low, quantile_cont(cores, 0.9) AS high
    FROM steady_cpu GROUP BY ALL
), marked AS (
    SELECT c.*, (l.high - l.low >= 0.1 AND l.high >= 2 * l.low AND c.cores >= (l.low + l.high) / 2) AS is_load
    FROM steady_cpu c JOIN levels l USING (deployment)
), runs AS (
    SELECT *, bucket - row_number() OVER (PARTITION BY deployment, is_load ORDER BY bucket) AS run
    FROM marked
), dips_joined AS (
    -- first the noise: runs too short to be a phase; idle ones first, so that a short dip
    -- inside a load joins it before the load's next stretch is judged (flipped at once, a
    -- one-bucket dip and a four-bucket stretch after it would swap: the load ending early)
    SELECT deployment, bucket, bucket_start, bucket_end,
           is_load OR count(*) OVER r < pool_min_phase_buckets()
                   OR max(bucket_end) OVER r - min(bucket_start) OVER r < pool_min_phase_ms() AS is_load
    FROM runs
    WINDOW r AS (PARTITION BY deployment, is_load, run)
), runs1 AS (
    SELECT *, bucket - row_number() OVER (PARTITION BY deployment, is_load ORDER BY bucket) AS run
    FROM dips_joined
), smoothed AS (
    -- then the load runs too short to be a phase
    SELECT deployment, bucket, bucket_start, bucket_end,
           is_load AND count(*) OVER r >= pool_min_phase_buckets()
                   AND max(bucket_end) OVER r - min(bucket_start) OVER r >= pool_min_phase_ms() AS is_load
    FROM runs1
    WINDOW r AS (PARTITION BY deployment, is_load, run)
), runs2 AS (
    SELECT *, bucket - row_number() OVER (PARTITION BY deployment, is_load ORDER BY bucket) AS run
    FROM smoothed
), run_spans AS (
    SELECT deployment, is_load, run, min(bucket_start) AS start_ts, max(bucket_end) AS end_ts
    FROM runs2 GROUP BY ALL
), churn AS (
    -- a worker's exit (its last live sample) or start (first live sample) in the steady state
    SELECT l.deployment, l.alive_to AS ts
    FROM pool_lifetimes l
    WHERE l.role = 'worker'
      AND l.process IN (SELECT x.process FROM pool_worker_exits x WHERE x.deployment = l.deployment)
    UNION ALL
    SELECT l.deployment, l.alive_from
    FROM pool_lifetimes l JOIN pool_steady s USING (deployment)
    WHERE l.role = 'worker' AND l.alive_from > s.start_ts
), dips AS (
    -- then the dips: idle between two loads, short, with a worker exit or start in it
    SELECT r.*,
           coalesce(lag(r.is_load) OVER o AND lead(r.is_load) OVER o, false) AS between_loads,
           EXISTS (SELECT 1 FROM churn c JOIN pool_grid g USING (deployment)
                   WHERE c.deployment = r.deployment AND c.ts >= r.start_ts - g.step_ms AND c.ts < r.end_ts) AS churned
    FROM run_spans r
    WINDOW o AS (PARTITION BY r.deployment ORDER BY r.start_ts)
), joined AS (
    SELECT r.deployment, r.bucket, r.bucket_start, r.bucket_end,
           r.is_load OR (d.between_loads AND d.churned AND d.end_ts - d.start_ts < pool_max_churn_dip_ms()) AS is_load
    FROM runs2 r
    JOIN dips d USING (deployment, is_load, run)
), runs3 AS (
    SELECT *, bucket - row_number() OVER (PARTITION BY deployment, is_load ORDER BY bucket) AS run
    FROM joined
), phases AS (
    SELECT deployment, is_load, min(bucket_start) AS start_ts, max(bucket_end) AS end_ts
    FROM runs3 GROUP BY deployment, is_load, run
)
-- the first phase starts when the steady state does, the last ends with the deployment
SELECT p.deployment, CASE WHEN p.is_load THEN 'load' ELSE 'idle' END AS name,
       CASE WHEN p.start_ts = min(p.start_ts) OVER w THEN least(p.start_ts, s.start_ts) ELSE p.start_ts END AS start_ts,
       CASE WHEN p.end_ts = max(p.end_ts) OVER w THEN greatest(p.end_ts, s.end_ts) ELSE p.end_ts END AS end_ts,
       false AS overridden
FROM phases p
JOIN pool_steady s USING (deployment)
WINDOW w AS (PARTITION BY p.deployment);

-- Phases as given with --phase replace the detected ones of that deployment.
CREATE OR REPLACE TEMP TABLE pool_phases AS
WITH given AS (
    SELECT d.deployment, o.name,
           CASE WHEN o.start_relative THEN d.start_ts + o.start_ts ELSE o.start_ts END AS start_ts,
           CASE WHEN o.end_relative THEN d.start_ts + o.end_ts ELSE o.end_ts END AS end_ts
    FROM pool_span d
    JOIN pool_phase_override o ON o.deployment = d.deployment OR o.deployment IS NULL
)
SELECT deployment, name, start_ts, end_ts, true AS overridden FROM given WHERE end_ts > start_ts
UNION ALL
SELECT * FROM pool_detected_phases
WHERE deployment NOT IN (SELECT deployment FROM given);

-- The windows the statistics below are taken over: the steady state, and each phase.
CREATE OR REPLACE TEMP TABLE pool_stat_windows AS
SELECT deployment, 'steady' AS kind, 'steady' AS name, start_ts, end_ts, false AS overridden FROM pool_steady
UNION ALL
SELECT deployment, 'phase', name, start_ts, end_ts, overridden FROM pool_phases;

-- Each window's CPU counters (a window of pool_window_cpu, src/models/pool/140-cpu.sql).
CREATE OR REPLACE TEMP TABLE pool_stat_window_series AS
SELECT {'deployment': w.deployment, 'kind': w.kind, 'name': w.name, 'start_ts': w.start_ts} AS window_id,
       c.series_id, w.start_ts AS a, w.end_ts AS b
FROM pool_stat_windows w
JOIN pool_cpu_series c USING (deployment);

-- Statistics per window, one pass over the CPU increases for all of them. cores_mean is exact
-- (CPU seconds in the window, increases split at its edges, over its duration); p50/p95/max are
-- over the buckets inside it; memory sums are medians (and peaks) over those buckets' moments
-- (pool_memory: the processes alive at each moment), and the same per live
-- worker (median over buckets of the sum divided by the workers alive in that bucket).
-- workers_alive: median over the window's buckets; workers_alive_with_memory: over the buckets
-- that have memory figures (the steady state's, as its per-worker figures).
CREATE OR REPLACE TEMP TABLE pool_window_stats AS
WITH cpu AS (
    SELECT window_id.deployment AS deployment, window_id.kind AS kind, window_id.name AS name,
           window_id.start_ts AS start_ts, cpu_seconds
    FROM pool_window_cpu('pool_stat_window_series')
), buckets AS (
    SELECT w.deployment, w.kind, w.name, w.start_ts,
           exact_avg(c.cores) AS bucket_cores_mean,
           quantile_cont(c.cores, 0.5) AS cores_p50,
           quantile_cont(c.cores, 0.95) AS cores_p95,
           max(c.cores) AS cores_max,
           exact_avg(c.user_cores) AS user_cores_mean,
           exact_avg(c.system_cores) AS system_cores_mean,
           exact_avg(c.master_cores) AS master_cores_mean,
           exact_avg(c.worker_cores) AS worker_cores_mean,
           exact_avg(c.helper_cores) AS helper_cores_mean
    FROM pool_stat_windows w
    JOIN pool_cpu c ON c.deployment = w.deployment AND c.bucket_start >= w.start_ts AND c.bucket_end <= w.end_ts
    GROUP BY ALL
), mem AS (
    SELECT w.deployment, w.kind, w.name, w.start_ts,
           median(m.rss_bytes) AS rss_bytes,
           median(m.pss_bytes) AS pss_bytes,
           median(m.uss_bytes) AS uss_bytes,
           median(m.rss_bytes / nullif(a.workers_alive, 0)) AS rss_bytes_per_worker,
           median(m.pss_bytes / nullif(a.workers_alive, 0)) AS pss_bytes_per_worker,
           median(m.uss_bytes / nullif(a.workers_alive, 0)) AS uss_bytes_per_worker,
           median(m.worker_rss_bytes / nullif(a.workers_alive, 0)) AS worker_rss_bytes,
           median(m.worker_pss_bytes / nullif(a.workers_alive, 0)) AS worker_pss_bytes,
           median(m.worker_uss_bytes / nullif(a.workers_alive, 0)) AS worker_uss_bytes,
           median(m.worker_shared_fraction) AS worker_shared_fraction,
           median(m.rss_overcount) AS rss_overcount,
           median(a.workers_alive) AS workers_alive_with_memory,
           max(m.rss_bytes) AS rss_bytes_peak,
           max(m.pss_bytes) AS pss_bytes_peak,
           max(m.uss_bytes) AS uss_bytes_peak,
           -- the RSS sum at the moment of the PSS peak (of two moments with one PSS, the larger RSS)
           arg_max(m.rss_bytes, (m.pss_bytes, m.rss_bytes)) FILTER (WHERE m.pss_bytes IS NOT NULL) AS rss_bytes_at_pss_peak
    FROM pool_stat_windows w
    JOIN pool_memory m ON m.deployment = w.deployment AND m.bucket_start >= w.start_ts AND m.bucket_end <= w.end_ts
    LEFT JOIN pool_workers_alive a ON a.deployment = m.deployment AND a.bucket = m.bucket
    GROUP BY ALL
), alive AS (
    SELECT w.deployment, w.kind, w.name, w.start_ts, median(a.workers_alive) AS workers_alive
    FROM pool_stat_windows w
    JOIN pool_workers_alive a ON a.deployment = w.deployment
    JOIN pool_buckets b ON b.deployment = a.deployment AND b.bucket = a.bucket
     AND b.bucket_start >= w.start_ts AND b.bucket_end <= w.end_ts
    GROUP BY ALL
)
SELECT w.deployment, w.kind, w.name, w.start_ts, w.end_ts, w.overridden,
       (w.end_ts - w.start_ts) / 1000 AS seconds,
       coalesce(cpu.cpu_seconds / nullif((w.end_ts - w.start_ts) / 1000, 0), b.bucket_cores_mean) AS cores_mean,
       b.cores_p50, b.cores_p95, b.cores_max,
       b.user_cores_mean, b.system_cores_mean, b.master_cores_mean, b.worker_cores_mean, b.helper_cores_mean,
       m.* EXCLUDE (deployment, kind, name, start_ts),
       a.workers_alive
FROM pool_stat_windows w
LEFT JOIN cpu USING (deployment, kind, name, start_ts)
LEFT JOIN buckets b USING (deployment, kind, name, start_ts)
LEFT JOIN mem m USING (deployment, kind, name, start_ts)
LEFT JOIN alive a USING (deployment, kind, name, start_ts);

-- Statistics per phase (see pool_window_stats).
CREATE OR REPLACE TEMP TABLE pool_phase_stats AS
SELECT deployment, name, start_ts, end_ts, overridden, seconds, cores_mean,
       cores_p50, cores_p95, cores_max,
       user_cores_mean, system_cores_mean, master_cores_mean, worker_cores_mean, helper_cores_mean,
       rss_bytes, pss_bytes, uss_bytes, worker_shared_fraction, rss_overcount,
       rss_bytes_peak, pss_bytes_peak, uss_bytes_peak,
       workers_alive
FROM pool_window_stats
WHERE kind = 'phase';

-- The steady state's figures (the verdict table): CPU cores (mean exact, p95 over buckets),
-- memory sums (medians over buckets) and the same per live worker (see pool_window_stats).
CREATE OR REPLACE TEMP TABLE pool_steady_stats AS
SELECT deployment, start_ts, end_ts, seconds, cores_mean,
       cores_p50, cores_p95, cores_max, user_cores_mean, system_cores_mean,
       master_cores_mean, worker_cores_mean, helper_cores_mean,
       rss_bytes, pss_bytes, uss_bytes,
       rss_bytes_per_worker, pss_bytes_per_worker, uss_bytes_per_worker,
       worker_rss_bytes, worker_pss_bytes, worker_uss_bytes,
       worker_shared_fraction, rss_overcount,
       rss_bytes_peak, pss_bytes_peak, uss_bytes_peak, rss_bytes_at_pss_peak,
       workers_alive_with_memory AS workers_alive
FROM pool_window_stats
WHERE kind = 'steady';

-- The whole window of each deployment (its span, pool_span): CPU-seconds inside it, exact
-- (every process's increases, counted from its start, and its reaped children's, split at the
-- span's edges as for any window: pool_window_cpu; what a stopping master's last samples show
-- after its last sign of life is outside), mean cores over the span, p95 and peak of the
-- buckets' cores; and the memory peaks, taken over the steady state (startup and the stop
-- excluded: pool_window_stats).
CREATE OR REPLACE TEMP TABLE pool_span_window_series AS
SELECT d.deployment AS window_id, c.series_id, d.start_ts AS a, d.end_ts AS b
FROM pool_span d
JOIN pool_cpu_series c USING (deployment);

CREATE OR REPLACE TEMP TABLE pool_deployment_totals AS
WITH buckets AS (
    SELECT deployment, quantile_cont(cores, 0.95) AS cores_p95, max(cores) AS cores_max
    FROM pool_cpu
    GROUP BY ALL
), tree AS (
    -- a deployment without per-process CPU counters (psrecord only): its buckets' whole-tree cores
    SELECT c.deployment, exact_sum(c.cores * (g.step_ms / 1000)) AS cpu_seconds
    FROM pool_cpu c JOIN pool_grid g USING (deployment)
    WHERE c.deployment NOT IN (SELECT deployment FROM pool_span_window_series)
    GROUP BY ALL
), cpu AS (
    SELECT window_id AS deployment, cpu_seconds FROM pool_window_cpu('pool_span_window_series')
    UNION ALL
    SELECT deployment, cpu_seconds FROM tree
)
SELECT d.deployment, d.start_ts, d.end_ts, (d.end_ts - d.start_ts) / 1000 AS seconds,
       c.cpu_seconds, c.cpu_seconds / nullif((d.end_ts - d.start_ts) / 1000, 0) AS cores_mean,
       b.cores_p95, b.cores_max,
       s.rss_bytes_peak, s.pss_bytes_peak, s.uss_bytes_peak, s.rss_bytes_at_pss_peak
FROM pool_span d
LEFT JOIN cpu c USING (deployment)
LEFT JOIN buckets b USING (deployment)
LEFT JOIN pool_steady_stats s USING (deployment);
