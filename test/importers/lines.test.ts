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

describe('readLines and bytes that are not UTF-8', () => {
  it('a character split between chunks is read whole', async () => {
    const bytes = Buffer.from('a="é€😀"\nb\n');
    for (let cut = 1; cut < bytes.length; cut++)
      expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['a="é€😀"', 'b']);
  });

  it('an invalid byte is an error naming its line, wherever the chunks are cut', async () => {
    const bytes = Buffer.concat([
      Buffer.from('ok 1\nok 2\na{b="'),
      Buffer.from([0xff]),
      Buffer.from('"} 1\nok 3\n'),
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const error = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]).catch((e: unknown) => e);
      expect((error as InputError).message, `cut at ${cut}`).toBe(`f.txt:3: ${msg.notUtf8()}`);
    }
  });

  it.each([
    ['a truncated sequence at the end of the file', [0x61, 0x0a, 0xe2, 0x82], 2],
    ['a truncated sequence before a line break', [0x61, 0xc3, 0x0a, 0x62], 1],
  ])('%s is an error naming its line', async (_name, bytes, line) => {
    const error = await collect([Buffer.from(bytes)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`f.txt:${line}: ${msg.notUtf8()}`);
  });

  it('a byte order mark is not part of the first line', async () => {
    expect(await collect([Buffer.from('\uFEFFa\nb')])).toEqual(['a', 'b']);
    expect(await collect([Buffer.from('\uFEFFa')])).toEqual(['a']);
  });
});
