-- PromQL range functions over one window given as lists: vals (the samples' values) and tss
-- (their timestamps, integer ms), both in time order, never empty (a window without samples has
-- no row). Used for the *_over_time family, deriv, predict_linear, and for every range function
-- over a subquery. Each follows Prometheus promql/functions.go (named per macro); NULL where
-- Prometheus returns no sample.

-- quantile (promql/quantile.go): values sorted with NaN first (Go's sort of floats), rank
-- q * (n - 1), linear interpolation between the neighbours; q < 0 is -Inf, q > 1 is +Inf.
CREATE OR REPLACE TEMP MACRO promql_sorted_nan_first(vals) AS
    list_filter(vals, x -> isnan(x)) || list_sort(list_filter(vals, x -> NOT isnan(x)));

CREATE OR REPLACE TEMP MACRO promql_quantile_sorted(q, s) AS
    s[greatest(0, floor(q * (len(s) - 1)))::BIGINT + 1] * (1 - (q * (len(s) - 1) - floor(q * (len(s) - 1))))
    + s[least(len(s) - 1, greatest(0, floor(q * (len(s) - 1))) + 1)::BIGINT + 1] * (q * (len(s) - 1) - floor(q * (len(s) - 1)));

CREATE OR REPLACE TEMP MACRO promql_quantile(q, vals) AS
    CASE WHEN len(vals) = 0 OR isnan(q) THEN 'nan'::DOUBLE
         WHEN q < 0 THEN '-inf'::DOUBLE
         WHEN q > 1 THEN 'inf'::DOUBLE
         ELSE promql_quantile_sorted(q, promql_sorted_nan_first(vals)) END;

-- funcMinOverTime / funcMaxOverTime (and the min/max aggregations): NaN only when every value is NaN.
CREATE OR REPLACE TEMP MACRO promql_list_min(vals) AS
    coalesce(list_min(list_filter(vals, x -> NOT isnan(x))), 'nan'::DOUBLE);
CREATE OR REPLACE TEMP MACRO promql_list_max(vals) AS
    coalesce(list_max(list_filter(vals, x -> NOT isnan(x))), 'nan'::DOUBLE);

-- The timestamp (seconds) of the first minimum / maximum: funcTsOfMinOverTime / MaxOverTime
-- keep the last sample that is <= / >= the running extreme, NaN values only when all are NaN.
CREATE OR REPLACE TEMP MACRO promql_ts_of_extreme(vals, tss, is_max) AS
    list_reduce(list_zip(vals, tss),
        (acc, x) -> CASE WHEN isnan(acc[1]) OR (NOT isnan(x[1]) AND CASE WHEN is_max THEN x[1] >= acc[1] ELSE x[1] <= acc[1] END)
                         THEN x ELSE acc END)[2]::DOUBLE / 1000;

-- funcStddevOverTime / funcStdvarOverTime (and the stddev/stdvar aggregations): Welford's
-- running mean and sum of squares, both Kahan-compensated (kahanSumInc); the population variance.
-- One step: d = x - mean; mean += d / n (Kahan); aux += d * (x - mean) (Kahan). acc.m/acc.cm is the
-- mean and its compensation, acc.aux/acc.caux the sum of squares and its compensation.
CREATE OR REPLACE TEMP MACRO promql_welford_aux(acc, x, mean) AS
    promql_kahan_step({'s': acc.aux, 'c': acc.caux}, (x - (acc.m + acc.cm)) * (x - (mean.s + mean.c)));
CREATE OR REPLACE TEMP MACRO promql_welford_mean(acc, x) AS
    promql_kahan_step({'s': acc.m, 'c': acc.cm}, (x - (acc.m + acc.cm)) / (acc.n + 1));
CREATE OR REPLACE TEMP MACRO promql_welford_step(acc, x) AS {
    'n': acc.n + 1,
    'm': promql_welford_mean(acc, x).s,
    'cm': promql_welford_mean(acc, x).c,
    'aux': promql_welford_aux(acc, x, promql_welford_mean(acc, x)).s,
    'caux': promql_welford_aux(acc, x, promql_welford_mean(acc, x)).c,
    'var': (promql_welford_aux(acc, x, promql_welford_mean(acc, x)).s
            + promql_welford_aux(acc, x, promql_welford_mean(acc, x)).c) / (acc.n + 1)
};
CREATE OR REPLACE TEMP MACRO promql_stdvar(vals) AS
    list_reduce(
        [{'n': 0.0::DOUBLE, 'm': 0.0::DOUBLE, 'cm': 0.0::DOUBLE, 'aux': 0.0::DOUBLE, 'caux': 0.0::DOUBLE, 'var': 0.0::DOUBLE}]
        || list_transform(vals, x -> {'n': x, 'm': 0.0::DOUBLE, 'cm': 0.0::DOUBLE, 'aux': 0.0::DOUBLE, 'caux': 0.0::DOUBLE, 'var': 0.0::DOUBLE}),
        (acc, x) -> promql_welford_step(acc, x.n)).var;

-- funcMadOverTime: the median of the absolute deviations from the median; a NaN sample makes
-- it NaN.
CREATE OR REPLACE TEMP MACRO promql_mad(vals) AS
    CASE WHEN list_bool_or(list_transform(vals, x -> isnan(x))) THEN 'nan'::DOUBLE
         ELSE promql_quantile(0.5, list_transform(vals, x -> abs(x - promql_quantile(0.5, vals)))) END;

-- linearRegression (functions.go): least squares of value on time (seconds relative to
-- intercept_ms), the sums Kahan-compensated; a constant series gives slope 0 (NaN if infinite).
-- Returns {slope, intercept}.
CREATE OR REPLACE TEMP MACRO promql_linear_regression(vals, tss, intercept_ms) AS (
    SELECT CASE
        WHEN list_bool_and(list_transform(vals, y -> y = vals[1] AND NOT isnan(y))) OR len(vals) = 1
            THEN CASE WHEN isinf(vals[1]) THEN {'slope': 'nan'::DOUBLE, 'intercept': 'nan'::DOUBLE}
                      ELSE {'slope': 0.0::DOUBLE, 'intercept': vals[1]} END
        ELSE {'slope': (sxy - sx * sy / n) / (sx2 - sx * sx / n),
              'intercept': sy / n - ((sxy - sx * sy / n) / (sx2 - sx * sx / n)) * sx / n}
        END
    FROM (SELECT len(vals)::DOUBLE AS n,
                 promql_kahan_sum(list_transform(xs, x -> x)) AS sx,
                 promql_kahan_sum(vals) AS sy,
                 promql_kahan_sum(list_transform(list_zip(xs, vals), p -> p[1] * p[2])) AS sxy,
                 promql_kahan_sum(list_transform(xs, x -> x * x)) AS sx2
          FROM (SELECT list_transform(tss, t -> (t - intercept_ms)::DOUBLE / 1000) AS xs))
);

-- funcDoubleExponentialSmoothing (holt_winters before 3.0): sf, tf in (0, 1) (checked by the
-- planner), at least two samples.
CREATE OR REPLACE TEMP MACRO promql_double_exp_smoothing(vals, sf, tf) AS
    CASE WHEN len(vals) >= 2 THEN
        list_reduce(
            [{'s0': 0.0::DOUBLE, 's1': vals[1], 'b': vals[2] - vals[1], 'i': 0}]
            || list_transform(vals[2:], x -> {'s0': x, 's1': 0.0::DOUBLE, 'b': 0.0::DOUBLE, 'i': 0}),
            (acc, x) -> {
                's0': acc.s1,
                's1': sf * x.s0 + (1 - sf) * (acc.s1 + CASE WHEN acc.i = 0 THEN acc.b
                                                            ELSE tf * (acc.s1 - acc.s0) + (1 - tf) * acc.b END),
                'b': CASE WHEN acc.i = 0 THEN acc.b ELSE tf * (acc.s1 - acc.s0) + (1 - tf) * acc.b END,
                'i': acc.i + 1}).s1
    END;

-- The counter correction of a window (extrapolatedRate, funcResets): every drop adds the value
-- before it; and the number of drops and of changes (funcChanges), with Go's NaN comparisons.
CREATE OR REPLACE TEMP MACRO promql_list_correction(vals) AS
    coalesce(list_sum(list_transform(list_zip(vals[:-2], vals[2:]),
        p -> CASE WHEN NOT isnan(p[1]) AND NOT isnan(p[2]) AND p[2] < p[1] THEN p[1] ELSE 0.0 END)), 0.0);
CREATE OR REPLACE TEMP MACRO promql_list_resets(vals) AS
    len(list_filter(list_zip(vals[:-2], vals[2:]), p -> NOT isnan(p[1]) AND NOT isnan(p[2]) AND p[2] < p[1]))::DOUBLE;
CREATE OR REPLACE TEMP MACRO promql_list_changes(vals) AS
    len(list_filter(list_zip(vals[:-2], vals[2:]),
        p -> NOT (isnan(p[1]) AND isnan(p[2])) AND (isnan(p[1]) OR isnan(p[2]) OR p[1] <> p[2])))::DOUBLE;
