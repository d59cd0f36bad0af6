import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (two levels up from src/cli and dist/cli). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** `--version`: this package, the DuckDB library it runs on and Node.js, one per line. */
export async function versionText(): Promise<string> {
  const { duckdb } = await import('../store/duckdb.js');
  return `trace-analyze ${VERSION}\nDuckDB ${duckdb.version()}\nNode.js ${process.version}\n`;
}
