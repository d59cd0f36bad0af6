import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CAPTURE } from '../../helpers/cli.js';
import { hostileText } from '../hostile.js';
import type { FuzzInput, FuzzSpec } from '../spec.js';

const PROCSNAP = join(CAPTURE, 'procsnap');

/** The real snapshot folder (three snapshots of uvicorn-spawn) as relative path → bytes. */
function folderFiles(): Record<string, Buffer> {
  const root = join(PROCSNAP, 'uvicorn-spawn');
  const files: Record<string, Buffer> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(root, full)] = readFileSync(full);
    }
  };
  walk(root);
  return files;
}

/**
 * The first snapshots of a real archive: its entries up to `bytes`, cut at a header boundary,
 * with the end-of-archive blocks (so thousands of mutations stay fast).
 */
function archivePrefix(archive: string, bytes: number): Buffer {
  const tar = gunzipSync(readFileSync(join(PROCSNAP, archive)));
  let at = 0;
  while (at + 512 <= tar.length && at < bytes) {
    const size = parseInt(
      tar
        .toString('latin1', at + 124, at + 136)
        .replace(/\0.*$/, '')
        .trim() || '0',
      8,
    );
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return Buffer.concat([tar.subarray(0, at), Buffer.alloc(1024)]);
}

/** The real folder with every process's comm and command line replaced by hostile text. */
const hostileFolder = fc
  .record({ comm: hostileText, cmdline: fc.array(hostileText, { minLength: 1, maxLength: 3 }) })
  .map(({ comm, cmdline }): FuzzInput => {
    const files = folderFiles();
    // comm is at most 15 bytes in the kernel, and never holds a newline; ')' and spaces it may.
    const name = comm.replace(/[\n\0]/g, ' ').slice(0, 15);
    for (const [rel, bytes] of Object.entries(files)) {
      if (/\/proc\/\d+\/stat$/.test(rel)) {
        const text = bytes.toString('latin1');
        files[rel] = Buffer.from(
          text.replace(/^(\d+) \(.*\) /s, (_m, pid: string) => `${pid} (${name}) `),
          'utf8',
        );
      } else if (/\/proc\/\d+\/cmdline$/.test(rel))
        files[rel] = Buffer.from(cmdline.join('\0') + '\0', 'utf8');
      else if (/\/proc\/\d+\/status$/.test(rel))
        files[rel] = Buffer.from(bytes.toString('utf8').replace(/^Name:\t.*$/m, `Name:\t${name}`), 'utf8');
    }
    return { kind: 'dir', name: 'snapshots', files };
  });

export const procfsSpec: FuzzSpec = {
  format: 'procfs',
  // One snapshot's host-wide files: a small baseline keeps the reset after each success cheap.
  baseline: () => {
    const files = folderFiles();
    const first = Object.keys(files).sort()[0]!.split('/')[0]!;
    const keep = [`${first}/meta`, `${first}/proc/stat`, `${first}/proc/meminfo`];
    return { kind: 'dir', name: 'baseline', files: Object.fromEntries(keep.map((k) => [k, files[k]!])) };
  },
  seeds: () => [
    { kind: 'dir', name: 'snapshots', files: folderFiles() },
    // The same snapshots as GNU tar archives them, and the first snapshots of the real archives.
    {
      kind: 'file',
      name: 'procsnap.tar',
      bytes: execFileSync('tar', ['-cf', '-', '-C', join(PROCSNAP, 'uvicorn-spawn'), '.']),
    },
    {
      kind: 'file',
      name: 'procsnap-gunicorn.tar',
      bytes: archivePrefix('procsnap-gunicorn.tar.gz', 60_000),
    },
    {
      kind: 'file',
      name: 'procsnap-gunicorn-preload.tar',
      bytes: archivePrefix('procsnap-gunicorn-preload.tar.gz', 60_000),
    },
  ],
  valid: hostileFolder.map((input) => ({ input })),
};
