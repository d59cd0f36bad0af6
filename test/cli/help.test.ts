import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../src/cli/examples.js';
import { cli, ROOT } from '../helpers/cli.js';

const packageVersion = (path: string) =>
  (JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { version: string }).version;

describe('--version, --help and errors', () => {
  it('--version names the package, the DuckDB library and Node.js', () => {
    const r = cli(['--version']);
    expect(r.status, r.stderr).toBe(0);
    // @duckdb/node-api's version is the DuckDB version plus its own revision ("1.5.6-r.1").
    const duckdb = packageVersion('node_modules/@duckdb/node-api/package.json').replace(/-r\.\d+$/, '');
    expect(r.stdout).toBe(
      `trace-analyze ${packageVersion('package.json')}\nDuckDB v${duckdb}\nNode.js ${process.version}\n`,
    );
    expect(cli(['-V']).stdout).toBe(r.stdout);
  });

  it('the top-level help lists the exit codes and an example of each command', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /\nExit codes:\n {2}0 {2}success\n {2}1 {2}runtime failure[^\n]*\n {2}2 {2}usage error/,
    );
    for (const examples of Object.values(EXAMPLES)) expect(r.stdout).toContain(`  $ ${examples[0]}\n`);
  });

  it("each command's help ends with examples that use only options the command has", () => {
    const commands = [...cli(['--help']).stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    expect(commands.filter((c) => c !== 'help').sort()).toEqual(Object.keys(EXAMPLES).sort());
    for (const [command, examples] of Object.entries(EXAMPLES)) {
      const help = cli([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`\nExamples:\n${examples.map((e) => `  $ ${e}\n`).join('')}`);
      // The options the help lists, read from the help text itself.
      const flags = new Set(
        [...help.stdout.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) => m.slice(1)),
      );
      for (const example of examples) {
        expect(example.startsWith(`trace-analyze ${command} `)).toBe(true);
        // a single-quoted argument (a server or load command) is one word, whatever flags it holds
        const words = example.replace(/'[^']*'/g, "''").split(/\s+/);
        const end = words.indexOf('--');
        const used = words.slice(0, end < 0 ? undefined : end).filter((w) => /^--?[a-z][\w-]*$/.test(w));
        expect(
          used.filter((f) => !flags.has(f)),
          example,
        ).toEqual([]);
      }
    }
  });

  it("every error, commander's parse errors included, is one line with one prefix", () => {
    const cases: [string[], string][] = [
      [['frobnicate'], `unknown command 'frobnicate'`],
      [['query', 'select 1'], `required option '--db <file>' not specified`],
      [['query', '--db', 'x.duckdb', 'select 1', '--frob'], `unknown option '--frob'`],
      [['promql', '--db'], `option '--db <file>' argument missing`],
      [['completion', 'fish'], `command-argument value 'fish' is invalid for argument 'shell'`],
      [['improt'], `unknown command 'improt' (Did you mean import?)`],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(`trace-analyze: ${message}`), r.stderr).toBe(true);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/ \(see trace-analyze( [a-z]+)? --help\)\n$/);
    }
    const runtime = cli(['query', '--db', join(ROOT, 'missing.duckdb'), 'select 1']);
    expect(runtime.status).toBe(1);
    expect(runtime.stderr).toMatch(/^trace-analyze: \S*missing\.duckdb: no such database/);
  });
});
