import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import {
  SCHEMA_VERSION,
  TraceDatabase,
  importMemoryLimitBytes,
  memoryLimitBytes,
} from '../../src/store/database.js';
import { CAPTURE, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const FILE = join(CAPTURE, 'prometheus/gunicorn/raw_samples_cpu_seconds_total.json');

describe('database', () => {
  it('creates the canonical tables and records the schema version', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      expect(await db.schemaVersion()).toBe(SCHEMA_VERSION);
      const tables = (await db.rowsJS(`SELECT table_name FROM information_schema.tables ORDER BY 1`)).map(
        (r) => r.table_name,
      );
      expect(tables).toEqual(
        expect.arrayContaining(['imports', 'series', 'samples', 'processes', 'metric_catalog']),
      );
      const [n] = await db.rowsJS(
        `SELECT count(*)::INTEGER AS n FROM metric_catalog WHERE quantity = 'pss_bytes'`,
      );
      expect(n!.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('migration 6 opens the catalog to service rows and writes them again', async () => {
    const path = join(tmp.dir, 'v5.duckdb');
    const old = await TraceDatabase.open(path, { create: true, upToVersion: 5 });
    // as the tool before version 6 left it: its catalog rows and their hash
    await old.run(
      `INSERT INTO metric_catalog VALUES ('procfs', 'process_pss_bytes', MAP {}, 'pss_bytes', 'bytes', 1, 'process', 10)`,
    );
    await old.run(`INSERT OR REPLACE INTO schema_meta VALUES ('catalog_sha256', 'before-6')`);
    await expect(
      old.run(`INSERT INTO metric_catalog VALUES ('x', 'y', MAP {}, 'requests', 'count', 1, 'service', 1)`),
    ).rejects.toThrow(/CHECK/);
    old.close();
    const db = await TraceDatabase.open(path);
    try {
      const scopes = await db.rowsJS(
        `SELECT metric FROM metric_catalog WHERE scope = 'service' AND quantity = 'requests' ORDER BY priority, metric`,
      );
      expect(scopes.map((r) => r.metric)).toContain('http_requests_total');
      expect(
        (
          await db.rowsJS(
            `SELECT count(*)::INTEGER AS n FROM metric_catalog WHERE metric = 'process_pss_bytes'`,
          )
        )[0]!.n,
      ).toBe(1);
    } finally {
      db.close();
    }
  });

  it('migrates an older file and keeps its data', async () => {
    const path = join(tmp.dir, 'old.duckdb');
    const old = await TraceDatabase.open(path, { create: true, upToVersion: 1 });
    await old.run(`INSERT INTO imports VALUES (1, 'd', 'p', 'prom-json', 'abc', 0, 0, now()::TIMESTAMP, [])`);
    expect(await old.schemaVersion()).toBe(1);
    old.close();
    const db = await TraceDatabase.open(path);
    try {
      expect(await db.schemaVersion()).toBe(SCHEMA_VERSION);
      expect(await db.rowsJS(`SELECT sha256 FROM imports`)).toEqual([{ sha256: 'abc' }]);
      expect((await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM metric_catalog`))[0]!.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('refuses a newer schema with a clear error', async () => {
    const path = join(tmp.dir, 'new.duckdb');
    const db = await TraceDatabase.open(path, { create: true });
    await db.run(`UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'`);
    db.close();
    await expect(TraceDatabase.open(path)).rejects.toThrow(msg.dbNewerSchema(path, 999, SCHEMA_VERSION));
  });

  it('refuses a DuckDB file that is not ours, and a missing file unless asked to create', async () => {
    const path = join(tmp.dir, 'foreign.duckdb');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    await c.run('CREATE TABLE t (x INTEGER)');
    c.closeSync();
    inst.closeSync();
    await expect(TraceDatabase.open(path)).rejects.toThrow(msg.dbNotOurs(path));
    await expect(TraceDatabase.open(join(tmp.dir, 'nope.duckdb'))).rejects.toBeInstanceOf(CliError);
  });

  it('re-importing identical content into the same deployment is a reported no-op', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      const first = await importPath(db, FILE, { deployment: 'd' });
      const again = await importPath(db, FILE, { deployment: 'd' });
      const other = await importPath(db, FILE, { deployment: 'e' });
      expect(first.outcomes[0]!.result.status).toBe('imported');
      expect(again.outcomes[0]!.result).toEqual({ status: 'noop', importId: 1 });
      expect(other.outcomes[0]!.result.status).toBe('imported');
      const [counts] = await db.rowsJS(
        `SELECT (SELECT count(*) FROM imports)::INTEGER AS imports, (SELECT count(DISTINCT deployment) FROM series)::INTEGER AS deployments`,
      );
      expect(counts).toEqual({ imports: 2, deployments: 2 });
    } finally {
      db.close();
    }
  });

  it('rolls back everything an import wrote when it fails midway', async () => {
    const db = await TraceDatabase.open(':memory:');
    try {
      await expect(
        db.transaction(async () => {
          await db.run(
            `INSERT INTO imports VALUES (1, 'd', 'p', 'f', 'h', 0, 0, now()::TIMESTAMP, [], NULL)`,
          );
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM imports`)).toEqual([{ n: 0 }]);
    } finally {
      db.close();
    }
  });
});

describe('database compaction', () => {
  it('compact() gives back the blocks a rolled-back transaction wrote, keeping content, schema and mode', async () => {
    const path = join(tmp.dir, 'compact.duckdb');
    const db = await TraceDatabase.open(path, { create: true });
    await importPath(db, FILE, { deployment: 'd' });
    await db.run('CHECKPOINT');
    const size = statSync(path).size;
    const content = await contentHash(db);
    const schema = await db.rowsJS(`SELECT type, name, sql FROM sqlite_master ORDER BY ALL`);
    // What a cancelled import leaves: blocks written by a transaction that then rolled back.
    await expect(
      db.transaction(async () => {
        // Large enough that DuckDB writes the rows to the file before the commit.
        await db.run(`INSERT INTO samples SELECT 1, i, random() FROM range(4000000) t(i)`);
        throw new Error('cancelled');
      }),
    ).rejects.toThrow('cancelled');
    expect(await db.freeBytes()).toBeGreaterThan(0);
    db.close();
    const grown = statSync(path).size;
    expect(grown).toBeGreaterThan(size + 4 * 1024 * 1024);
    chmodSync(path, 0o640);

    await TraceDatabase.compact(path);
    expect(statSync(path).size).toBeLessThanOrEqual(size);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('compact.duckdb.'))).toEqual([]);
    const again = await TraceDatabase.open(path);
    try {
      expect(await contentHash(again)).toBe(content);
      expect(await again.rowsJS(`SELECT type, name, sql FROM sqlite_master ORDER BY ALL`)).toEqual(schema);
      expect(await again.freeBytes()).toBe(0);
    } finally {
      again.close();
    }
  });
});

describe('memory', () => {
  const setting = async (db: TraceDatabase, name: string) =>
    String((await db.rowsJS(`SELECT current_setting('${name}') AS v`))[0]!.v);

  it('limits DuckDB to a quarter of the machine, at most 1 GiB', () => {
    expect(memoryLimitBytes(24 * 2 ** 30)).toBe(2 ** 30);
    expect(memoryLimitBytes(4 * 2 ** 30)).toBe(2 ** 30);
    expect(memoryLimitBytes(2 * 2 ** 30)).toBe(512 * 2 ** 20);
    // whole MiB: 3 GiB + 1 byte → 768 MiB
    expect(memoryLimitBytes(3 * 2 ** 30 + 1)).toBe(768 * 2 ** 20);
  });

  it('limits an import to 256 MiB, less on a machine whose quarter is less', async () => {
    expect(importMemoryLimitBytes(24 * 2 ** 30)).toBe(256 * 2 ** 20);
    expect(importMemoryLimitBytes(512 * 2 ** 20)).toBe(128 * 2 ** 20);
    const db = await TraceDatabase.open(join(tmp.dir, 'import.duckdb'), {
      create: true,
      memoryLimit: importMemoryLimitBytes(),
    });
    try {
      expect(await setting(db, 'memory_limit')).toBe(
        `${(importMemoryLimitBytes() / 2 ** 20).toFixed(1)} MiB`,
      );
    } finally {
      db.close();
    }
  });

  it('has DuckDB give the memory it frees back to the system, on every open', async () => {
    // jemalloc's background threads: without them, after a statement that used the whole
    // limit, its freed pages stay resident (docs/performance.md, "The report in bounded memory")
    const path = join(tmp.dir, 'allocator.duckdb');
    for (const options of [{ create: true }, { readOnly: true }, { memoryLimit: importMemoryLimitBytes() }]) {
      const db = await TraceDatabase.open(path, options);
      try {
        expect(await setting(db, 'allocator_background_threads')).toBe('true');
      } finally {
        db.close();
      }
    }
  });

  it('spills beside a database opened for writing, and into a folder of its own when read-only', async () => {
    const path = join(tmp.dir, 'spill.duckdb');
    const db = await TraceDatabase.open(path, { create: true });
    try {
      expect(await setting(db, 'temp_directory')).toBe(`${path}.tmp`);
      // DuckDB shows the limit in its own units: 1 GiB or a quarter of a smaller machine
      const limit = memoryLimitBytes();
      expect(await setting(db, 'memory_limit')).toBe(
        limit === 2 ** 30 ? '1.0 GiB' : `${(limit / 2 ** 20).toFixed(1)} MiB`,
      );
    } finally {
      db.close();
    }
    const ro = await TraceDatabase.open(path, { readOnly: true });
    const spill = await setting(ro, 'temp_directory');
    expect(spill.startsWith(join(tmpdir(), 'trace-analyze-spill-'))).toBe(true);
    expect(existsSync(spill)).toBe(true);
    // a temporary table larger than the memory limit: DuckDB moves blocks of it to the folder
    // instead of failing
    await ro.run(`SET memory_limit = '32MiB'`);
    await ro.run(`CREATE TEMP TABLE big AS SELECT hash(i) AS k FROM range(10000000) t(i)`);
    const [row] = await ro.rowsJS(
      `SELECT (SELECT count(*) FROM big)::INTEGER AS n,
              (SELECT sum(temporary_storage_bytes) FROM duckdb_memory())::BIGINT > 0 AS spilled`,
    );
    expect(row).toEqual({ n: 10_000_000, spilled: true });
    expect(readdirSync(spill).length).toBeGreaterThan(0);
    ro.close();
    expect(existsSync(spill)).toBe(false);
  });
});
