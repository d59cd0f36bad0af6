import type { Rows } from './execute.js';
import { cellText } from './html.js';
import { METHOD } from './method.js';
import type { BuiltReport } from './report.js';
import { spreadTable } from './runs.js';
import { verdictTable, type TextTable } from './verdict.js';

/**
 * The report as Markdown, to paste into a postmortem: the notebook's prose, the answer, the verdict table,
 * findings, warnings, tables and inputs. Charts exist only in the HTML report, so each is
 * named with a pointer to it; SQL is left to the HTML's method section.
 */
export function renderMarkdown(report: BuiltReport): string {
  const { summary, notebook } = report;
  const out: string[] = [`# ${mdText(summary.title)}`, ''];
  out.push(
    `${summary.deployments.length} deployments, baseline **${mdText(summary.baseline)}**. ` +
      `Made by ${summary.tool.name} ${summary.tool.version} from \`${notebook.path}\`. Times are UTC.`,
    '',
  );
  for (const block of notebook.blocks) {
    switch (block.kind) {
      case 'prose':
        out.push((notebook.title !== null ? block.text.replace(/^# .*\n?/m, '') : block.text).trim(), '');
        break;
      case 'vega-lite': {
        const title = typeof block.spec.title === 'string' ? block.spec.title : block.query;
        out.push(`*Chart: ${mdText(title)} (in the HTML report).*`, '');
        break;
      }
      case 'table': {
        const rows = report.results.get(block.query) ?? [];
        out.push(rows.length === 0 && block.empty !== '' ? block.empty : mdTable(rowsToText(rows)), '');
        break;
      }
      case 'answer':
        out.push(...summary.answer.map((a) => `- ${mdText(a.text)}`), '');
        break;
      case 'verdict':
        out.push(mdTable(verdictTable(summary)), '');
        if (summary.runs)
          out.push('Spread over the runs of each deployment:', '', mdTable(spreadTable(summary.runs)), '');
        break;
      case 'findings':
        out.push(...summary.findings.map((f) => `- **${f.severity}**: ${mdText(f.text)}`), '');
        break;
      case 'warnings':
        out.push(
          ...(summary.warnings.length === 0
            ? ['No data-quality warnings.']
            : summary.warnings.map((w) => `- **${mdText(w.deployment)}**: ${mdText(w.message)}`)),
          '',
        );
        break;
      case 'inputs':
        out.push(
          mdTable({
            header: ['deployment', 'file', 'format', 'sha256', 'series', 'samples'],
            rows: summary.inputs.map((i) => [
              i.deployment,
              i.path,
              i.format,
              i.sha256,
              String(i.series),
              String(i.samples),
            ]),
          }),
          '',
        );
        break;
      case 'method':
        out.push(METHOD, '', 'The SQL of every view and query is in the HTML report.', '');
        break;
      case 'sql':
        break;
    }
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function rowsToText(rows: Rows): TextTable {
  const header = rows.length > 0 ? Object.keys(rows[0]!) : [];
  return { header, rows: rows.map((r) => header.map((c) => cellText(r[c] ?? null))) };
}

function mdTable(table: TextTable): string {
  if (table.header.length === 0) return '(no rows)';
  const line = (cells: string[]) => `| ${cells.map(mdCell).join(' | ')} |`;
  const groups = new Set(table.groups ?? []);
  // a group's heading row: its cells in bold
  const heading = (cells: string[]) =>
    `| ${cells.map((c) => (c === '' ? '' : `**${mdCell(c)}**`)).join(' | ')} |`;
  return [
    line(table.header),
    `|${table.header.map(() => '---').join('|')}|`,
    ...table.rows.map((r, i) => (groups.has(i) ? heading(r) : line(r))),
  ].join('\n');
}

/** Text from data, made inert in Markdown: no HTML, no table breaks, no emphasis or links. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function mdCell(text: string): string {
  return mdText(text);
}
