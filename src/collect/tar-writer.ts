import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { constants, createGzip, type Gzip } from 'node:zlib';

/**
 * A gzip-compressed tar archive written as it goes: regular files only, POSIX ustar headers
 * (POSIX.1-2017 pax, "ustar Interchange Format"), the form src/importers/tar.ts reads. Each
 * flush() pushes what was added through gzip to the file, so the archive grows with the recording;
 * close() writes the end-of-archive blocks and the gzip trailer.
 */
export class TarGzWriter {
  private constructor(
    private readonly gzip: Gzip,
    private readonly file: WriteStream,
  ) {}

  /** Creates `path`; an existing file is an error (EEXIST), never overwritten. */
  static async create(path: string): Promise<TarGzWriter> {
    const file = createWriteStream(path, { flags: 'wx' });
    await once(file, 'open');
    const gzip = createGzip();
    gzip.pipe(file);
    return new TarGzWriter(gzip, file);
  }

  async add(name: string, data: Buffer, mtimeMs: number): Promise<void> {
    await this.write(ustarHeader(name, data.length, mtimeMs));
    await this.write(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) await this.write(Buffer.alloc(pad));
  }

  /** Everything added so far reaches the file (a gzip sync flush). */
  async flush(): Promise<void> {
    await new Promise<void>((resolve) => this.gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
  }

  async close(): Promise<void> {
    await this.write(Buffer.alloc(1024)); // two zero blocks end a tar archive
    this.gzip.end();
    await once(this.file, 'close');
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
  }
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A ustar header of a regular file; names longer than 100 bytes are split into prefix and name. */
function ustarHeader(name: string, size: number, mtimeMs: number): Buffer {
  const block = Buffer.alloc(512);
  let prefix = '';
  let rest = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    rest = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(rest) > 100)
      throw new Error(`tar entry name too long for ustar: ${name}`);
  }
  block.write(rest, 0, 'utf8');
  block.write(octal(0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(Math.floor(mtimeMs / 1000), 12), 136);
  block.write('        ', 148); // the checksum is computed with its own field as spaces
  block.write('0', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.write(prefix, 345, 'utf8');
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}
