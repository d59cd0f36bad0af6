import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';

/**
 * A notebook is Markdown: prose, named ```sql blocks (each becomes a temporary view of that
 * name, so later blocks can build on earlier ones), ```vega-lite blocks whose
 * `"data": {"name": ...}` names a query, ```table blocks that show a query as a table (their
 * body, if any, is the text shown instead when the query has no rows), and
 * the report's own sections as blocks without a body (```answer, ```verdict, ```findings, ...).
 */
export type Block =
  | { kind: 'prose'; line: number; text: string }
  | { kind: 'sql'; line: number; name: string; sql: string }
  | { kind: 'vega-lite'; line: number; spec: Record<string, unknown>; query: string }
  /** `empty`: the block's body, shown instead of the table when the query has no rows. */
  | { kind: 'table'; line: number; query: string; empty: string }
  | { kind: Section; line: number };

/** Sections the report fills itself (from the summary, not from a notebook query). */
export const SECTIONS = ['answer', 'verdict', 'findings', 'warnings', 'method', 'inputs'] as const;
export type Section = (typeof SECTIONS)[number];

const BLOCK_KINDS = ['sql', 'vega-lite', 'table', ...SECTIONS];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Notebook {
  path: string;
  /** The first level-1 heading, if any. */
  title: string | null;
  blocks: Block[];
}

export function parseNotebook(path: string, text: string): Notebook {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  const defined = new Map<string, number>();
  let prose: string[] = [];
  let proseLine = 1;
  let title: string | null = null;
  const flushProse = () => {
    if (prose.some((l) => l.trim() !== ''))
      blocks.push({ kind: 'prose', line: proseLine, text: prose.join('\n') });
    prose = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(`{3,})\s*([^`\s]*)\s*(.*)$/.exec(line);
    if (!fence) {
      if (prose.length === 0) proseLine = i + 1;
      if (title === null && /^# /.test(line)) title = line.slice(2).trim();
      prose.push(line);
      continue;
    }
    const start = i + 1;
    const [, ticks, kind = '', rest = ''] = fence;
    const body: string[] = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      if (lines[i]!.trim() === ticks) {
        closed = true;
        break;
      }
      body.push(lines[i]!);
    }
    if (!closed) throw new InputError(path, { line: start }, msg.notebookUnclosedFence());
    if (!BLOCK_KINDS.includes(kind)) {
      // Any other fenced block (```sh, plain ```) is prose shown as code.
      if (prose.length === 0) proseLine = start;
      prose.push(line, ...body, ticks!);
      continue;
    }
    flushProse();
    proseLine = i + 2;
    const name = rest.trim();
    const where = { line: start };
    if (kind === 'sql' || kind === 'table') {
      if (name === '') throw new InputError(path, where, msg.notebookMissingName(kind));
      if (!NAME.test(name)) throw new InputError(path, where, msg.notebookBadName(name));
      if (RESERVED.has(name.toLowerCase())) throw new InputError(path, where, msg.notebookReservedName(name));
    }
    if (kind === 'sql') {
      const previous = defined.get(name);
      if (previous !== undefined)
        throw new InputError(path, where, msg.notebookDuplicateName(name, previous));
      defined.set(name, start);
      blocks.push({ kind: 'sql', line: start, name, sql: body.join('\n') });
    } else if (kind === 'table') {
      requireQuery(path, start, name, defined);
      blocks.push({ kind: 'table', line: start, query: name, empty: body.join('\n').trim() });
    } else if (kind === 'vega-lite') {
      const spec = parseSpec(path, start, body.join('\n'));
      const data = spec.data as { name?: unknown } | undefined;
      if (!data || typeof data.name !== 'string')
        throw new InputError(path, where, msg.notebookSpecNeedsData());
      requireQuery(path, start, data.name, defined);
      blocks.push({ kind: 'vega-lite', line: start, spec, query: data.name });
    } else {
      blocks.push({ kind: kind as Section, line: start });
    }
  }
  flushProse();
  return { path, title, blocks };
}

/** Canonical tables and views: a query of that name would shadow them for every later query. */
const RESERVED = new Set([
  'imports',
  'series',
  'samples',
  'processes',
  'metric_catalog',
  'process_restarts',
  'schema_meta',
]);

function requireQuery(path: string, line: number, name: string, defined: Map<string, number>): void {
  if (!defined.has(name))
    throw new InputError(path, { line }, msg.notebookUnknownQuery(name, [...defined.keys()]));
}

function parseSpec(path: string, line: number, text: string): Record<string, unknown> {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, { line }, msg.notebookBadSpec(e instanceof Error ? e.message : String(e)));
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new InputError(path, { line }, msg.notebookBadSpec('expected a JSON object'));
  return spec as Record<string, unknown>;
}
