-- PromQL aggregation arithmetic that must follow Prometheus' order of operations exactly.
-- Inputs arrive as a list ordered like Prometheus' input vector and are folded left to right.

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
