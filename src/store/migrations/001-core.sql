-- Schema version 1: the canonical model of docs/design.md. Table and column names are public
-- (users query them directly); change them only with a new migration.

CREATE TABLE IF NOT EXISTS schema_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- One row per imported file (or snapshot folder).
CREATE TABLE IF NOT EXISTS imports (
    import_id   INTEGER PRIMARY KEY,
    deployment  VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,
    format      VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    series      INTEGER NOT NULL,   -- series this import touched
    samples     BIGINT  NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    warnings    VARCHAR[] NOT NULL
);

-- Prometheus-style series. Identity within a deployment is (metric, labels); `labels` never holds __name__.
CREATE TABLE IF NOT EXISTS series (
    series_id   INTEGER PRIMARY KEY,
    deployment  VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    labels      MAP(VARCHAR, VARCHAR) NOT NULL,
    kind        VARCHAR NOT NULL CHECK (kind IN ('counter', 'gauge', 'unknown')),
    unit        VARCHAR,
    help        VARCHAR,
    process_key VARCHAR,            -- set when the series belongs to one process
    import_id   INTEGER NOT NULL    -- the import that first declared it
);

-- ts: unix milliseconds, as Prometheus stores them. value keeps NaN and ±Inf;
-- NULL is Prometheus' staleness marker (the series ended there).
CREATE TABLE IF NOT EXISTS samples (
    series_id INTEGER NOT NULL,
    ts        BIGINT  NOT NULL,
    value     DOUBLE
);

-- One row per process; identity is (pid, start time) through process_key.
CREATE TABLE IF NOT EXISTS processes (
    deployment  VARCHAR NOT NULL,
    process_key VARCHAR NOT NULL,
    pid         INTEGER NOT NULL,
    ppid        INTEGER,
    comm        VARCHAR,
    cmdline     VARCHAR,
    start_ts    BIGINT,             -- unix ms, null when unknown
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    role        VARCHAR NOT NULL DEFAULT 'other' CHECK (role IN ('master', 'worker', 'helper', 'other')),
    pool        VARCHAR
);
