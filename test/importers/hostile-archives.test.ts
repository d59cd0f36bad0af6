/**
 * Hostile /proc snapshot archives: traversal names, absolute names, links, devices, duplicate
 * names, gzip bombs and oversized members. The archive is read, never extracted: nothing is
 * written anywhere, links are never followed, and every limit is a one-line error.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { importPath } from '../../src/importers/index.js';
import { TraceDatabase } from '../../src/store/database.js';
import { CAPTURE, cli, tempDir } from '../helpers/cli.js';
import { contentHash } from '../helpers/db.js';
import { tarOf, type TestEntry } from '../helpers/tar.js';
import { changedPaths, snapshotTree } from '../helpers/files.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

const FOLDER = join(CAPTURE, 'procsnap/uvicorn-spawn');
const FIRST = readdirSync(FOLDER).sort()[0]!;

/** The real snapshot folder as tar entries (names relative to it, as `tar -C folder .` would). */
function realEntries(): TestEntry[] {
  const out: TestEntry[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ name: relative(FOLDER, full), data: readFileSync(full) });
    }
  };
  walk(FOLDER);
  return out;
}

async function importArchive(
  name: string,
  entries: TestEntry[],
  options: { gzip?: boolean; limits?: { maxInputBytes: number; maxEntryBytes: number } } = {},
): Promise<{ error?: unknown; db: TraceDatabase; before: string }> {
  const path = join(tmp.dir, name);
  const tar = tarOf(entries);
  writeFileSync(path, options.gzip ? gzipSync(tar) : tar);
  const db = await TraceDatabase.open(':memory:');
  const before = await contentHash(db);
  try {
    await importPath(db, path, { deployment: 'd', format: 'procfs', limits: options.limits });
    return { db, before };
  } catch (error) {
    return { error, db, before };
  }
}

async function cmdlines(db: TraceDatabase): Promise<string[]> {
  const rows = await db.rowsJS(`SELECT DISTINCT cmdline FROM processes ORDER BY 1`);
  return rows.map((r) => String(r.cmdline));
}

describe('hostile /proc snapshot archives', () => {
  it('the real snapshots, archived by code, import (the baseline for the cases below)', async () => {
    const { error, db } = await importArchive('real.tar', realEntries());
    expect(error).toBeUndefined();
    const [row] = await db.rowsJS(`SELECT count(*)::INTEGER AS n FROM processes`);
    expect(row!.n).toBeGreaterThan(0);
    db.close();
  });

  it('traversal and absolute names are not part of the layout: ignored, never written', async () => {
    const evil = 'EVIL-CMDLINE';
    const entries: TestEntry[] = [
      { name: `../${FIRST}/proc/1/cmdline`, data: `${evil}\0` },
      { name: `../../../../tmp/${FIRST}/proc/1/cmdline`, data: `${evil}\0` },
      { name: `/${FIRST}/proc/1/cmdline`, data: `${evil}\0` },
      { name: `/tmp/trace-analyze-evil`, data: evil },
      ...realEntries(),
    ];
    const path = join(tmp.dir, 'traversal.tar');
    writeFileSync(path, tarOf(entries));
    const before = snapshotTree(tmp.dir);
    const db = await TraceDatabase.open(':memory:');
    await importPath(db, path, { deployment: 'd', format: 'procfs' });
    expect((await cmdlines(db)).join(' ')).not.toContain(evil);
    // Nothing was written: not next to the archive, not where the names point.
    expect(changedPaths(before, snapshotTree(tmp.dir))).toEqual([]);
    for (const target of [
      join(tmp.dir, '..', FIRST),
      join(process.cwd(), '..', FIRST),
      `/tmp/${FIRST}`,
      `/${FIRST}`,
      '/tmp/trace-analyze-evil',
    ])
      expect(existsSync(target), target).toBe(false);
    db.close();
  });

  it('symbolic links, hard links and devices are never followed or opened', async () => {
    const pid = readdirSync(join(FOLDER, FIRST, 'proc')).find((n) => /^\d+$/.test(n))!;
    const entries = realEntries().filter(
      (e) => e.name !== `${FIRST}/proc/${pid}/cmdline` && e.name !== `${FIRST}/meta`,
    );
    entries.push(
      { name: `${FIRST}/proc/${pid}/cmdline`, type: '2', linkname: '/proc/self/cmdline' },
      { name: `${FIRST}/meta`, type: '1', linkname: '/etc/hostname' },
      { name: `${FIRST}/proc/stat`, type: '3' },
    );
    const { error, db } = await importArchive('links.tar', entries);
    // The snapshot lacks the linked files: it imports (with the documented warnings) or fails cleanly.
    if (error) expect(error).toBeInstanceOf(InputError);
    else {
      const own = readFileSync('/proc/self/cmdline', 'utf8').split('\0')[0]!;
      expect((await cmdlines(db)).join(' ')).not.toContain(own);
    }
    db.close();
  });

  it('a duplicate member name is an error at its offset, not a silent overwrite', async () => {
    const entries = realEntries();
    const at = entries.findIndex((e) => e.name.endsWith('/cmdline'));
    const dup = entries[at]!;
    entries.splice(at + 1, 0, { name: dup.name, data: 'other\0' });
    const { error, db, before } = await importArchive('dup.tar', entries);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).detail).toBe(msg.tarDuplicateEntry(dup.name));
    expect(await contentHash(db)).toBe(before);
    db.close();
  });

  it('a gzip bomb is stopped by --max-bytes and an oversized member by --max-entry-bytes; both can be raised', async () => {
    const bombEntries: TestEntry[] = [{ name: 'padding', data: Buffer.alloc(48 << 20) }, ...realEntries()];
    const bomb = await importArchive('bomb.tar.gz', bombEntries, {
      gzip: true,
      limits: { maxInputBytes: 16 << 20, maxEntryBytes: 16 << 20 },
    });
    expect((bomb.error as InputError).detail).toBe(msg.inputTooLarge('16 MiB'));
    expect(await contentHash(bomb.db)).toBe(bomb.before);
    bomb.db.close();
    const raised = await importArchive('bomb.tar.gz', bombEntries, {
      gzip: true,
      limits: { maxInputBytes: 64 << 20, maxEntryBytes: 16 << 20 },
    });
    expect(raised.error).toBeUndefined();
    raised.db.close();

    const pid = readdirSync(join(FOLDER, FIRST, 'proc')).find((n) => /^\d+$/.test(n))!;
    const name = `${FIRST}/proc/${pid}/smaps_rollup`;
    const big = realEntries().map((e) =>
      e.name === name
        ? { name, data: Buffer.concat([Buffer.from(e.data!), Buffer.alloc(2 << 20, 0x20)]) }
        : e,
    );
    const over = await importArchive('big-member.tar', big, {
      limits: { maxInputBytes: 1 << 30, maxEntryBytes: 1 << 20 },
    });
    expect((over.error as InputError).detail).toBe(msg.tarEntryTooLarge(name, 1 << 20));
    over.db.close();
  });

  it('through the CLI: one line naming the archive and the limit, exit 1', () => {
    const path = join(tmp.dir, 'cli-bomb.tar.gz');
    writeFileSync(
      path,
      gzipSync(tarOf([{ name: 'padding', data: Buffer.alloc(24 << 20) }, ...realEntries()])),
    );
    const r = cli([
      'import',
      path,
      '--db',
      join(tmp.dir, 'c.duckdb'),
      '--deployment',
      'd',
      // Detection looks at the first 64 KiB, here all padding: the format is named.
      '--format',
      'procfs',
      '--max-bytes',
      '8MiB',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`trace-analyze: ${path} (byte ${8 << 20}): ${msg.inputTooLarge('8 MiB')}\n`);
  });
});
