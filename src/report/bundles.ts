import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The browser builds of vega, vega-lite and vega-embed, read from node_modules and inlined in
 * every HTML report so it works offline from file://. Their licences are BSD-3-Clause.
 */
export function browserBundles(): { name: string; code: string }[] {
  return [
    ['vega', 'build/vega.min.js'],
    ['vega-lite', 'build/vega-lite.min.js'],
    ['vega-embed', 'build/vega-embed.min.js'],
  ].map(([name, file]) => {
    const root = packageRoot(name!);
    // A "</script" inside a bundle would end the element early; none is expected, but make sure.
    const code = readFileSync(join(root, file!), 'utf8').replace(/<\/script/gi, '<\\/script');
    return { name: name!, code };
  });
}

/** The folder of an installed package (its package.json is not in its "exports", so walk up from its entry). */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !isPackage(join(dir, 'package.json'), name)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the installed package ${name}`);
    dir = parent;
  }
  return dir;
}

function isPackage(file: string, name: string): boolean {
  return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === name;
}
