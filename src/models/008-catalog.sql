-- Does a series' label set pass a metric catalog row's label filter? Every filter entry must
-- hold; a filter value '' means "label absent", as PromQL's {mode=""}.
CREATE OR REPLACE TEMP MACRO catalog_labels_match(label_filter, labels) AS
    coalesce(list_bool_and(list_transform(map_entries(label_filter),
                                          e -> coalesce(labels[e.key], '') = e.value)), true);
