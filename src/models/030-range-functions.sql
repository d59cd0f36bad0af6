-- PromQL range functions on one window of promql_range_windows (020-promql-selectors.sql).
-- Each returns NULL where Prometheus returns no sample. Durations come from integer ms
-- (float64(ms) / 1000, as Prometheus does), never from float epoch seconds.

-- extrapolatedRate (Prometheus promql/functions.go), used by rate (counter, per second),
-- increase (counter) and delta (gauge). Needs two samples.
-- clamp_first = true: Prometheus <= 2.50 (2.42 tested): the counter zero point clamps
--   durationToStart first, then the 1.1 x average-interval rule decides between it and half an
--   interval.
-- clamp_first = false: Prometheus >= 2.51 (prometheus/prometheus PR #13725, kept in 3.x): the
--   threshold rule is applied first and the zero point may only shorten the extrapolation that
--   results.
-- Counter corrections (`if current < prev { resultValue += prev }`) come in as `correction`.
CREATE OR REPLACE TEMP MACRO promql_rate_result(first_value, last_value, correction, is_counter) AS
    (last_value - first_value) + CASE WHEN is_counter THEN correction ELSE 0.0 END;

CREATE OR REPLACE TEMP MACRO promql_duration_to_zero(sampled, first_value, result, is_counter) AS
    -- Counters cannot be negative: if resultValue went up, the zero point bounds the start.
    CASE WHEN is_counter AND NOT isnan(result) AND result > 0 AND NOT isnan(first_value) AND first_value >= 0
         THEN sampled * (first_value / result) END;

CREATE OR REPLACE TEMP MACRO promql_extrapolate(result, first_value, d_start, d_end, sampled, avg_interval, range_s,
                                                is_counter, is_rate, clamp_first) AS
-- Both orders end as `factor := extrapolateToInterval / sampledInterval; if isRate { factor /=
-- ms.Range.Seconds() }; resultValue *= factor` (the form since native histograms, 2.40).
result * (((sampled
    + CASE WHEN clamp_first THEN
          -- <= 2.50: clamp to the zero point, then the 1.1 x average-interval rule.
          CASE WHEN least(d_start, coalesce(promql_duration_to_zero(sampled, first_value, result, is_counter), d_start))
                    < avg_interval * 1.1
               THEN least(d_start, coalesce(promql_duration_to_zero(sampled, first_value, result, is_counter), d_start))
               ELSE avg_interval / 2 END
      ELSE
          -- >= 2.51: the 1.1 x rule, then the zero point may only shorten it.
          least(CASE WHEN d_start >= avg_interval * 1.1 THEN avg_interval / 2 ELSE d_start END,
                coalesce(promql_duration_to_zero(sampled, first_value, result, is_counter),
                         CASE WHEN d_start >= avg_interval * 1.1 THEN avg_interval / 2 ELSE d_start END))
      END
    + CASE WHEN d_end < avg_interval * 1.1 THEN d_end ELSE avg_interval / 2 END) / sampled)
    / CASE WHEN is_rate THEN range_s ELSE 1.0 END);

CREATE OR REPLACE TEMP MACRO promql_extrapolated_rate(n, first_ts, first_value, last_ts, last_value, correction,
                                                      range_start, range_end, range_ms,
                                                      is_counter, is_rate, clamp_first) AS
CASE WHEN n >= 2 THEN
    promql_extrapolate(
        promql_rate_result(first_value, last_value, correction, is_counter),
        first_value,
        (first_ts - range_start)::DOUBLE / 1000,               -- durationToStart
        (range_end - last_ts)::DOUBLE / 1000,                  -- durationToEnd
        (last_ts - first_ts)::DOUBLE / 1000,                   -- sampledInterval
        ((last_ts - first_ts)::DOUBLE / 1000) / (n - 1),       -- averageDurationBetweenSamples
        range_ms::DOUBLE / 1000,                               -- ms.Range.Seconds()
        is_counter, is_rate, clamp_first)
END;

-- instantValue (Prometheus promql/functions.go), used by irate (is_rate) and idelta: the last two
-- samples of the window; a drop counts as a counter reset for irate; equal timestamps give nothing.
CREATE OR REPLACE TEMP MACRO promql_instant_value(n, last_ts, last_value, prev_ts, prev_value, is_rate) AS
CASE WHEN n >= 2 AND last_ts <> prev_ts THEN
    CASE WHEN is_rate
         THEN (CASE WHEN NOT isnan(last_value) AND NOT isnan(prev_value) AND last_value < prev_value
                    THEN last_value ELSE last_value - prev_value END)
              / ((last_ts - prev_ts)::DOUBLE / 1000)
         ELSE last_value - prev_value END
END;
