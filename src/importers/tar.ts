import type { Readable } from 'node:stream';
import { InputError } from '../base/errors.js';
import { DEFAULT_MAX_ENTRY_BYTES, MAX_TAR_HEADER_BYTES } from '../base/limits.js';
import * as msg from '../base/messages.js';

/**
 * A strict, streaming reader of tar archives (POSIX ustar, pax extended headers, GNU long
 * names), self-contained so it can be hardened on its own. Nothing is ever written to disk:
 * entries the caller accepts are handed out as buffers (capped in size), every other entry's
 * data is skipped. Links, devices and FIFOs are reported by type and never followed.
 * Format reference: POSIX.1-2017 pax, "ustar Interchange Format".
 */

export type TarEntryType = 'file' | 'directory' | 'link' | 'symlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  size: number;
  /** The content, for accepted regular files only. */
  data?: Buffer;
  /** Byte offset of the entry's header in the (decompressed) archive, for error messages. */
  offset: number;
}

export interface TarLimits {
  /** Largest regular file handed out (bigger accepted entries are an error). */
  maxEntryBytes: number;
  /** Largest pax or GNU long-name header. */
  maxHeaderBytes: number;
}

/** src/base/limits.ts (docs/limits.md); import --max-entry-bytes raises the first. */
export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxEntryBytes: DEFAULT_MAX_ENTRY_BYTES,
  maxHeaderBytes: MAX_TAR_HEADER_BYTES,
};

const BLOCK = 512;

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  offset = 0;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(stream: Readable) {
    this.iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      const next = await this.iterator.next();
      if (next.done) return false;
      this.chunks.push(next.value);
      this.buffered += next.value.length;
    }
    return true;
  }

  /** Exactly n bytes, or undefined when the stream ends first (with the bytes that were there). */
  async read(n: number): Promise<{ bytes: Buffer; complete: boolean }> {
    const complete = await this.fill(n);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const take = Math.min(n, all.length);
    const bytes = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.offset += take;
    return { bytes, complete };
  }

  /** Skips n bytes without keeping them; false when the stream ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) return false;
      const head = this.chunks[0]!;
      const take = Math.min(left, head.length);
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.buffered -= take;
      this.offset += take;
      left -= take;
    }
    return true;
  }

  close(): void {
    void this.iterator.return?.();
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/** A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function numberField(block: Buffer, start: number, length: number): number | undefined {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return (field[0]! & 0x40) !== 0 ? undefined : v + (field[0]! & 0x3f) * 256 ** (field.length - 1);
  }
  const text = cString(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

/** Whether a 512-byte block is a valid tar header (checksum matches). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const stored = numberField(block, 148, 8);
  if (stored === undefined) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored && sum !== 8 * 0x20;
}

/** Names of the headers found in the first bytes of an archive (for detection). */
export function tarNamesInHead(head: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  while (at + BLOCK <= head.length) {
    const block = head.subarray(at, at + BLOCK);
    if (!isTarHeader(block)) break;
    const size = numberField(block, 124, 12) ?? 0;
    names.push(headerName(block));
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return names;
}

function headerName(block: Buffer): string {
  const name = cString(block, 0, 100);
  const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = ustar ? cString(block, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  if (flag === '5') return 'directory';
  if (flag === '1') return 'link';
  if (flag === '2') return 'symlink';
  return 'other';
}

/** pax extended header records: "<len> <key>=<value>\n". */
function paxRecords(data: Buffer, path: string, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - at || at + len > data.length)
      throw new InputError(path, { offset }, msg.tarCorrupt('bad pax record'));
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq < 0) throw new InputError(path, { offset }, msg.tarCorrupt('bad pax record'));
    out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/**
 * Yields the entries of a tar stream in order. `accept(name)` decides which regular files
 * are read into memory; the rest are skipped. Errors name the archive and the byte offset.
 */
export async function* readTar(
  stream: Readable,
  path: string,
  accept: (name: string) => boolean,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(stream);
  let longName: string | undefined;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  try {
    while (true) {
      const offset = reader.offset;
      const { bytes: block, complete } = await reader.read(BLOCK);
      if (block.length === 0) return; // end of stream without end-of-archive blocks: tolerated
      if (!complete) throw new InputError(path, { offset }, msg.tarTruncated());
      if (block.every((b) => b === 0)) return; // end-of-archive marker
      if (!isTarHeader(block)) throw new InputError(path, { offset }, msg.tarCorrupt('bad header checksum'));
      const flag = String.fromCharCode(block[156]!);
      let size = numberField(block, 124, 12);
      if (size === undefined) throw new InputError(path, { offset }, msg.tarCorrupt('bad size field'));
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      if (flag === 'x' || flag === 'g' || flag === 'L') {
        if (size > limits.maxHeaderBytes)
          throw new InputError(
            path,
            { offset },
            msg.tarEntryTooLarge(headerName(block), limits.maxHeaderBytes),
          );
        const { bytes, complete: whole } = await reader.read(padded);
        if (!whole) throw new InputError(path, { offset }, msg.tarTruncated());
        const data = bytes.subarray(0, size);
        if (flag === 'L') longName = cString(data, 0, data.length);
        else if (flag === 'x') pax = paxRecords(data, path, offset);
        else globalPax = new Map([...globalPax, ...paxRecords(data, path, offset)]);
        continue;
      }

      const merged = new Map([...globalPax, ...pax]);
      const name = longName ?? merged.get('path') ?? headerName(block);
      const paxSize = merged.get('size');
      if (paxSize !== undefined) {
        if (!/^\d+$/.test(paxSize)) throw new InputError(path, { offset }, msg.tarCorrupt('bad pax size'));
        size = Number(paxSize);
      }
      longName = undefined;
      pax = new Map();
      const type = typeOf(flag);
      // Only regular files carry data that matters; links and specials have none to follow.
      const dataSize = type === 'file' || flag === 'K' || type === 'other' ? size : 0;
      const dataPadded = Math.ceil(dataSize / BLOCK) * BLOCK;
      if (type === 'file' && accept(name)) {
        if (dataSize > limits.maxEntryBytes)
          throw new InputError(path, { offset }, msg.tarEntryTooLarge(name, limits.maxEntryBytes));
        const { bytes, complete: whole } = await reader.read(dataPadded);
        if (!whole) throw new InputError(path, { offset }, msg.tarTruncated());
        yield { name, type, size: dataSize, data: Buffer.from(bytes.subarray(0, dataSize)), offset };
      } else {
        if (!(await reader.skip(dataPadded))) throw new InputError(path, { offset }, msg.tarTruncated());
        yield { name, type, size: dataSize, offset };
      }
    }
  } finally {
    reader.close();
  }
}
