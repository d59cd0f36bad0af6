-- Parameters of the pool models (src/models/pool/*.sql). src/models/registry.ts fills them
-- from the report options before the later files read them; empty tables mean "detect".
-- Times are unix ms, or ms after the deployment's start when *_relative.
--   pool_phase_override: --phase [deployment/]name=start..end
--   pool_ready:          --ready [deployment/]time
-- deployment NULL applies to every deployment.
CREATE TEMP TABLE IF NOT EXISTS pool_phase_override (
    deployment     VARCHAR,
    name           VARCHAR NOT NULL,
    start_ts       BIGINT  NOT NULL,
    start_relative BOOLEAN NOT NULL,
    end_ts         BIGINT  NOT NULL,
    end_relative   BOOLEAN NOT NULL
);

CREATE TEMP TABLE IF NOT EXISTS pool_ready (
    deployment VARCHAR,
    ready_ts   BIGINT  NOT NULL,
    relative   BOOLEAN NOT NULL
);

-- Thresholds of the detections below, in one place (documented in docs/report-json.md).
CREATE OR REPLACE TEMP MACRO pool_settle_cores() AS 0.05;        -- a process below this CPU level has settled
CREATE OR REPLACE TEMP MACRO pool_settle_rss_rate() AS 1048576;  -- ... and its RSS grows slower than this (bytes/s): it is no longer loading
CREATE OR REPLACE TEMP MACRO pool_cpu_tick_seconds() AS 0.01;     -- a CPU counter's resolution: one clock tick (USER_HZ 100)
CREATE OR REPLACE TEMP MACRO pool_first_sample_window_ms() AS 5000; -- a process started at most this long before the data began counts from 0
CREATE OR REPLACE TEMP MACRO pool_same_process_ms() AS 2000;     -- two sources' start times of one pid within this are one process
CREATE OR REPLACE TEMP MACRO pool_min_phase_buckets() AS 5;      -- shorter CPU level changes are noise, not a phase
CREATE OR REPLACE TEMP MACRO pool_min_phase_ms() AS 5000;         -- nor are those shorter than this
CREATE OR REPLACE TEMP MACRO pool_max_churn_dip_ms() AS 30000;    -- an idle dip this short with a worker exit or start is still load
