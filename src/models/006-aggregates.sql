-- Sums that do not depend on the order of addition. The report runs on every core, and a
-- parallel aggregation adds its rows in a varying order, so a plain sum() of doubles differs in
-- its last bits from one run to the next. These round each value first and add integers, which
-- is exact in any order, so equal inputs give equal report bytes:
--   exact_sum(x): values rounded to 1e-9 (seconds, cores, fractions), added as integer nanos
--   exact_sum_bytes(x): values rounded to whole units (bytes, counts), added as integers
-- A group with a value no measurement has (NaN, ±Inf, or beyond BIGINT once scaled: 9.2e9 s for
-- exact_sum) is added as plain doubles instead, so such values still show in the result; only
-- those sums may vary in their last bits. NULL over no (non-NULL) values, as sum().
-- DuckDB takes no FILTER on a macro: write exact_sum(CASE WHEN … THEN x END).
CREATE OR REPLACE TEMP MACRO exact_sum(x) AS
    CASE WHEN count(x) = count(try_cast(round(x * 1e9) AS BIGINT))
         THEN sum(try_cast(round(x * 1e9) AS BIGINT)) / 1e9
         ELSE sum(x) END;

CREATE OR REPLACE TEMP MACRO exact_avg(x) AS exact_sum(x) / count(x);

CREATE OR REPLACE TEMP MACRO exact_sum_bytes(x) AS
    CASE WHEN count(x) = count(try_cast(round(x) AS BIGINT))
         THEN sum(try_cast(round(x) AS BIGINT))::DOUBLE
         ELSE sum(x) END;

CREATE OR REPLACE TEMP MACRO exact_avg_bytes(x) AS exact_sum_bytes(x) / count(x);

-- The median (as median(): the mean of the two middle values of an even count) of values given
-- as a histogram: one row per distinct value v with cum = how many values are <= v and total =
-- how many there are (a window sum over the counts). Scrape intervals take few distinct values,
-- so their median from a histogram aggregates a few rows instead of collecting millions.
CREATE OR REPLACE TEMP MACRO median_from_counts(v, cum, total) AS
    (min(v) FILTER (WHERE cum > (total - 1) // 2) + min(v) FILTER (WHERE cum > total // 2)) / 2;
