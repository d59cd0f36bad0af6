-- The metric catalog: which source metric gives which quantity, in which unit, under which labels.
-- A label_filter value of '' means "the label is absent" (as in PromQL's {mode=""}).
-- Refreshed on every read-write open when this file changes (schema_meta.catalog_sha256).
DELETE FROM metric_catalog;
INSERT INTO metric_catalog (source, metric, label_filter, quantity, unit, scale, scope, priority) VALUES
    -- /proc snapshots (trace-analyze's own names, following prometheus_client; one series per process)
    ('procfs', 'process_cpu_seconds_total',        MAP {'mode': 'user'},   'cpu_seconds',   'seconds', 1, 'process', 10),
    ('procfs', 'process_cpu_seconds_total',        MAP {'mode': 'system'}, 'cpu_seconds',   'seconds', 1, 'process', 10),
    -- stat's cutime/cstime: the CPU of the children a process reaped (src/models/pool/140-cpu.sql)
    ('procfs', 'process_children_cpu_seconds_total', MAP {'mode': 'user'},   'children_cpu_seconds', 'seconds', 1, 'process', 10),
    ('procfs', 'process_children_cpu_seconds_total', MAP {'mode': 'system'}, 'children_cpu_seconds', 'seconds', 1, 'process', 10),
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
    -- /proc snapshots' cgroup/ folder (cgroup v2 files, under cAdvisor's names; one series per cgroup)
    ('procfs', 'container_cpu_usage_seconds_total',          MAP {}, 'cpu_seconds',           'seconds', 1,    'container', 10),
    ('procfs', 'container_cpu_cfs_periods_total',            MAP {}, 'cfs_periods',           'count',   1,    'container', 10),
    ('procfs', 'container_cpu_cfs_throttled_periods_total',  MAP {}, 'cfs_throttled_periods', 'count',   1,    'container', 10),
    ('procfs', 'container_cpu_cfs_throttled_seconds_total',  MAP {}, 'cfs_throttled_seconds', 'seconds', 1,    'container', 10),
    ('procfs', 'container_spec_cpu_quota',                   MAP {}, 'cpu_quota_seconds',     'seconds', 1e-6, 'container', 10),
    ('procfs', 'container_spec_cpu_period',                  MAP {}, 'cpu_period_seconds',    'seconds', 1e-6, 'container', 10),
    ('procfs', 'container_memory_usage_bytes',               MAP {}, 'memory_usage_bytes',    'bytes',   1,    'container', 10),
    ('procfs', 'container_memory_working_set_bytes',         MAP {}, 'working_set_bytes',     'bytes',   1,    'container', 10),
    ('procfs', 'container_memory_rss',                       MAP {}, 'rss_bytes',             'bytes',   1,    'container', 10),
    ('procfs', 'container_memory_cache',                     MAP {}, 'page_cache_bytes',      'bytes',   1,    'container', 10),
    ('procfs', 'container_spec_memory_limit_bytes',          MAP {}, 'memory_limit_bytes',    'bytes',   1,    'container', 10),
    ('procfs', 'container_oom_events_total',                 MAP {}, 'oom_kills',             'count',   1,    'container', 10),
    ('procfs', 'container_pressure_cpu_waiting_seconds_total',    MAP {}, 'cpu_pressure_waiting_seconds',    'seconds', 1, 'container', 10),
    ('procfs', 'container_pressure_cpu_stalled_seconds_total',    MAP {}, 'cpu_pressure_stalled_seconds',    'seconds', 1, 'container', 10),
    ('procfs', 'container_pressure_memory_waiting_seconds_total', MAP {}, 'memory_pressure_waiting_seconds', 'seconds', 1, 'container', 10),
    ('procfs', 'container_pressure_memory_stalled_seconds_total', MAP {}, 'memory_pressure_stalled_seconds', 'seconds', 1, 'container', 10),
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
    -- cAdvisor (kubelet /metrics/cadvisor; container_cpu_usage_seconds_total may carry cpu="total")
    ('cadvisor', 'container_cpu_usage_seconds_total',   MAP {}, 'cpu_seconds',       'seconds', 1, 'container', 40),
    ('cadvisor', 'container_cpu_cfs_periods_total',           MAP {}, 'cfs_periods',           'count',   1,    'container', 40),
    ('cadvisor', 'container_cpu_cfs_throttled_periods_total', MAP {}, 'cfs_throttled_periods', 'count',   1,    'container', 40),
    ('cadvisor', 'container_cpu_cfs_throttled_seconds_total', MAP {}, 'cfs_throttled_seconds', 'seconds', 1,    'container', 40),
    ('cadvisor', 'container_spec_cpu_quota',                  MAP {}, 'cpu_quota_seconds',     'seconds', 1e-6, 'container', 40),
    ('cadvisor', 'container_spec_cpu_period',                 MAP {}, 'cpu_period_seconds',    'seconds', 1e-6, 'container', 40),
    ('cadvisor', 'container_memory_usage_bytes',        MAP {}, 'memory_usage_bytes', 'bytes',  1, 'container', 40),
    ('cadvisor', 'container_memory_working_set_bytes',  MAP {}, 'working_set_bytes', 'bytes',   1, 'container', 40),
    ('cadvisor', 'container_memory_rss',                MAP {}, 'rss_bytes',         'bytes',   1, 'container', 40),
    ('cadvisor', 'container_memory_cache',              MAP {}, 'page_cache_bytes',  'bytes',   1, 'container', 40),
    ('cadvisor', 'container_spec_memory_limit_bytes',   MAP {}, 'memory_limit_bytes', 'bytes',  1, 'container', 40),
    ('cadvisor', 'container_oom_events_total',          MAP {}, 'oom_kills',         'count',   1, 'container', 40),
    ('cadvisor', 'container_pressure_cpu_waiting_seconds_total',    MAP {}, 'cpu_pressure_waiting_seconds',    'seconds', 1, 'container', 40),
    ('cadvisor', 'container_pressure_cpu_stalled_seconds_total',    MAP {}, 'cpu_pressure_stalled_seconds',    'seconds', 1, 'container', 40),
    ('cadvisor', 'container_pressure_memory_waiting_seconds_total', MAP {}, 'memory_pressure_waiting_seconds', 'seconds', 1, 'container', 40),
    ('cadvisor', 'container_pressure_memory_stalled_seconds_total', MAP {}, 'memory_pressure_stalled_seconds', 'seconds', 1, 'container', 40),
    -- kube-state-metrics: the pod spec's limits (2.x one metric with resource/unit labels; 1.x one metric each)
    ('kube-state-metrics', 'kube_pod_container_resource_limits', MAP {'resource': 'cpu'},    'cpu_limit_cores',    'cores', 1, 'container', 45),
    ('kube-state-metrics', 'kube_pod_container_resource_limits', MAP {'resource': 'memory'}, 'memory_limit_bytes', 'bytes', 1, 'container', 45),
    ('kube-state-metrics', 'kube_pod_container_resource_limits_cpu_cores',    MAP {}, 'cpu_limit_cores',    'cores', 1, 'container', 46),
    ('kube-state-metrics', 'kube_pod_container_resource_limits_memory_bytes', MAP {}, 'memory_limit_bytes', 'bytes', 1, 'container', 46),
    -- The application's requests (scope 'service', src/models/pool/185-work.sql): 'requests' counts
    -- requests served (a counter, or a duration histogram's _count); 'request_duration_bucket' is a
    -- duration histogram's cumulative bucket counter, whose le label times scale is its upper bound
    -- in seconds. Per deployment the lowest priority present is used, so a request is counted once.
    -- prometheus_client as prometheus-fastapi-instrumentator uses it
    ('prometheus_client', 'http_requests_total',                  MAP {}, 'requests',                'count',   1, 'service', 60),
    ('prometheus_client', 'http_request_duration_seconds_count',  MAP {}, 'requests',                'count',   1, 'service', 61),
    ('prometheus_client', 'http_request_duration_seconds_bucket', MAP {}, 'request_duration_bucket', 'seconds', 1, 'service', 61),
    -- starlette_exporter
    ('starlette_exporter', 'starlette_requests_total',                  MAP {}, 'requests',                'count',   1, 'service', 62),
    ('starlette_exporter', 'starlette_request_duration_seconds_count',  MAP {}, 'requests',                'count',   1, 'service', 63),
    ('starlette_exporter', 'starlette_request_duration_seconds_bucket', MAP {}, 'request_duration_bucket', 'seconds', 1, 'service', 63),
    -- OpenTelemetry HTTP server metrics through its Prometheus exporter (semantic conventions 1.21+, and the older milliseconds)
    ('opentelemetry', 'http_server_request_duration_seconds_count',  MAP {}, 'requests',                'count',   1,     'service', 64),
    ('opentelemetry', 'http_server_request_duration_seconds_bucket', MAP {}, 'request_duration_bucket', 'seconds', 1,     'service', 64),
    ('opentelemetry', 'http_server_duration_milliseconds_count',     MAP {}, 'requests',                'count',   1,     'service', 65),
    ('opentelemetry', 'http_server_duration_milliseconds_bucket',    MAP {}, 'request_duration_bucket', 'seconds', 0.001, 'service', 65),
    -- ingress-nginx in front of the deployment
    ('nginx-ingress', 'nginx_ingress_controller_requests',                       MAP {}, 'requests',                'count',   1, 'service', 66),
    ('nginx-ingress', 'nginx_ingress_controller_request_duration_seconds_count', MAP {}, 'requests',                'count',   1, 'service', 67),
    ('nginx-ingress', 'nginx_ingress_controller_request_duration_seconds_bucket', MAP {}, 'request_duration_bucket', 'seconds', 1, 'service', 67),
    -- a load tool's summary (src/importers/load-summary.ts): used where the app exports no counter
    ('load-tool', 'loadgen_requests_total',  MAP {}, 'requests',                  'count',   1, 'service', 90),
    ('load-tool', 'loadgen_latency_seconds', MAP {}, 'request_duration_quantile', 'seconds', 1, 'service', 90);
