-- Schema version 2: the metric catalog, so models ask for a quantity ("pss bytes per process")
-- and never name one exporter's metric. Rows come from src/store/catalog.sql, refreshed on open.
CREATE TABLE IF NOT EXISTS metric_catalog (
    source       VARCHAR NOT NULL,   -- procfs, psrecord, prometheus_client, process-exporter, node_exporter, cadvisor
    metric       VARCHAR NOT NULL,   -- the source metric name
    label_filter MAP(VARCHAR, VARCHAR) NOT NULL,  -- labels a series must carry (exact values) to count
    quantity     VARCHAR NOT NULL,   -- cpu_seconds, rss_bytes, pss_bytes, uss_bytes, swap_bytes, cpu_cores, ...
    unit         VARCHAR NOT NULL,   -- unit of the quantity after scaling: seconds, bytes, cores, count
    scale        DOUBLE NOT NULL DEFAULT 1,  -- multiply the source value by this to get the quantity's unit
    scope        VARCHAR NOT NULL CHECK (scope IN ('process', 'tree', 'host', 'container')),
    priority     INTEGER NOT NULL DEFAULT 100  -- lower wins when several sources give one quantity
);
