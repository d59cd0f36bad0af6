/**
 * The cgroup v2 files a /proc snapshot may hold in its `cgroup/` folder (the server's cgroup,
 * Documentation/admin-guide/cgroup-v2.rst), turned into the series cAdvisor exports for the
 * same quantities (cadvisor metrics/prometheus.go), so models read a recording and a
 * Prometheus export of cAdvisor alike. Each parser returns the values a file states; a value
 * the file does not state gives no sample (missing, never zero).
 */

/** The files recorded, in the order collect and procsnap.sh copy them. */
export const CGROUP_FILES = [
  'cpu.max',
  'cpu.stat',
  'cpu.pressure',
  'memory.current',
  'memory.max',
  'memory.stat',
  'memory.events',
  'memory.pressure',
] as const;

export type CgroupFile = (typeof CGROUP_FILES)[number];

/** One series value read from a cgroup file. */
export interface CgroupValue {
  metric: string;
  kind: 'counter' | 'gauge';
  unit: string;
  value: number;
}

/** A line of a cgroup file that is not what the kernel writes there: its 1-based line and why. */
export class CgroupFormatError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const INTEGER = /^\d+$/;

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** Flat-keyed files (cpu.stat, memory.stat, memory.events): "key value" per line. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  lines(text).forEach((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 2 || !INTEGER.test(parts[1]!))
      throw new CgroupFormatError(i + 1, `expected "key <integer>", found "${line}"`);
    out.set(parts[0]!, Number(parts[1]));
  });
  return out;
}

/** Single-value files (memory.current, memory.max): an integer, or "max" (no limit: undefined). */
export function parseSingleValue(text: string): number | undefined {
  const value = text.trim();
  if (value === 'max') return undefined;
  if (!INTEGER.test(value)) throw new CgroupFormatError(1, `expected an integer or "max", found "${value}"`);
  return Number(value);
}

/** cpu.max: "$MAX $PERIOD" in microseconds; $MAX is "max" when there is no quota. */
export function parseCpuMax(text: string): { quotaUs?: number; periodUs: number } {
  const parts = text.trim().split(/\s+/);
  const [max, period] = parts;
  if (parts.length !== 2 || !(max === 'max' || INTEGER.test(max!)) || !INTEGER.test(period!))
    throw new CgroupFormatError(1, `expected "<quota|max> <period>", found "${text.trim()}"`);
  return { quotaUs: max === 'max' ? undefined : Number(max), periodUs: Number(period) };
}

/** Pressure files (PSI): "some|full avg10=.. avg60=.. avg300=.. total=<usec>" lines. */
export function parsePressure(text: string): { some?: number; full?: number } {
  const out: { some?: number; full?: number } = {};
  lines(text).forEach((line, i) => {
    const m = /^(some|full)\s+avg10=[\d.]+\s+avg60=[\d.]+\s+avg300=[\d.]+\s+total=(\d+)\s*$/.exec(line);
    if (!m)
      throw new CgroupFormatError(
        i + 1,
        `expected "some|full avg10=.. avg60=.. avg300=.. total=..", found "${line}"`,
      );
    out[m[1] as 'some' | 'full'] = Number(m[2]);
  });
  return out;
}

/**
 * The series one snapshot's cgroup files give, with cAdvisor's names and units:
 * microsecond counters become seconds; cpu.max stays in microseconds as cAdvisor's
 * container_spec_cpu_quota/period are; "max" (no limit) gives no quota or limit sample.
 * `read(file)` returns a file's text, or undefined when the snapshot does not hold it.
 * Errors are CgroupFormatError tagged with the file by the caller.
 */
export function cgroupValues(
  read: (file: CgroupFile) => string | undefined,
  onError: (file: CgroupFile, error: CgroupFormatError) => never,
): CgroupValue[] {
  const out: CgroupValue[] = [];
  const put = (metric: string, kind: 'counter' | 'gauge', unit: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out.push({ metric, kind, unit, value });
  };
  const parse = <T>(file: CgroupFile, parser: (text: string) => T): T | undefined => {
    const text = read(file);
    if (text === undefined || text.trim() === '') return undefined; // unreadable when recorded
    try {
      return parser(text);
    } catch (e) {
      if (e instanceof CgroupFormatError) onError(file, e);
      throw e;
    }
  };
  const seconds = (usec: number | undefined) => (usec === undefined ? undefined : usec / 1e6);

  const cpuStat = parse('cpu.stat', parseFlatKeyed);
  put('container_cpu_usage_seconds_total', 'counter', 'seconds', seconds(cpuStat?.get('usage_usec')));
  put('container_cpu_user_seconds_total', 'counter', 'seconds', seconds(cpuStat?.get('user_usec')));
  put('container_cpu_system_seconds_total', 'counter', 'seconds', seconds(cpuStat?.get('system_usec')));
  // nr_periods and the throttling counters are there only when the cpu controller is enabled
  put('container_cpu_cfs_periods_total', 'counter', 'count', cpuStat?.get('nr_periods'));
  put('container_cpu_cfs_throttled_periods_total', 'counter', 'count', cpuStat?.get('nr_throttled'));
  put(
    'container_cpu_cfs_throttled_seconds_total',
    'counter',
    'seconds',
    seconds(cpuStat?.get('throttled_usec')),
  );

  const cpuMax = parse('cpu.max', parseCpuMax);
  put('container_spec_cpu_quota', 'gauge', 'microseconds', cpuMax?.quotaUs);
  put('container_spec_cpu_period', 'gauge', 'microseconds', cpuMax?.periodUs);

  const current = parse('memory.current', parseSingleValue);
  put('container_memory_usage_bytes', 'gauge', 'bytes', current);
  put('container_spec_memory_limit_bytes', 'gauge', 'bytes', parse('memory.max', parseSingleValue));
  const memStat = parse('memory.stat', parseFlatKeyed);
  // cAdvisor on cgroup v2: RSS is anon, cache is file, mapped_file is file_mapped
  put('container_memory_rss', 'gauge', 'bytes', memStat?.get('anon'));
  put('container_memory_cache', 'gauge', 'bytes', memStat?.get('file'));
  put('container_memory_mapped_file', 'gauge', 'bytes', memStat?.get('file_mapped'));
  put('container_memory_total_active_file_bytes', 'gauge', 'bytes', memStat?.get('active_file'));
  put('container_memory_total_inactive_file_bytes', 'gauge', 'bytes', memStat?.get('inactive_file'));
  // cAdvisor's working set: usage minus inactive_file, floored at 0 (setMemoryStats)
  const inactive = memStat?.get('inactive_file');
  if (current !== undefined && inactive !== undefined)
    put('container_memory_working_set_bytes', 'gauge', 'bytes', Math.max(0, current - inactive));

  const events = parse('memory.events', parseFlatKeyed);
  put('container_oom_events_total', 'counter', 'count', events?.get('oom_kill'));
  put('container_memory_events_max_total', 'counter', 'count', events?.get('max'));
  put('container_memory_events_high_total', 'counter', 'count', events?.get('high'));

  const cpuPressure = parse('cpu.pressure', parsePressure);
  put('container_pressure_cpu_waiting_seconds_total', 'counter', 'seconds', seconds(cpuPressure?.some));
  put('container_pressure_cpu_stalled_seconds_total', 'counter', 'seconds', seconds(cpuPressure?.full));
  const memPressure = parse('memory.pressure', parsePressure);
  put('container_pressure_memory_waiting_seconds_total', 'counter', 'seconds', seconds(memPressure?.some));
  put('container_pressure_memory_stalled_seconds_total', 'counter', 'seconds', seconds(memPressure?.full));
  return out;
}
