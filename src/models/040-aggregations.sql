-- PromQL aggregation arithmetic that must follow Prometheus' order of operations exactly.
-- Inputs arrive as a list ordered like Prometheus' input vector and are folded left to right.

-- A group's values in Prometheus' input order, from a list of {o: order, v: value} structs
-- (sorted by o; o is the position in the input vector, unique within a group).
CREATE OR REPLACE TEMP MACRO promql_in_order(pairs) AS
    list_transform(list_sort(pairs), x -> x.v);

-- kahanSumInc (Prometheus promql/functions.go, Neumaier's variant; sum and avg since 2.50-ish,
-- every 3.x): acc is {s: running sum, c: compensation}; the result is s + c.
-- Go's comparisons with NaN are false: abs(NaN) >= x is false in Go but true in DuckDB; both
-- branches give NaN then, so the result is the same.
CREATE OR REPLACE TEMP MACRO promql_kahan_step(acc, inc) AS {
    's': acc.s + inc,
    'c': CASE WHEN isinf(acc.s + inc) THEN 0.0::DOUBLE
              WHEN abs(acc.s) >= abs(inc) THEN acc.c + ((acc.s - (acc.s + inc)) + inc)
              ELSE acc.c + ((inc - (acc.s + inc)) + acc.s) END
};

-- Kahan sum of a list of doubles; starting from {first, 0} equals starting from {0, 0}.
CREATE OR REPLACE TEMP MACRO promql_kahan_sum(vals) AS
    list_reduce(list_transform(vals, x -> {'s': x, 'c': 0.0::DOUBLE}), (acc, x) -> promql_kahan_step(acc, x.s)).s
    + list_reduce(list_transform(vals, x -> {'s': x, 'c': 0.0::DOUBLE}), (acc, x) -> promql_kahan_step(acc, x.s)).c;

-- Plain left-to-right float sum (Prometheus 2.42 aggregation: group.value += s.V).
CREATE OR REPLACE TEMP MACRO promql_plain_sum(vals) AS
    list_reduce(vals, (a, b) -> a + b);

-- Incremental mean of Prometheus 2.42 (engine.go aggregation, parser.AVG):
--   mean += v/count - mean/count, except that an infinite mean stays when v is finite or an
--   infinity of the same sign.
CREATE OR REPLACE TEMP MACRO promql_mean_step(acc, v) AS {
    'm': CASE WHEN isinf(acc.m) AND ((isinf(v) AND (acc.m > 0) = (v > 0)) OR (NOT isinf(v) AND NOT isnan(v)))
              THEN acc.m
              ELSE acc.m + (v / (acc.n + 1) - acc.m / (acc.n + 1)) END,
    'n': acc.n + 1
};

CREATE OR REPLACE TEMP MACRO promql_incremental_mean(vals) AS
    list_reduce(list_transform(vals, x -> {'m': x, 'n': 1.0::DOUBLE}), (acc, x) -> promql_mean_step(acc, x.m)).m;

-- avg of Prometheus 3 (engine.go aggregation, parser.AVG): a Kahan sum divided by the count
-- while the running sum stays finite; once it would overflow, the incremental mean from there on
-- (mean += v/n - mean/n, itself Kahan-compensated), keeping an infinite mean when v is finite or
-- an infinity of the same sign. acc: {s, c: Kahan sum and compensation, m: mean, n: count,
-- inc: incremental mode}.
CREATE OR REPLACE TEMP MACRO promql_avg_incremental(m, c, n, x) AS
    CASE WHEN isinf(m) AND ((isinf(x) AND (m > 0) = (x > 0)) OR (NOT isinf(x) AND NOT isnan(x)))
         THEN {'s': m, 'c': c}
         ELSE promql_kahan_step({'s': m, 'c': c}, x / n - (m + c) / n) END;

CREATE OR REPLACE TEMP MACRO promql_avg_step(acc, x) AS
CASE WHEN NOT acc.inc AND NOT isinf(promql_kahan_step({'s': acc.s, 'c': acc.c}, x).s)
     THEN {'s': promql_kahan_step({'s': acc.s, 'c': acc.c}, x).s,
           'c': promql_kahan_step({'s': acc.s, 'c': acc.c}, x).c,
           'm': acc.m, 'n': acc.n + 1, 'inc': false}
     ELSE {'s': acc.s,
           'c': promql_avg_incremental(CASE WHEN acc.inc THEN acc.m ELSE acc.s / acc.n END,
                                       CASE WHEN acc.inc THEN acc.c ELSE acc.c / acc.n END, acc.n + 1, x).c,
           'm': promql_avg_incremental(CASE WHEN acc.inc THEN acc.m ELSE acc.s / acc.n END,
                                       CASE WHEN acc.inc THEN acc.c ELSE acc.c / acc.n END, acc.n + 1, x).s,
           'n': acc.n + 1, 'inc': true}
END;

CREATE OR REPLACE TEMP MACRO promql_avg_kahan(vals) AS (
    SELECT CASE WHEN r.inc THEN r.m + r.c ELSE (r.s + r.c) / r.n END
    FROM (SELECT list_reduce(list_transform(vals, x -> {'s': x, 'c': 0.0::DOUBLE, 'm': x, 'n': 1.0::DOUBLE, 'inc': false}),
                             (acc, x) -> promql_avg_step(acc, x.s)) AS r)
);
