import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { MAX_LINE_CHARS } from '../../src/base/limits.js';
import * as msg from '../../src/base/messages.js';
import { readLines } from '../../src/importers/lines.js';

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const l of readLines('f.txt', Readable.from(chunks))) out.push(l.text);
  return out;
}

describe('readLines', () => {
  it('splits LF and CRLF lines across chunk boundaries', async () => {
    expect(await collect([Buffer.from('a\r'), Buffer.from('\nb\nc')])).toEqual(['a', 'b', 'c']);
  });

  it('a line longer than MAX_LINE_CHARS is an error naming the line, not unbounded memory', async () => {
    const piece = Buffer.alloc(1 << 20, 0x61);
    const chunks = [
      Buffer.from('ok\n'),
      ...Array.from({ length: MAX_LINE_CHARS / piece.length + 1 }, () => piece),
    ];
    const error = await collect(chunks).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`f.txt:2: ${msg.lineTooLong(MAX_LINE_CHARS)}`);
  });
});
