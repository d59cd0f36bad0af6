/**
 * Hostile inputs for tests of what trace-analyze writes and shows: each function creates one
 * below `dir` and returns the path to import.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tarOf } from './tar.js';

export const HOSTILE_INPUTS: ((dir: string) => string)[] = [
  // A gzip bomb: 64 MiB of spaces after a valid body, a few KiB compressed.
  (dir) => {
    const path = join(dir, 'bomb.json.gz');
    const body = '{"status":"success","data":{"resultType":"vector","result":[]}}';
    writeFileSync(
      path,
      gzipSync(Buffer.concat([Buffer.from(body), Buffer.alloc(64 << 20, 0x20)]), { level: 9 }),
    );
    return path;
  },
  // Broken JSON whose label values hold paths and markup.
  (dir) => {
    const path = join(dir, 'broken.json');
    writeFileSync(
      path,
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"../../etc/passwd","b":"</script>',
    );
    return path;
  },
  // A snapshot archive whose members point outside it: traversal, absolute names, links, a device.
  (dir) => {
    const path = join(dir, 'evil.tar.gz');
    const snap = '1795793063267';
    const tar = tarOf([
      { name: `${snap}/meta`, data: 'clk_tck=100\npagesize=4096\n' },
      { name: `../../${snap}/proc/stat`, data: 'cpu  1 2 3 4\n' },
      { name: `/tmp/trace-analyze-evil/${snap}/meta`, data: 'x=1\n' },
      { name: `${snap}/proc`, type: '2', linkname: '/proc' },
      { name: `${snap}/proc/stat`, type: '1', linkname: '/proc/stat' },
      { name: `${snap}/proc/meminfo`, type: '3' },
      { name: `${snap}/proc/1/cmdline`, type: '2', linkname: '../../../../etc/passwd' },
      { name: `${snap}/proc/1/cmdline/x`, data: 'written through a link?' },
    ]);
    writeFileSync(path, gzipSync(tar));
    return path;
  },
  // A folder with links pointing outside it, to a folder and to a file.
  (dir) => {
    const path = join(dir, 'linked');
    mkdirSync(path, { recursive: true });
    symlinkSync('/etc', join(path, 'etc-link'));
    symlinkSync('/etc/hostname', join(path, 'hostname.json'));
    return path;
  },
];
