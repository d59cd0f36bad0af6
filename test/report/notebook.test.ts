import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/base/errors.js';
import * as msg from '../../src/base/messages.js';
import { escapeHtml, scriptJson } from '../../src/report/escape.js';
import { parseNotebook } from '../../src/report/notebook.js';
import { proseHtml } from '../../src/report/prose.js';
import { mdText } from '../../src/report/markdown.js';

function parseError(text: string): InputError {
  try {
    parseNotebook('nb.md', text);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('notebook parsing', () => {
  it('splits prose, named sql blocks, vega-lite blocks, tables and sections, with their lines', () => {
    const nb = parseNotebook(
      'nb.md',
      [
        '# Title',
        'Some *prose*.',
        '',
        '```sql cpu',
        'SELECT 1 AS x',
        '```',
        '```vega-lite',
        '{"data": {"name": "cpu"}, "mark": "point"}',
        '```',
        '```table cpu',
        '```',
        '```sh',
        'echo shown as code',
        '```',
        '```verdict',
        '```',
      ].join('\n'),
    );
    expect(nb.title).toBe('Title');
    expect(nb.blocks.map((b) => [b.kind, b.line])).toEqual([
      ['prose', 1],
      ['sql', 4],
      ['vega-lite', 7],
      ['table', 10],
      ['prose', 12],
      ['verdict', 15],
    ]);
    expect(nb.blocks[1]).toMatchObject({ name: 'cpu', sql: 'SELECT 1 AS x' });
    expect(nb.blocks[2]).toMatchObject({ query: 'cpu' });
  });

  it('a table block’s body is the text shown when its query has no rows', () => {
    const nb = parseNotebook(
      'nb.md',
      [
        '```sql none',
        'SELECT 1 AS x WHERE false',
        '```',
        '```table none',
        'Nothing here.',
        '```',
        '```answer',
        '```',
      ].join('\n'),
    );
    expect(nb.blocks.slice(1)).toEqual([
      { kind: 'table', line: 4, query: 'none', empty: 'Nothing here.' },
      { kind: 'answer', line: 7 },
    ]);
  });

  it('rejects broken notebooks with the line of the block', () => {
    let e = parseError('text\n\n```sql\nSELECT 1\n```\n');
    expect(e.message).toBe(`nb.md:3: ${msg.notebookMissingName('sql')}`);
    e = parseError('```sql a\nSELECT 1\n```\n```sql a\nSELECT 2\n```\n');
    expect(e.message).toBe(`nb.md:4: ${msg.notebookDuplicateName('a', 1)}`);
    e = parseError('```sql a\nSELECT 1\n```\n\n```vega-lite\n{"data": {"name": "b"}}\n```\n');
    expect(e.message).toBe(`nb.md:5: ${msg.notebookUnknownQuery('b', ['a'])}`);
    e = parseError('```sql a\nSELECT 1\n```\n```vega-lite\n{"mark": }\n```\n');
    expect(e.message).toMatch(/^nb\.md:4: Vega-Lite block: /);
    e = parseError('```vega-lite\n{"mark": "point"}\n```\n');
    expect(e.message).toBe(`nb.md:1: ${msg.notebookSpecNeedsData()}`);
    e = parseError('intro\n```sql a\nSELECT 1\n');
    expect(e.message).toBe(`nb.md:2: ${msg.notebookUnclosedFence()}`);
    e = parseError('```sql 1a\nSELECT 1\n```\n');
    expect(e.message).toBe(`nb.md:1: ${msg.notebookBadName('1a')}`);
    e = parseError('text\n```sql processes\nSELECT 1\n```\n');
    expect(e.message).toBe(`nb.md:2: ${msg.notebookReservedName('processes')}`);
  });
});

describe('escaping of data in the report', () => {
  it('HTML text and attributes', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&#60;img src=x onerror=&#34;a(&#39;b&#39;)&#34;&#62;&#38;',
    );
  });

  it('JSON inside a script element cannot close it and keeps its value', () => {
    const value = { label: '</script><script>alert(1)</script>', sep: '\u2028\u2029', amp: 'a&b' };
    const text = scriptJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('prose: raw HTML in a notebook is text; Markdown inline styles still work', () => {
    expect(
      proseHtml('Hi <b>x</b> **bold** `<code>` [l](https://e.org/?a=1&b=2) [j](javascript:alert(1))'),
    ).toBe(
      '<p>Hi &#60;b&#62;x&#60;/b&#62; <strong>bold</strong> <code>&#60;code&#62;</code> ' +
        '<a href="https://e.org/?a=1&#38;b=2">l</a> [j](javascript:alert(1))</p>',
    );
    expect(proseHtml('- a\n- b\n\n1. c')).toBe('<ul><li>a</li><li>b</li></ul>\n<ol><li>c</li></ol>');
  });

  it('Markdown output: data cannot add HTML, links or break a table', () => {
    expect(mdText('<img src=x> | [a](b) *c*')).toBe('\\<img src=x\\> \\| \\[a\\](b) \\*c\\*');
  });
});
