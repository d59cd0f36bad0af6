import { readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { CliError, UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { writeSnapshotFolder, type Snapshot } from './snapshot.js';
import { TarGzWriter } from './tar-writer.js';

/** Where a recording goes: a folder of snapshot folders, or one .tar.gz written as it goes. */
export interface SnapshotSink {
  write(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** `--out` names an archive when it ends in .tar.gz or .tgz; anything else is a folder. */
export function isArchiveName(out: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(out);
}

/**
 * Opens `--out`. A folder is created when missing; one that holds anything is refused unless
 * `append` (two recordings in one folder would read as one). An archive is a new file: an
 * existing one is never overwritten or appended to.
 */
export async function openSink(out: string, append: boolean): Promise<SnapshotSink> {
  const existing = statOrUndefined(out);
  if (isArchiveName(out)) {
    if (append) throw new UsageError(msg.collectAppendArchive(out));
    if (existing) throw new CliError(msg.collectOutExists(out));
    const writer = await TarGzWriter.create(out);
    return {
      async write(snapshot) {
        for (const [name, data] of snapshot.files)
          await writer.add(`${snapshot.start}/${name}`, data, snapshot.start);
        await writer.flush();
      },
      close: () => writer.close(),
    };
  }
  if (existing && !existing.isDirectory()) throw new CliError(msg.collectOutNotFolder(out));
  if (existing && !append) {
    const entries = readdirSync(out).length;
    if (entries > 0) throw new CliError(msg.collectOutNotEmpty(out, entries));
  }
  await mkdir(out, { recursive: true });
  return {
    write: async (snapshot) => void writeSnapshotFolder(out, snapshot),
    close: async () => {},
  };
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
