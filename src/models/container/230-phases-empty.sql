-- Without the pool models a deployment has no startup or phases: the per-phase view is empty,
-- with the columns 240-pool.sql gives it when the pool models are loaded (it replaces this one).
CREATE OR REPLACE TEMP VIEW container_phase_stats AS
SELECT NULL::VARCHAR AS deployment, NULL::VARCHAR AS container, NULL::VARCHAR AS name,
       NULL::VARCHAR AS kind, NULL::BIGINT AS start_ts, NULL::BIGINT AS end_ts, NULL::DOUBLE AS seconds,
       NULL::DOUBLE AS cpu_seconds, NULL::DOUBLE AS cores_mean, NULL::DOUBLE AS periods,
       NULL::DOUBLE AS throttled_periods, NULL::DOUBLE AS throttled_fraction, NULL::DOUBLE AS throttled_seconds
WHERE false;
