-- PromQL per-sample functions and operators with Go's float64 semantics (Prometheus
-- promql/functions.go, engine.go). DuckDB raises errors where Go's math returns NaN or ±Inf
-- (ln(-1), sqrt(-1), acos(2)), orders NaN above every number and calls NaN = NaN true; these
-- macros give Go's answers.

-- Comparisons as Go evaluates them: every comparison with NaN is false, except != which is true.
CREATE OR REPLACE TEMP MACRO promql_cmp(op, a, b) AS
    CASE WHEN isnan(a) OR isnan(b) THEN op = '!='
         WHEN op = '==' THEN a = b
         WHEN op = '!=' THEN a <> b
         WHEN op = '<' THEN a < b
         WHEN op = '>' THEN a > b
         WHEN op = '<=' THEN a <= b
         ELSE a >= b END;

-- math.Min / math.Max: NaN if either is NaN.
CREATE OR REPLACE TEMP MACRO promql_go_min(a, b) AS
    CASE WHEN isnan(a) OR isnan(b) THEN 'nan'::DOUBLE ELSE least(a, b) END;
CREATE OR REPLACE TEMP MACRO promql_go_max(a, b) AS
    CASE WHEN isnan(a) OR isnan(b) THEN 'nan'::DOUBLE ELSE greatest(a, b) END;

-- math.Log and friends: NaN below zero, -Inf at zero.
CREATE OR REPLACE TEMP MACRO promql_log(x, base) AS
    CASE WHEN isnan(x) OR x < 0 THEN 'nan'::DOUBLE
         WHEN x = 0 THEN '-inf'::DOUBLE
         WHEN isinf(x) THEN x
         WHEN base = 'e' THEN ln(x)
         WHEN base = '2' THEN log2(x)
         ELSE log10(x) END;
CREATE OR REPLACE TEMP MACRO promql_sqrt(x) AS
    CASE WHEN isnan(x) OR x < 0 THEN 'nan'::DOUBLE ELSE sqrt(x) END;

-- Trigonometry outside the functions' domains is NaN (math.Acos(2), math.Atanh(2), …).
CREATE OR REPLACE TEMP MACRO promql_acos(x) AS CASE WHEN isnan(x) OR abs(x) > 1 THEN 'nan'::DOUBLE ELSE acos(x) END;
CREATE OR REPLACE TEMP MACRO promql_asin(x) AS CASE WHEN isnan(x) OR abs(x) > 1 THEN 'nan'::DOUBLE ELSE asin(x) END;
CREATE OR REPLACE TEMP MACRO promql_acosh(x) AS CASE WHEN isnan(x) OR x < 1 THEN 'nan'::DOUBLE ELSE acosh(x) END;
CREATE OR REPLACE TEMP MACRO promql_atanh(x) AS
    CASE WHEN isnan(x) OR abs(x) > 1 THEN 'nan'::DOUBLE
         WHEN x = 1 THEN 'inf'::DOUBLE WHEN x = -1 THEN '-inf'::DOUBLE ELSE atanh(x) END;
CREATE OR REPLACE TEMP MACRO promql_trig(x, f) AS
    CASE WHEN isinf(x) AND f IN ('sin', 'cos', 'tan') THEN 'nan'::DOUBLE
         WHEN f = 'sin' THEN sin(x) WHEN f = 'cos' THEN cos(x) WHEN f = 'tan' THEN tan(x)
         WHEN f = 'atan' THEN atan(x) WHEN f = 'sinh' THEN sinh(x) WHEN f = 'cosh' THEN cosh(x)
         WHEN f = 'tanh' THEN tanh(x) ELSE asinh(x) END;

-- funcSgn: -1, 1, or the value itself (0, -0, NaN).
CREATE OR REPLACE TEMP MACRO promql_sgn(x) AS
    CASE WHEN isnan(x) THEN x WHEN x < 0 THEN -1.0 WHEN x > 0 THEN 1.0 ELSE x END;

-- funcRound: math.Floor(v*toNearestInv+0.5) / toNearestInv, toNearestInv = 1 / toNearest.
CREATE OR REPLACE TEMP MACRO promql_round(x, to_nearest) AS
    floor(x * (1.0 / to_nearest) + 0.5) / (1.0 / to_nearest);

-- math.Mod (Go's % on floats): the sign of the dividend; NaN for a zero divisor or an infinite
-- dividend; the dividend itself for an infinite divisor.
CREATE OR REPLACE TEMP MACRO promql_mod(a, b) AS
    CASE WHEN isnan(a) OR isnan(b) OR isinf(a) OR b = 0 THEN 'nan'::DOUBLE
         WHEN isinf(b) THEN a ELSE fmod(a, b) END;

-- The date functions (functions.go dateWrapper): the sample value read as unix seconds,
-- truncated to whole seconds (time.Unix(int64(v), 0).UTC()); NaN and ±Inf give NaN.
CREATE OR REPLACE TEMP MACRO promql_date(v, part) AS
    CASE WHEN isnan(v) OR isinf(v) OR abs(v) > 9.2e12 THEN 'nan'::DOUBLE ELSE (
        SELECT CASE part
            WHEN 'day_of_month' THEN dayofmonth(d)
            WHEN 'day_of_week' THEN dayofweek(d)
            WHEN 'day_of_year' THEN dayofyear(d)
            WHEN 'days_in_month' THEN dayofmonth(last_day(d))
            WHEN 'hour' THEN hour(d)
            WHEN 'minute' THEN minute(d)
            WHEN 'month' THEN month(d)
            ELSE year(d) END::DOUBLE
        FROM (SELECT make_timestamp(trunc(v)::BIGINT * 1000000) AS d)
    ) END;

-- strconv.FormatFloat(v, 'f', -1, 64): the shortest decimal that reads back as v, never in
-- exponent form (count_values' label value). DuckDB's shortest form may use an exponent
-- ("1e+20", "1.5e-07"); its digits are moved into place.
CREATE OR REPLACE TEMP MACRO promql_format_float(v) AS
    CASE WHEN isnan(v) THEN 'NaN' WHEN v = 'inf'::DOUBLE THEN '+Inf' WHEN v = '-inf'::DOUBLE THEN '-Inf'
    ELSE (
        SELECT CASE
            WHEN NOT contains(s, 'e') THEN regexp_replace(s, '\.0$', '')
            ELSE (
                SELECT sign || CASE
                    WHEN ex >= len(digits) - 1 THEN digits || repeat('0', ex - (len(digits) - 1))
                    WHEN ex >= 0 THEN digits[1:ex + 1] || '.' || digits[ex + 2:]
                    ELSE '0.' || repeat('0', -ex - 1) || digits END
                FROM (SELECT CASE WHEN starts_with(s, '-') THEN '-' ELSE '' END AS sign,
                             replace(split_part(ltrim(s, '-'), 'e', 1), '.', '') AS digits,
                             coalesce(try_cast(split_part(s, 'e', 2) AS INTEGER), 0) AS ex)
            ) END
        FROM (SELECT v::VARCHAR AS s)
    ) END;

-- A label list with `name` set to `value` (removed when value is '', as Prometheus has no empty
-- labels), kept sorted: label_replace, label_join, count_values, group_left(...) labels.
CREATE OR REPLACE TEMP MACRO promql_set_label(labels, name, value) AS
    list_sort(list_filter(labels, e -> e.key <> name)
              || CASE WHEN value = '' THEN []::STRUCT(key VARCHAR, value VARCHAR)[]
                      ELSE [{'key': name, 'value': value}] END);

-- A sort key for natural order (sort_by_label's natsort.Compare): runs of digits compare as
-- numbers (zero-padded), the rest as text.
CREATE OR REPLACE TEMP MACRO promql_natural_key(s) AS
    list_transform(regexp_extract_all(s, '(\d+|\D+)'),
                   x -> CASE WHEN regexp_full_match(x, '\d+') THEN lpad(x, 40, '0') ELSE x END);

-- almost.Equal (Prometheus util/almost): equal, or within epsilon relative.
CREATE OR REPLACE TEMP MACRO promql_almost_equal(a, b, epsilon) AS
    CASE WHEN isnan(a) AND isnan(b) THEN true
         WHEN a = b THEN true
         WHEN a = 0 OR b = 0 OR abs(a) + abs(b) < 2.2250738585072014e-308
             THEN abs(a - b) < epsilon * 2.2250738585072014e-308
         ELSE abs(a - b) / least(abs(a) + abs(b), 1.7976931348623157e308) < epsilon END;

-- bucketQuantile (promql/quantile.go) over classic buckets: buckets is a list of {upper, count}
-- sorted by upper bound. The highest bucket must be +Inf; buckets with one bound are merged
-- (coalesceBuckets); counts are made monotonic, differences within 1e-12 relative ignored
-- (ensureMonotonicAndIgnoreSmallDeltas); then linear interpolation inside the bucket holding
-- the rank, the lowest bucket starting at 0 unless its bound is <= 0, and the highest finite
-- bound for a rank in the +Inf bucket.
CREATE OR REPLACE TEMP MACRO promql_bucket_monotonic(cs) AS
    list_reduce([{'prev': cs[1], 'out': [cs[1]]}]
                || list_transform(cs[2:], x -> {'prev': x, 'out': []::DOUBLE[]}),
                (acc, x) -> CASE WHEN x.prev = acc.prev THEN {'prev': acc.prev, 'out': acc.out || [x.prev]}
                                 WHEN promql_almost_equal(acc.prev, x.prev, 1e-12) OR x.prev < acc.prev
                                     THEN {'prev': acc.prev, 'out': acc.out || [acc.prev]}
                                 ELSE {'prev': x.prev, 'out': acc.out || [x.prev]} END).out;

CREATE OR REPLACE TEMP MACRO promql_bucket_interpolate(q, us, cs) AS (
    SELECT CASE
        WHEN len(us) < 2 OR cs[-1] = 0 OR isnan(cs[-1]) THEN 'nan'::DOUBLE
        WHEN bi = len(us) THEN us[len(us) - 1]
        WHEN bi = 1 AND us[1] <= 0 THEN us[1]
        WHEN bi = 1 THEN us[1] * (q * cs[-1] / cs[1])
        ELSE us[bi - 1] + (us[bi] - us[bi - 1]) * ((q * cs[-1] - cs[bi - 1]) / (cs[bi] - cs[bi - 1]))
    END
    FROM (SELECT coalesce(list_filter(range(1, len(us)), i -> NOT isnan(cs[i]) AND cs[i] >= q * cs[-1])[1], len(us)) AS bi)
);

CREATE OR REPLACE TEMP MACRO promql_bucket_quantile(q, buckets) AS
    CASE WHEN isnan(q) THEN 'nan'::DOUBLE
         WHEN q < 0 THEN '-inf'::DOUBLE
         WHEN q > 1 THEN 'inf'::DOUBLE
         WHEN buckets[-1].upper <> 'inf'::DOUBLE THEN 'nan'::DOUBLE
         ELSE promql_bucket_interpolate(q,
                  list_transform(buckets, x -> x.upper),
                  promql_bucket_monotonic(list_transform(buckets, x -> x.count)))
    END;
