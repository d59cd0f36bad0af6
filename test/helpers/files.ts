import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every path below `root` with its type, mode and content hash (links not followed), to prove
 * that a command wrote nothing it should not have. Paths that vanish or cannot be read while
 * walking (other processes' temporary files) are left out.
 */
export function snapshotTree(
  root: string,
  skip: (path: string) => boolean = () => false,
): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      if (skip(full)) continue;
      try {
        const info = lstatSync(full);
        const rel = relative(root, full);
        if (info.isDirectory()) {
          out.set(rel, `dir ${info.mode}`);
          walk(full);
        } else if (info.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`);
        else if (info.isFile())
          out.set(rel, `file ${info.mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
        else out.set(rel, `special ${info.mode}`);
      } catch {
        // vanished or unreadable meanwhile
      }
    }
  };
  walk(root);
  return out;
}

/** Paths whose entry differs between two snapshots (added, removed or changed). */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}
