import type { MetricKind } from '../store/batch.js';

/**
 * The kind of a metric from Prometheus naming conventions, for inputs that carry no TYPE
 * (https://prometheus.io/docs/practices/naming/): `_total` counters; histogram and summary
 * `_count`/`_sum`/`_bucket` are counters too. `_created` holds a timestamp: a gauge, never rated.
 */
export function kindFromName(metric: string): MetricKind {
  if (metric.endsWith('_created')) return 'gauge';
  if (/_(total|count|sum|bucket)$/.test(metric)) return 'counter';
  return KNOWN_GAUGES.test(metric) ? 'gauge' : 'unknown';
}

/** Gauges of the exporters this tool knows (docs/design.md's known sources), whose names carry no suffix convention. */
const KNOWN_GAUGES =
  /^(process_(resident_memory|virtual_memory|virtual_memory_max|pss|pss_anon|pss_file|pss_shmem|uss|shared|swap|swap_pss)_bytes|process_(open_fds|max_fds|threads|start_time_seconds)|process_tree_(cpu_cores|resident_memory_bytes|virtual_memory_bytes)|namedprocess_namegroup_(memory_bytes|num_procs|num_threads|states|oldest_start_time_seconds|open_filedesc|worst_fd_ratio|threads_wchan)|node_memory_\w+_bytes|node_load(1|5|15)|container_memory_\w+|container_spec_\w+|up|scrape_\w+)$/;
