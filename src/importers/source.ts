import { createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { CliError, InputError } from '../base/errors.js';
import { DEFAULT_MAX_INPUT_BYTES, PROBE_BYTES, formatBytes } from '../base/limits.js';
import * as msg from '../base/messages.js';

/** How many decompressed bytes detect() may look at (src/base/limits.ts). */
export { PROBE_BYTES };

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
  /** Most bytes gzip content may decompress to (DEFAULT_MAX_INPUT_BYTES unless raised). */
  maxBytes?: number;
}

export interface DirSource {
  kind: 'dir';
  path: string;
  mtimeMs: number;
  /** Names directly inside the folder. */
  entries: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * An error of the file system (a file or folder that vanished, is unreadable, ...) or of gzip
 * decompression as a CliError naming the path; anything else is returned unchanged.
 */
export function ioError(path: string, e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof CliError || typeof err?.code !== 'string') return e;
  // zlib's errors (Z_BUF_ERROR: truncated, Z_DATA_ERROR: corrupt), whichever importer was reading.
  if (err.code.startsWith('Z_')) return new InputError(path, undefined, msg.notGzip());
  if (typeof err.syscall !== 'string') return e;
  const where = err.path ?? path;
  if (err.code === 'ENOENT') return new CliError(msg.fileNotFound(where));
  return new CliError(msg.cannotRead(where, ERRNO_TEXT[err.code] ?? err.code));
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

export async function openSource(path: string): Promise<Source> {
  try {
    return await openSourceUnchecked(path);
  } catch (e) {
    throw ioError(path, e);
  }
}

async function openSourceUnchecked(path: string): Promise<Source> {
  const info: Stats = await stat(path);
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
      const stages: (Readable | Transform)[] = [createReadStream(path, { highWaterMark: 1 << 20 })];
      if (source.onRead) stages.push(countBytes(source.onRead));
      if (gzip) {
        stages.push(createGunzip({ chunkSize: 1 << 20 }));
        stages.push(limitBytes(path, source.maxBytes ?? DEFAULT_MAX_INPUT_BYTES));
      }
      // An error can arrive after the reader stopped (the importer rejected the content, then
      // gunzip finds the stream truncated): without a listener left it would crash the process.
      // Errors before that are not lost: a stream keeps its error and the reader's iterator throws it.
      for (const stage of stages) stage.on('error', ignoreLateError);
      if (stages.length === 1) return stages[0]!;
      // pipeline() forwards an error of any stage to the reader of the last one and destroys the others.
      return pipeline(stages, ignoreLateError) as unknown as Readable;
    },
  };
  source.head = await readHead(source);
  return source;
}

function ignoreLateError(): void {}

/** Passes decompressed bytes through until there are more than `limit`: then a positioned InputError. */
function limitBytes(path: string, limit: number): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      if (done > limit)
        callback(new InputError(path, { offset: limit }, msg.inputTooLarge(formatBytes(limit))));
      else callback(null, chunk);
    },
  });
}

/** Passes bytes through unchanged, reporting the running count (never switching the stream to flowing mode early). */
function countBytes(report: (bytes: number) => void): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      report((done += chunk.length));
      callback(null, chunk);
    },
  });
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
  try {
    // A folder (thousands of snapshot files) or a large file is hashed on a worker thread.
    if (source.kind === 'dir' || source.size >= HASH_ON_THREAD_BYTES)
      return await sha256OnThread(source.path);
    return await sha256Unchecked(source);
  } catch (e) {
    throw ioError(source.path, e);
  }
}

async function sha256Unchecked(source: FileSource): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(source.path, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Files at least this large are hashed on a worker thread, while the import itself goes on. */
const HASH_ON_THREAD_BYTES = 16 * 1024 * 1024;

/**
 * The worker's code (CommonJS, evaluated): the same hash as sha256Unchecked, of a file or of a
 * folder, reported as hex or as an error message. Synchronous reads: on its own thread nothing
 * waits for them, and a folder of snapshots is many small files.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream, lstatSync, readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const hash = createHash('sha256');
const done = () => parentPort.postMessage({ hex: hash.digest('hex') });
const fail = (e) => parentPort.postMessage({ error: e.message });
try {
  if (statSync(workerData).isDirectory()) { // the path the user gave is followed; links below it are not
    const walk = (d) => {
      for (const name of readdirSync(d).sort()) {
        const full = join(d, name);
        const info = lstatSync(full);
        if (info.isDirectory()) walk(full);
        else if (info.isFile()) {
          hash.update(relative(workerData, full));
          hash.update('\\0');
          hash.update(readFileSync(full));
          hash.update('\\0');
        }
      }
    };
    walk(workerData);
    done();
  } else {
    createReadStream(workerData, { highWaterMark: 1 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('end', done)
      .on('error', fail);
  }
} catch (e) {
  fail(e);
}
`;

/** sha256 of a large file or a folder computed on a worker thread (sha256 of 1 GB is seconds of CPU). */
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
  try {
    return await listFilesUnchecked(dir);
  } catch (e) {
    throw ioError(dir, e);
  }
}

async function listFilesUnchecked(dir: string): Promise<string[]> {
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
