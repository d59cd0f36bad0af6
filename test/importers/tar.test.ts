import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import { readTar, type TarEntry } from '../../src/importers/tar.js';
import { paxRecord, tarOf } from '../helpers/tar.js';

async function entries(archive: Buffer, chunk = 7): Promise<TarEntry[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < archive.length; i += chunk) chunks.push(archive.subarray(i, i + chunk));
  const out: TarEntry[] = [];
  for await (const e of readTar(Readable.from(chunks), 'a.tar', () => true)) out.push(e);
  return out;
}

describe('streaming tar reader', () => {
  it('reads files in any chunking, reports links and devices without data', async () => {
    const archive = tarOf([
      { name: 'd/', type: '5' },
      { name: 'd/f', data: 'hello' },
      { name: 'd/l', type: '2', linkname: '/etc/passwd' },
      { name: 'd/h', type: '1', linkname: 'd/f' },
      { name: 'd/c', type: '3' },
      { name: 'd/big', data: Buffer.alloc(1500, 1) },
    ]);
    for (const chunk of [1, 7, 512, 100_000]) {
      const got = await entries(archive, chunk);
      expect(got.map((e) => [e.name, e.type, e.data?.toString('latin1').slice(0, 5)])).toEqual([
        ['d/', 'directory', undefined],
        ['d/f', 'file', 'hello'],
        ['d/l', 'symlink', undefined],
        ['d/h', 'link', undefined],
        ['d/c', 'other', undefined],
        ['d/big', 'file', '\x01\x01\x01\x01\x01'],
      ]);
      expect(got[5]!.data!.length).toBe(1500);
    }
  });

  it('pax path and GNU long names replace the header name', async () => {
    const long = `${'x'.repeat(150)}/file`;
    const archive = tarOf([
      { name: 'PaxHeader', type: 'x', data: paxRecord('path', 'pax/renamed') },
      { name: 'short', data: 'a' },
      { name: '././@LongLink', type: 'L', data: `${long}\0` },
      { name: long.slice(0, 100), data: 'b' },
      { name: 'after', data: 'c' },
    ]);
    expect((await entries(archive)).map((e) => e.name)).toEqual(['pax/renamed', long, 'after']);
  });

  it('a bad checksum and a truncated archive are errors with the byte offset', async () => {
    const archive = tarOf([{ name: 'f', data: 'hello' }]);
    const bad = Buffer.from(archive);
    bad[0] = 0x41;
    await expect(entries(bad)).rejects.toThrow(
      new InputError('a.tar', { offset: 0 }, 'tar archive is corrupt: bad header checksum'),
    );
    await expect(entries(archive.subarray(0, 600))).rejects.toThrow(
      /a\.tar \(byte 0\): tar archive ends inside an entry/,
    );
  });

  it('an accepted entry over the size limit is an error', async () => {
    const archive = tarOf([{ name: 'f', data: Buffer.alloc(2000) }]);
    const run = async () => {
      for await (const e of readTar(Readable.from([archive]), 'a.tar', () => true, {
        maxEntryBytes: 1000,
        maxHeaderBytes: 1000,
      }))
        void e;
    };
    await expect(run()).rejects.toThrow(/larger than 1000 bytes/);
  });
});
