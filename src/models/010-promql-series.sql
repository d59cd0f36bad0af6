-- The label sets PromQL sees, one row per stored series (src/promql/ selects from these).
-- labels: a list of {key, value} sorted by key then value, the form of Prometheus' labels.Labels,
-- so list comparison orders series as labels.Compare does and equal sets compare equal.
-- with_deployment: add the series' deployment as label `deployment`; a source label of that name
-- that differs is kept as `exported_deployment` (Prometheus' honor_labels=false clash rule).
-- Prometheus has no empty label values: a label with value '' is absent.

CREATE OR REPLACE TEMP MACRO promql_series(with_deployment) AS TABLE
SELECT
    s.series_id,
    s.deployment,
    list_sort(
        list_filter(
            [{'key': '__name__', 'value': s.metric}]
            || CASE WHEN with_deployment THEN [{'key': 'deployment', 'value': s.deployment}] ELSE [] END
            || list_transform(
                list_filter(map_entries(s.labels),
                            e -> NOT (with_deployment AND e.key = 'deployment' AND e.value = s.deployment)),
                e -> CASE WHEN with_deployment AND e.key = 'deployment'
                          THEN {'key': 'exported_deployment', 'value': e.value}
                          ELSE {'key': e.key, 'value': e.value} END),
            e -> e.value <> '')
    ) AS labels
FROM series s;

-- The value of one label in a label list, '' when absent (PromQL matchers treat absent as empty).
CREATE OR REPLACE TEMP MACRO promql_label(labels, name) AS
    coalesce(list_filter(labels, e -> e.key = name)[1].value, '');

-- Label list without the metric name: what functions, arithmetic and `without` return.
CREATE OR REPLACE TEMP MACRO promql_drop_name(labels) AS
    list_filter(labels, e -> e.key <> '__name__');

-- Keep only the named labels (aggregation `by`, vector matching `on`).
CREATE OR REPLACE TEMP MACRO promql_keep_labels(labels, names) AS
    list_filter(labels, e -> list_contains(names, e.key));

-- Drop the named labels and the metric name (aggregation `without`, matching `ignoring`).
CREATE OR REPLACE TEMP MACRO promql_drop_labels(labels, names) AS
    list_filter(labels, e -> NOT list_contains(names, e.key) AND e.key <> '__name__');

-- A label set as PromQL writes it, {a="1", b="2"} (error messages).
CREATE OR REPLACE TEMP MACRO promql_format_labels(labels) AS
    '{' || array_to_string(list_transform(labels, e -> e.key || '=' || to_json(e.value)), ', ') || '}';
