import { chmodSync, mkdirSync, readFileSync, readdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { MODES, ROOT, tempDir } from '../helpers/cli.js';
import { cliAsync } from '../helpers/cli-async.js';
import { promNumber, readPromBody, type PromSeries } from '../helpers/prom.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const SAMPLES = join(ROOT, 'samples/real-capture-1');
const DB = join(tmp.dir, 'sample.duckdb');

interface JsonReport {
  title: string;
  baseline: string;
  deployments: {
    name: string;
    start: number;
    steady: { start: number; end: number };
    cpu: { seconds: number };
    memory: {
      peak: { rss_bytes: number; pss_bytes: number; uss_bytes: number | null };
      rss_over_pss: number;
      pss_bytes: number | null;
      load_model: { pss_bytes: number } | null;
    };
    delta: Record<string, number | null> | null;
  }[];
  findings: {
    id: string;
    severity: string;
    deployment: string;
    text: string;
    values: Record<string, number | null>;
  }[];
  inputs: { deployment: string; path: string; format: string; sha256: string }[];
}

beforeAll(async () => {
  // The Prometheus exports only: the figures below are checked against them. (With the /proc
  // snapshots too, the catalog prefers those; test/models/pool-real.test.ts checks that case.)
  for (const mode of MODES) {
    const r = await cliAsync([
      'import',
      join(SAMPLES, mode, 'raw_samples.json.gz'),
      '--db',
      DB,
      '--deployment',
      mode,
    ]);
    expect(r.status, r.stderr).toBe(0);
  }
  chmodSync(DB, 0o444); // report must work on a file it may not write
  dbSha = sha256(DB);
});
afterAll(() => {
  // Every report in this file ran against DB: it must be byte-for-byte unchanged.
  expect(sha256(DB)).toBe(dbSha);
});

let dbSha = '';
function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

async function jsonReport(args: string[]): Promise<JsonReport> {
  const r = await cliAsync(['report', ...args, '--format', 'json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JsonReport;
}

/** The raw samples of one deployment, read with JSON.parse (independent of the importer and the SQL). */
function raw(mode: string): PromSeries[] {
  return readPromBody(join(SAMPLES, mode, 'raw_samples.json.gz')).result as PromSeries[];
}

describe('trace-analyze report --format json on the sample capture', () => {
  const report = () => jsonReport(['--db', DB]);

  it('CPU-seconds per deployment equal every counter counted from zero at its process start, in plain JS', async () => {
    // process-exporter started before the servers: every group's counter began at 0 with its
    // process, so its first value counts whole, then each reset-aware increase
    const json = await report();
    for (const mode of MODES) {
      let total = 0;
      for (const s of raw(mode).filter(
        (s) => s.metric.__name__ === 'namedprocess_namegroup_cpu_seconds_total',
      )) {
        const v = s.values!.map(([, x]) => promNumber(x));
        total += v[0]!;
        for (let i = 1; i < v.length; i++) total += v[i]! >= v[i - 1]! ? v[i]! - v[i - 1]! : v[i]!;
      }
      const d = json.deployments.find((x) => x.name === mode)!;
      expect(d.cpu.seconds).toBeCloseTo(total, 6);
    }
  });

  it('peak PSS and RSS sums: the largest plain-JS sum over one scrape, per 1 s bucket, within the steady state', async () => {
    const json = await report();
    for (const mode of MODES) {
      const series = raw(mode).filter((s) => s.metric.__name__?.startsWith('namedprocess_namegroup_'));
      const d = json.deployments.find((x) => x.name === mode)!;
      // the deployment starts with its master, the group that started first
      const startMs = Math.min(
        ...series
          .filter((s) => s.metric.__name__ === 'namedprocess_namegroup_oldest_start_time_seconds')
          .map((s) => Math.round(promNumber(s.values![0]![1]) * 1000)),
      );
      expect(d.start * 1000).toBe(startMs);
      const peak = (memtype: string) => {
        const mem = series.filter(
          (s) => s.metric.__name__ === 'namedprocess_namegroup_memory_bytes' && s.metric.memtype === memtype,
        );
        // every group is scraped at once: a bucket's moment is its last scrape, the sum is over it
        const byTime = new Map<number, number>();
        for (const s of mem)
          for (const [t, x] of s.values!) {
            const ms = Math.round(t * 1000);
            byTime.set(ms, (byTime.get(ms) ?? 0) + promNumber(x));
          }
        const moments = new Map<number, number>();
        for (const ms of byTime.keys()) {
          const b = Math.floor((ms - startMs) / 1000);
          moments.set(b, Math.max(moments.get(b) ?? -Infinity, ms));
        }
        let best = -Infinity;
        for (const [b, ms] of moments)
          if (startMs + b * 1000 >= d.steady.start * 1000 && startMs + (b + 1) * 1000 <= d.steady.end * 1000)
            best = Math.max(best, byTime.get(ms)!);
        return best;
      };
      expect(d.memory.peak.pss_bytes).toBe(peak('proportionalResident'));
      expect(d.memory.peak.rss_bytes).toBe(peak('resident'));
      expect(d.memory.peak.uss_bytes).toBeNull(); // process-exporter has no USS: reported missing, not zero
    }
  });

  it('baseline: first imported by default, --baseline picks another, deltas are relative to it', async () => {
    const json = await report();
    expect(json.baseline).toBe('gunicorn-preload');
    expect(json.deployments[0]!.name).toBe('gunicorn-preload');
    expect(json.deployments[0]!.delta).toBeNull();
    const other = await jsonReport(['--db', DB, '--baseline', 'uvicorn-spawn']);
    expect(other.deployments.map((d) => d.name)).toEqual(['uvicorn-spawn', 'gunicorn-preload', 'gunicorn']);
    const base = other.deployments[0]!;
    for (const d of other.deployments.slice(1))
      expect(d.delta!['memory.peak.pss_bytes']).toBeCloseTo(
        (d.memory.peak.pss_bytes - base.memory.peak.pss_bytes) / base.memory.peak.pss_bytes,
        12,
      );
    const bad = await cliAsync(['report', '--db', DB, '--baseline', 'nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      msg.reportUnknownBaseline('nope', ['gunicorn', 'gunicorn-preload', 'uvicorn-spawn']),
    );
  });

  it("findings carry the JSON's numbers, and the Markdown and HTML show the same findings", async () => {
    const json = await report();
    expect(json.findings.length).toBeGreaterThan(3);
    for (const f of json.findings) {
      const d = json.deployments.find((x) => x.name === f.deployment)!;
      if (f.id === 'memory-per-worker') expect(f.values.pss_bytes).toBe(d.memory.load_model!.pss_bytes);
      if (f.id === 'cpu-vs-baseline') expect(f.values.cpu_seconds).toBe(d.cpu.seconds);
      // without USS (process-exporter only) no memory model: the steady state's medians
      if (f.id === 'rss-overstates')
        expect(f.values.pss_bytes).toBe(d.memory.load_model?.pss_bytes ?? d.memory.pss_bytes);
    }
    const md = await cliAsync(['report', '--db', DB, '--format', 'md']);
    const html = await cliAsync(['report', '--db', DB]);
    for (const f of json.findings) {
      expect(md.stdout).toContain(`- **${f.severity}**: ${f.text}`);
      expect(html.stdout).toContain(
        `<span class="severity ${f.severity}">${f.severity}</span> ${f.text.replace(/'/g, '&#39;')}`,
      );
    }
  });

  it('--title sets the title, escaped in the HTML', async () => {
    const html = await cliAsync(['report', '--db', DB, '--title', 'Q3 <migration> & "review"']);
    expect(html.status, html.stderr).toBe(0);
    expect(html.stdout).toContain('<title>Q3 &#60;migration&#62; &#38; &#34;review&#34;</title>');
    expect((await jsonReport(['--db', DB, '--title', 'T'])).title).toBe('T');
  });

  it('inputs name every file with its sha256 and format', async () => {
    const json = await report();
    expect(json.inputs).toHaveLength(3);
    for (const i of json.inputs) {
      const sha = createHash('sha256').update(readFileSync(i.path)).digest('hex');
      expect(i.sha256).toBe(sha);
      expect(i.format).toBe('prom-json');
    }
  });
});

describe('trace-analyze report: one shot, files and errors', () => {
  it('imports every subfolder into a temporary database and deletes it afterwards', async () => {
    const capture = join(tmp.dir, 'capture');
    mkdirSync(join(capture, 'b-spawn'), { recursive: true });
    mkdirSync(join(capture, 'a-fork'), { recursive: true });
    copyFileSync(join(SAMPLES, 'uvicorn-spawn/raw_samples.json.gz'), join(capture, 'b-spawn/raw.json.gz'));
    copyFileSync(join(SAMPLES, 'gunicorn/raw_samples.json.gz'), join(capture, 'a-fork/raw.json.gz'));
    writeFileSync(join(capture, 'a-fork/notes.txt'), 'not data\n');
    const scratch = join(tmp.dir, 'scratch');
    mkdirSync(scratch);
    const r = await cliAsync(['report', capture, '--format', 'json'], { env: { TMPDIR: scratch } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(msg.reportSkipped(join(capture, 'a-fork'), ['notes.txt']));
    expect(r.stderr).toContain(`${join(capture, 'a-fork')}: skipped 1 file in no known format (notes.txt)`);
    const json = JSON.parse(r.stdout) as JsonReport;
    expect(json.deployments.map((d) => d.name)).toEqual(['a-fork', 'b-spawn']);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('usage errors exit 2; a folder of nothing known exits 1 naming it', async () => {
    expect((await cliAsync(['report'])).status).toBe(2);
    expect((await cliAsync(['report', SAMPLES, '--db', DB])).status).toBe(2);
    expect((await cliAsync(['report', '--db', DB, '--format', 'pdf'])).status).toBe(2);
    for (const bad of ['0', 'four', '4,', '100001', '-2']) {
      const r = await cliAsync(['report', '--db', DB, `--workers=${bad}`]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(msg.reportBadWorkers(bad));
    }
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const flat = await cliAsync(['report', empty]);
    expect(flat.status).toBe(1);
    expect(flat.stderr).toContain(msg.reportNothingRecognised(empty));
    expect((await cliAsync(['report', '--db', join(tmp.dir, 'missing.duckdb')])).status).toBe(1);
  });

  it('--workers adds its counts to every memory model’s projection', async () => {
    const r = await cliAsync([
      'report',
      join(SAMPLES, 'gunicorn-preload'),
      '--format',
      'json',
      '--workers',
      '12,3',
      '--workers',
      '48',
      '--workers',
      '4',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const d = (
      JSON.parse(r.stdout) as {
        deployments: {
          memory: {
            model: {
              shared_bytes: number;
              private_bytes_per_worker: number;
              projection: { workers: number; pss_bytes: number }[];
            };
          };
        }[];
      }
    ).deployments[0]!;
    const m = d.memory.model;
    expect(m.projection.map((x) => x.workers)).toEqual([1, 2, 3, 4, 8, 12, 16, 32, 48]);
    for (const x of m.projection)
      expect(x.pss_bytes).toBe(m.shared_bytes + x.workers * m.private_bytes_per_worker);
  });

  it('a broken notebook fails with its file, the block line and the reason', async () => {
    const nb = join(tmp.dir, 'broken.md');
    writeFileSync(
      nb,
      '# Broken\n\ntext\n\n```sql good\nSELECT 1 AS x\n```\n\n```sql bad\nSELECT nope FROM nowhere\n```\n',
    );
    const r = await cliAsync(['report', '--db', DB, '--notebook', nb]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^trace-analyze: ${nb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9: query "bad" failed: `),
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    writeFileSync(
      nb,
      '# Broken\n\n```sql good\nSELECT 1 AS x\n```\n\n```vega-lite\n{"data": {"name": "gone"}, "mark": "point"}\n```\n',
    );
    const u = await cliAsync(['report', '--db', DB, '--notebook', nb]);
    expect(u.status).toBe(1);
    expect(u.stderr).toContain(`${nb}:7: ${msg.notebookUnknownQuery('gone', ['good'])}`);
  });

  it('renders the counter-pitfall notebook', async () => {
    const r = await cliAsync([
      'report',
      '--db',
      DB,
      '--notebook',
      'notebooks/counter-pitfall.md',
      '--format',
      'md',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('sum then rate (wrong)');
    expect(r.stdout).toContain('rate then sum (correct)');
  });
});
