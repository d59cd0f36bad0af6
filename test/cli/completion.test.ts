import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT, tempDir } from '../helpers/cli.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const bashScript = join(tmp.dir, 'trace-analyze.bash');
/** A folder of $fpath holding the zsh script under the name zsh looks it up by. */
const zshFpath = join(tmp.dir, 'zsh-functions');
const hasZsh = spawnSync('zsh', ['--version']).status === 0;
const work = join(tmp.dir, 'work');

/** The commands and each command's options, read from the --help texts (not from the script's source). */
const help = new Map<string, string[]>();

beforeAll(() => {
  const r = cli(['completion', 'bash']);
  expect(r.status, r.stderr).toBe(0);
  writeFileSync(bashScript, r.stdout);
  const zsh = cli(['completion', 'zsh']);
  expect(zsh.status, zsh.stderr).toBe(0);
  mkdirSync(zshFpath);
  writeFileSync(join(zshFpath, '_trace-analyze'), zsh.stdout);
  mkdirSync(join(work, 'samples/real-capture-1'), { recursive: true });
  writeFileSync(join(work, 'sample.duckdb'), '');
  writeFileSync(join(work, 'samples.txt'), '');
  const top = cli(['--help']).stdout;
  const commands = [...top.slice(top.indexOf('Commands:')).matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
  help.set('', commands);
  for (const c of commands.filter((c) => c !== 'help')) {
    const text = cli([c, '--help']).stdout;
    help.set(
      c,
      [...text.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) => m.slice(1).filter(Boolean)),
    );
  }
}, 120_000);

/**
 * What bash offers for the command line `line` (the cursor at its end), through the function
 * that the script registers with `complete` for trace-analyze, as bash would call it.
 */
function bashComplete(line: string): string[] {
  const driver = `
    source "$1"
    fn=$(complete -p trace-analyze | sed -E 's/.* -F ([^ ]+) .*/\\1/')
    read -ra COMP_WORDS <<< "$2"
    [[ $2 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn" trace-analyze "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\\n' "\${COMPREPLY[@]}"
  `;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'driver', bashScript, line], {
    cwd: work,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** What an interactive zsh offers for `line`, with the script autoloaded from $fpath (test/helpers/zsh-complete.zsh). */
function zshComplete(line: string): string[] {
  const r = spawnSync('zsh', ['-f', join(ROOT, 'test/helpers/zsh-complete.zsh'), zshFpath, line], {
    cwd: work,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('trace-analyze completion bash', () => {
  it('completes the commands', () => {
    expect(bashComplete('trace-analyze ')).toEqual([...help.get('')!].sort());
    expect(bashComplete('trace-analyze re')).toEqual(['report']);
    expect(bashComplete('trace-analyze -')).toEqual(['--help', '--version', '-V', '-h']);
  });

  it("completes each command's options, as its --help lists them", () => {
    for (const [command, options] of help) {
      if (command === '') continue;
      expect(bashComplete(`trace-analyze ${command} -`), command).toEqual([...options].sort());
    }
    expect(bashComplete('trace-analyze promql --db x.duckdb --s')).toEqual([
      '--semantics',
      '--start',
      '--step',
    ]);
  });

  it('completes file names, folder names and fixed values where a value is one', () => {
    expect(bashComplete('trace-analyze report --db sam')).toEqual([
      'sample.duckdb',
      'samples',
      'samples.txt',
    ]);
    // report's paths are deployment folders or files (collect --out run.tar.gz).
    expect(bashComplete('trace-analyze report sam')).toEqual(['sample.duckdb', 'samples', 'samples.txt']);
    expect(bashComplete('trace-analyze export --db sample.duckdb --out sam')).toEqual(['samples']);
    expect(bashComplete('trace-analyze import --db x --deployment d sam')).toEqual([
      'sample.duckdb',
      'samples',
      'samples.txt',
    ]);
    expect(bashComplete('trace-analyze completion ')).toEqual(['bash', 'zsh']);
    expect(bashComplete('trace-analyze help p')).toEqual(['promql', 'pull']);
    // A value that is not a path (a time) is not completed with options or file names.
    expect(bashComplete('trace-analyze promql --time ')).toEqual([]);
  });
});

// CI installs zsh (.ci/run); elsewhere these run where zsh is installed.
describe.skipIf(!hasZsh)('trace-analyze completion zsh', () => {
  it('completes commands, options, file names and fixed values', () => {
    expect(zshComplete('trace-analyze ')).toEqual([...help.get('')!].sort());
    expect(zshComplete('trace-analyze -')).toEqual(['--help', '--version', '-V', '-h']);
    for (const command of ['promql', 'report'])
      expect(zshComplete(`trace-analyze ${command} --`), command).toEqual(
        help
          .get(command)!
          .filter((o) => o.startsWith('--'))
          .sort(),
      );
    expect(zshComplete('trace-analyze report --db sam')).toEqual(['sample.duckdb', 'samples', 'samples.txt']);
    expect(zshComplete('trace-analyze completion ')).toEqual(['bash', 'zsh']);
    expect(zshComplete('trace-analyze help p')).toEqual(['promql', 'pull']);
  });
});
