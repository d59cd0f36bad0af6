-- The metric catalog: which source metric gives which quantity, in which unit, under which labels.
-- A label_filter value of '' means "the label is absent" (as in PromQL's {mode=""}).
-- Refreshed on every read-write open when this file changes (schema_meta.catalog_sha256).
DELETE FROM metric_catalog;
INSERT INTO metric_catalog (source, metric, label_filter, quantity, unit, scale, scope, priority) VALUES
    -- /proc snapshots (trace-analyze's own names, following prometheus_client; one series per process)
    ('procfs', 'process_cpu_seconds_total',        MAP {'mode': 'user'},   'cpu_seconds',   'seconds', 1, 'process', 10),
    ('procfs', 'process_cpu_seconds_total',        MAP {'mode': 'system'}, 'cpu_seconds',   'seconds', 1, 'process', 10),
    ('procfs', 'process_resident_memory_bytes',    MAP {},                 'rss_bytes',     'bytes',   1, 'process', 10),
    ('procfs', 'process_virtual_memory_bytes',     MAP {},                 'vms_bytes',     'bytes',   1, 'process', 10),
    ('procfs', 'process_pss_bytes',                MAP {},                 'pss_bytes',     'bytes',   1, 'process', 10),
    ('procfs', 'process_uss_bytes',                MAP {},                 'uss_bytes',     'bytes',   1, 'process', 10),
    ('procfs', 'process_pss_anon_bytes',           MAP {},                 'pss_anon_bytes', 'bytes',  1, 'process', 10),
    ('procfs', 'process_pss_file_bytes',           MAP {},                 'pss_file_bytes', 'bytes',  1, 'process', 10),
    ('procfs', 'process_pss_shmem_bytes',          MAP {},                 'pss_shmem_bytes', 'bytes', 1, 'process', 10),
    ('procfs', 'process_swap_pss_bytes',           MAP {},                 'swap_pss_bytes', 'bytes',  1, 'process', 10),
    ('procfs', 'process_io_read_bytes_total',      MAP {},                 'io_read_bytes', 'bytes',   1, 'process', 10),
    ('procfs', 'process_io_write_bytes_total',     MAP {},                 'io_write_bytes', 'bytes',  1, 'process', 10),
    ('procfs', 'process_shared_bytes',             MAP {},                 'shared_bytes',  'bytes',   1, 'process', 10),
    ('procfs', 'process_swap_bytes',               MAP {},                 'swap_bytes',    'bytes',   1, 'process', 10),
    ('procfs', 'process_threads',                  MAP {},                 'threads',       'count',   1, 'process', 10),
    ('procfs', 'node_cpu_seconds_total',           MAP {},                 'host_cpu_seconds', 'seconds', 1, 'host', 10),
    ('procfs', 'node_memory_MemTotal_bytes',       MAP {},                 'host_memory_total_bytes', 'bytes', 1, 'host', 10),
    ('procfs', 'node_memory_MemAvailable_bytes',   MAP {},                 'host_memory_available_bytes', 'bytes', 1, 'host', 10),
    -- prometheus_client's process collector (no mode label: user+system together)
    ('prometheus_client', 'process_cpu_seconds_total',     MAP {'mode': ''}, 'cpu_seconds', 'seconds', 1, 'process', 30),
    ('prometheus_client', 'process_resident_memory_bytes', MAP {},           'rss_bytes',   'bytes',   1, 'process', 30),
    ('prometheus_client', 'process_virtual_memory_bytes',  MAP {},           'vms_bytes',   'bytes',   1, 'process', 30),
    -- process-exporter (groupname often carries comm:pid, one group per process)
    ('process-exporter', 'namedprocess_namegroup_cpu_seconds_total', MAP {'mode': 'user'},   'cpu_seconds', 'seconds', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_cpu_seconds_total', MAP {'mode': 'system'}, 'cpu_seconds', 'seconds', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_memory_bytes', MAP {'memtype': 'resident'},             'rss_bytes',  'bytes', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_memory_bytes', MAP {'memtype': 'proportionalResident'}, 'pss_bytes',  'bytes', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_memory_bytes', MAP {'memtype': 'virtual'},              'vms_bytes',  'bytes', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_memory_bytes', MAP {'memtype': 'swapped'},              'swap_bytes', 'bytes', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_num_threads',  MAP {},                                  'threads',    'count', 1, 'process', 20),
    ('process-exporter', 'namedprocess_namegroup_num_procs',    MAP {},                                  'procs',      'count', 1, 'process', 20),
    -- psrecord (one series per file for the whole process tree)
    ('psrecord', 'process_tree_cpu_cores',             MAP {}, 'cpu_cores', 'cores', 1, 'tree', 50),
    ('psrecord', 'process_tree_resident_memory_bytes', MAP {}, 'rss_bytes', 'bytes', 1, 'tree', 50),
    ('psrecord', 'process_tree_virtual_memory_bytes',  MAP {}, 'vms_bytes', 'bytes', 1, 'tree', 50),
    ('psrecord', 'process_tree_processes',             MAP {}, 'procs',     'count', 1, 'tree', 50),
    ('psrecord', 'process_tree_io_read_bytes_total',   MAP {}, 'io_read_bytes',  'bytes', 1, 'tree', 50),
    ('psrecord', 'process_tree_io_write_bytes_total',  MAP {}, 'io_write_bytes', 'bytes', 1, 'tree', 50),
    -- node_exporter
    ('node_exporter', 'node_cpu_seconds_total',         MAP {}, 'host_cpu_seconds', 'seconds', 1, 'host', 20),
    ('node_exporter', 'node_memory_MemTotal_bytes',     MAP {}, 'host_memory_total_bytes', 'bytes', 1, 'host', 20),
    ('node_exporter', 'node_memory_MemAvailable_bytes', MAP {}, 'host_memory_available_bytes', 'bytes', 1, 'host', 20),
    -- cAdvisor
    ('cadvisor', 'container_cpu_usage_seconds_total',   MAP {}, 'cpu_seconds',       'seconds', 1, 'container', 40),
    ('cadvisor', 'container_memory_working_set_bytes',  MAP {}, 'working_set_bytes', 'bytes',   1, 'container', 40),
    ('cadvisor', 'container_memory_rss',                MAP {}, 'rss_bytes',         'bytes',   1, 'container', 40);
