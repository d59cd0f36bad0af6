/**
 * Hostile content: metric names, label values and warnings holding markup, script, spreadsheet
 * formulas, terminal escape sequences and lone surrogates reach the database as data and leave it
 * only as inert text: escaped in terminal output, formula-guarded in CSV, valid UTF-8 in JSON.
 * Bytes that are not UTF-8 are refused at import (as Prometheus refuses them).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_TEXTS } from '../fuzz/hostile.js';
import { ROOT, cli, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const DB = join(tmp.dir, 'hostile.duckdb');

/** Raw terminal control characters: C0 controls but \n and \t, DEL, C1 controls, bidi controls. */
function hasRawControl(text: string): boolean {
  return [...text].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (
      (c < 0x20 && c !== 0x0a && c !== 0x09) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    );
  });
}

const METRICS = HOSTILE_TEXTS.filter((t) => t !== '').map((t, i) => `m${i}${t}`);

/** A Prometheus body whose every name and label value is hostile; `invalid` puts bytes that are not UTF-8 in one value. */
function hostileBody(invalid = false): Buffer {
  const result = METRICS.map((name, i) => ({
    metric: { __name__: name, label: HOSTILE_TEXTS[i]!, [HOSTILE_TEXTS[i] || 'empty']: 'v' },
    values: [[1795792920 + i, String(i)]],
  }));
  const text = JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [...result, { metric: { __name__: 'utf8', label: 'INVALID' }, values: [[1, '1']] }],
    },
    warnings: ['\u001b[2J\u001b[31mwarning that clears the screen', 'two\nlines'],
  });
  if (!invalid) return Buffer.from(text);
  // Invalid UTF-8 (a lone continuation byte, an overlong encoding, a truncated sequence) in one label value.
  const [before, after] = text.split('INVALID') as [string, string];
  return Buffer.concat([
    Buffer.from(before),
    Buffer.from([0x80, 0xc0, 0x80, 0xe2, 0x82]),
    Buffer.from(after),
  ]);
}

function rawQuery(args: string[]): { status: number; stdout: Buffer; stderr: Buffer } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/trace-analyze.js'), 'query', '--db', DB, ...args]);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('hostile content', () => {
  let importErr = '';
  beforeAll(() => {
    const file = join(tmp.dir, 'hostile\u001b[31m.json');
    writeFileSync(file, hostileBody());
    const r = cli(['import', file, '--db', DB, '--deployment', 'd']);
    expect(r.status, r.stderr).toBe(0);
    importErr = r.stderr;
  });

  it('is stored as data: every hostile name and label value comes back exactly', () => {
    const r = cli([
      'query',
      '--db',
      DB,
      '--format',
      'json',
      `SELECT metric, labels['label'] AS label FROM series ORDER BY series_id`,
    ]);
    const rows = JSON.parse(r.stdout) as { metric: string; label: string }[];
    const expected = METRICS.map((m, i) => ({
      metric: m,
      label: HOSTILE_TEXTS[i]!.replace('\ud800', '\ufffd'),
    }));
    expect(rows.slice(0, METRICS.length)).toEqual(
      expected.map((e) => ({ ...e, metric: e.metric.replace('\ud800', '\ufffd') })),
    );
  });

  it('bytes that are not UTF-8 are refused with the file and offset, the database unchanged; every output is valid UTF-8', () => {
    const file = join(tmp.dir, 'invalid-utf8.json');
    const body = hostileBody(true);
    writeFileSync(file, body);
    const before = cli(['query', '--db', DB, '--format', 'csv', 'SELECT count(*) FROM samples']).stdout;
    const r = cli(['import', file, '--db', DB, '--deployment', 'd']);
    expect(r.status).toBe(1);
    const offset = body.indexOf(Buffer.from([0x80, 0xc0])) - 1; // the string's opening quote
    // One line naming the file and the string's offset (whatever the error prefix is).
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file} (byte ${offset}): a string that is not UTF-8`);
    expect(cli(['query', '--db', DB, '--format', 'csv', 'SELECT count(*) FROM samples']).stdout).toBe(before);
    for (const format of ['table', 'json', 'csv']) {
      const out = rawQuery(['--format', format, 'SELECT metric, labels FROM series']);
      expect(out.status).toBe(0);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(out.stdout)).not.toThrow();
    }
  });

  it('terminal output (query table, import messages and warnings) never holds raw control characters', () => {
    const table = rawQuery(['SELECT metric, labels FROM series']);
    expect(table.status).toBe(0);
    const text = table.stdout.toString('utf8');
    expect(hasRawControl(text)).toBe(false);
    expect(text).toContain('m10\\x1b[31mred\\x1b[0m');
    expect(text).toContain('\\u202eevil');
    expect(hasRawControl(importErr)).toBe(false);
    expect(importErr).toContain('hostile\\x1b[31m.json');
    expect(importErr).toContain(
      '  warning: Prometheus warning: \\x1b[2J\\x1b[31mwarning that clears the screen\n',
    );
    expect(importErr).toContain('  warning: Prometheus warning: two\\nlines\n');
  });

  it('error messages escape what they quote from the input and the command line', () => {
    const file = join(tmp.dir, 'bad\u001b]0;pwned\u0007.json');
    writeFileSync(file, '{"status":"success","data":{"resultType":"\\u001b[2Jstring","result":[]}}');
    const bad = cli(['import', file, '--db', DB, '--deployment', 'd']);
    expect(bad.status).toBe(1);
    expect(hasRawControl(bad.stderr)).toBe(false);
    expect(bad.stderr).toContain('bad\\x1b]0;pwned\\x07.json');
    expect(bad.stderr).toContain('unsupported resultType "\\x1b[2Jstring"');
    const usage = cli(['import', file, '--db', DB, '--deployment', 'd', '--format', '\u001b[2J']);
    expect(usage.status).toBe(2);
    expect(hasRawControl(usage.stderr)).toBe(false);
    const unknown = cli(['query', '--db', DB, '--\u001b[2J']);
    expect(unknown.status).toBe(2);
    expect(hasRawControl(unknown.stderr)).toBe(false);
    const sql = cli(['query', '--db', DB, 'SELECT * FROM "\u001b[2J"']);
    expect(sql.status).toBe(1);
    expect(hasRawControl(sql.stderr)).toBe(false);
  });

  it('CSV: every text cell a spreadsheet would run as a formula starts with an apostrophe', () => {
    const r = rawQuery([
      '--format',
      'csv',
      `SELECT metric, labels['label'] AS label FROM series ORDER BY series_id`,
    ]);
    const lines = parseCsv(r.stdout.toString('utf8'));
    expect(lines[0]).toEqual(['metric', 'label']);
    for (const cells of lines.slice(1)) for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const labels = lines.slice(1).map((l) => l[1]);
    expect(labels).toContain(`'=HYPERLINK("http://x","y")`);
    expect(labels).toContain(`'+1+1`);
    expect(labels).toContain(`'-2+3`);
    expect(labels).toContain(`'@SUM(A1)`);
    expect(labels).toContain(`'\tleading tab`);
  });
});

/** A small RFC 4180 reader, independent of the writer under test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}
