import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Read offset of a process's open descriptor on `file` (from /proc/<pid>/fdinfo), or undefined. */
export function readOffset(pid: number, file: string): number | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target !== file) continue;
      const pos = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (pos) return Number(pos[1]);
    }
  } catch {
    // The process is gone.
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
