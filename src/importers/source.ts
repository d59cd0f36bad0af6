import { createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { join, relative } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { CliError, InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';

/** How many decompressed bytes detect() may look at. */
export const PROBE_BYTES = 64 * 1024;

/** One input as importers see it: a file (decompressed transparently) or a folder. */
export type Source = FileSource | DirSource;

export interface FileSource {
  kind: 'file';
  path: string;
  size: number;
  mtimeMs: number;
  /** Whether the file is gzip (recognised by its magic bytes, not its name). */
  gzip: boolean;
  /** The first PROBE_BYTES of the decompressed content. */
  head: Buffer;
  /** A fresh stream of the decompressed content. */
  open(): Readable;
  /** Called with the count of raw (compressed) bytes read so far, for progress display. */
  onRead?: (bytes: number) => void;
}

export interface DirSource {
  kind: 'dir';
  path: string;
  mtimeMs: number;
  /** Names directly inside the folder. */
  entries: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function openSource(path: string): Promise<Source> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(msg.fileNotFound(path));
    throw new CliError(msg.cannotRead(path, (e as Error).message));
  }
  if (info.isDirectory()) {
    return { kind: 'dir', path, mtimeMs: info.mtimeMs, entries: (await readdir(path)).sort() };
  }
  if (!info.isFile()) throw new CliError(msg.cannotRead(path, 'not a regular file'));
  const magic = Buffer.alloc(2);
  const handle = await open(path, 'r');
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzip = magic[0] === GZIP_MAGIC[0] && magic[1] === GZIP_MAGIC[1];
  const source: FileSource = {
    kind: 'file',
    path,
    size: info.size,
    mtimeMs: info.mtimeMs,
    gzip,
    head: Buffer.alloc(0),
    open: () => {
      let raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
      if (source.onRead) raw = countBytes(raw, source.onRead);
      if (!gzip) return raw;
      const gunzip = createGunzip({ chunkSize: 1 << 20 });
      raw.on('error', (e) => gunzip.destroy(e));
      return raw.pipe(gunzip);
    },
  };
  source.head = await readHead(source);
  return source;
}

/** Passes a stream through unchanged, reporting the running byte count (never switching it to flowing mode early). */
function countBytes(stream: Readable, report: (bytes: number) => void): Readable {
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      report((done += chunk.length));
      callback(null, chunk);
    },
  });
  stream.on('error', (e) => counter.destroy(e));
  return stream.pipe(counter);
}

async function readHead(source: FileSource): Promise<Buffer> {
  if (!source.gzip) {
    const handle = await open(source.path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(PROBE_BYTES, source.size));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = source.open();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= PROBE_BYTES) break;
    }
  } catch {
    // A corrupt gzip stream is reported when the importer reads it; detection sees what came out.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, PROBE_BYTES);
}

/** Reads a whole (small) file, decompressing gzip by its magic bytes. */
export async function readSmallFile(path: string): Promise<Buffer> {
  const raw = await readFile(path);
  if (raw[0] === GZIP_MAGIC[0] && raw[1] === GZIP_MAGIC[1]) {
    try {
      return gunzipSync(raw);
    } catch {
      throw new InputError(path, undefined, msg.notGzip());
    }
  }
  return raw;
}

/**
 * The content hash recorded on an import: sha256 of a file's bytes as stored, or for a folder
 * of every regular file below it (relative path and bytes, in sorted order; links not followed).
 */
export async function sha256Of(source: Source): Promise<string> {
  if (source.kind === 'file' && source.size >= HASH_ON_THREAD_BYTES) return sha256OnThread(source.path);
  const hash = createHash('sha256');
  if (source.kind === 'file') {
    for await (const chunk of createReadStream(source.path, { highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
  for (const file of await listFiles(source.path)) {
    hash.update(relative(source.path, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Files at least this large are hashed on a worker thread, while the import itself goes on. */
const HASH_ON_THREAD_BYTES = 16 * 1024 * 1024;

/** The worker's code (CommonJS, evaluated): the same hash as sha256Of, reported as hex or as an error message. */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
createReadStream(workerData, { highWaterMark: 1 << 20 })
  .on('data', (chunk) => hash.update(chunk))
  .on('end', () => parentPort.postMessage({ hex: hash.digest('hex') }))
  .on('error', (e) => parentPort.postMessage({ error: e.message }));
`;

/** sha256 of a large file computed on a worker thread (sha256 of 1 GB is seconds of CPU). */
function sha256OnThread(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: path });
    worker.unref(); // a failed import does not wait for the hash
    worker.once('message', (m: { hex?: string; error?: string }) => {
      if (m.hex !== undefined) resolve(m.hex);
      else reject(new CliError(msg.cannotRead(path, m.error ?? 'read failed')));
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Every regular file below a folder, sorted; symbolic links and special files are skipped. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const full = join(d, name);
      const info = await lstat(full);
      if (info.isDirectory()) await walk(full);
      else if (info.isFile()) out.push(full);
    }
  };
  await walk(dir);
  return out;
}
