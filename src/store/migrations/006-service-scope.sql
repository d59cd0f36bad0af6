-- Schema version 6: the metric catalog's scope 'service': series of the application as a whole,
-- its request counters and request-duration histograms (one series per handler, method and
-- status; an app with several workers sums them itself, as prometheus_client's multiprocess
-- mode does). DuckDB cannot change a CHECK constraint in place: the table is made anew; its rows
-- are the tool's (src/store/catalog.sql), written again on open since the stored hash is gone.
CREATE TABLE metric_catalog_v6 (
    source       VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL,
    label_filter MAP(VARCHAR, VARCHAR) NOT NULL,
    quantity     VARCHAR NOT NULL,
    unit         VARCHAR NOT NULL,
    scale        DOUBLE NOT NULL DEFAULT 1,
    scope        VARCHAR NOT NULL CHECK (scope IN ('process', 'tree', 'host', 'container', 'service')),
    priority     INTEGER NOT NULL DEFAULT 100
);
DROP TABLE metric_catalog;
ALTER TABLE metric_catalog_v6 RENAME TO metric_catalog;
DELETE FROM schema_meta WHERE key = 'catalog_sha256';
