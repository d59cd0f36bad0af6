import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * SQL lives in .sql files under src/ (runnable by DuckDB's own CLI). Both src/base and the
 * compiled dist/base sit two levels below the package root, so this resolves the same file
 * from TypeScript sources (tests) and from the built CLI.
 */
const SRC_ROOT = new URL('../../src/', import.meta.url);

export function sqlPath(relative: string): string {
  return fileURLToPath(new URL(relative, SRC_ROOT));
}

export function readSql(relative: string): string {
  return readFileSync(sqlPath(relative), 'utf8');
}

/** The .sql files of a folder under src/, sorted by name (they are numbered to give their order). */
export function listSql(folder: string): { name: string; sql: string }[] {
  const dir = sqlPath(folder.endsWith('/') ? folder : `${folder}/`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, sql: readFileSync(`${dir}/${name}`, 'utf8') }));
}
