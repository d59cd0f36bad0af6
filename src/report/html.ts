import { browserBundles } from './bundles.js';
import { escapeHtml, scriptJson } from './escape.js';
import { BASE_VIEWS, type Rows, type Value } from './execute.js';
import { utc } from './format.js';
import { METHOD } from './method.js';
import type { Block } from './notebook.js';
import { proseHtml } from './prose.js';
import type { BuiltReport } from './report.js';
import { spreadTable } from './runs.js';
import { verdictTable, type TextTable } from './verdict.js';

/**
 * Network is off by policy, not only by construction: the page may load nothing, connect
 * nowhere and submit nothing. Vega compiles its expressions with Function(), hence unsafe-eval.
 */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'";

const CSS = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5a6570; --line: #d5dbe1; --bg-alt: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.7em; margin: 0 0 4px; } h2 { margin-top: 2em; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 0.92em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; } th { background: var(--bg-alt); }
tr.group th { background: #e6ebf0; }
code, pre { font: 0.88em/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: var(--bg-alt); padding: 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
figure.chart { margin: 16px 0 24px; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.9em; }
figure.live .chart-static { display: none; }
.answer li { font-weight: 600; margin: 4px 0; }
.severity { font-size: 0.8em; font-weight: 600; text-transform: uppercase; padding: 0 4px; border-radius: 3px; background: var(--bg-alt); }
.severity.critical { background: #f6d5d5; } .severity.major { background: #fbe7c6; } .warnings li { color: #8a4b00; } details summary { cursor: pointer; color: var(--muted); }
td.sha { font-family: ui-monospace, monospace; font-size: 0.8em; word-break: break-all; }
@media print {
  main { max-width: none; padding: 0; } body { font-size: 11pt; }
  figure.chart, table { break-inside: avoid; }
  figure.live .chart-static { display: block; } .chart-live { display: none; }
  a { color: inherit; text-decoration: none; }
}`;

/** Replaces each static SVG by the interactive view once vega-embed has rendered it. */
const UPGRADE = `(function () {
  var figures = document.querySelectorAll('figure.chart');
  Array.prototype.forEach.call(figures, function (figure) {
    var spec = JSON.parse(figure.querySelector('script.chart-spec').textContent);
    var live = figure.querySelector('.chart-live');
    vegaEmbed(live, spec, { actions: false, renderer: 'svg' }).then(function () {
      figure.classList.add('live');
    }, function (error) {
      live.textContent = '';
      console.error('chart ' + figure.id + ': ' + error);
    });
  });
})();`;

export function renderHtml(report: BuiltReport): string {
  const { summary, notebook } = report;
  const body: string[] = [];
  body.push(`<header><h1>${escapeHtml(summary.title)}</h1>`);
  body.push(
    `<p class="meta">${summary.deployments.length} deployments, baseline <strong>${escapeHtml(summary.baseline)}</strong>. ` +
      `Made by ${escapeHtml(summary.tool.name)} ${escapeHtml(summary.tool.version)} at ${escapeHtml(summary.generated_at)} ` +
      `from <code>${escapeHtml(notebook.path)}</code>. Times are UTC.</p></header>`,
  );
  notebook.blocks.forEach((block, i) => body.push(renderBlock(report, block, i)));
  const scripts = browserBundles()
    .map((b) => `<script data-bundle="${escapeHtml(b.name)}">${b.code}</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${summary.tool.name} ${summary.tool.version}`)}">
<title>${escapeHtml(summary.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.join('\n')}
</main>
<script type="application/json" id="report-summary">${scriptJson(summary)}</script>
${scripts}
<script>${UPGRADE}</script>
</body>
</html>
`;
}

function renderBlock(report: BuiltReport, block: Block, index: number): string {
  const { summary, notebook } = report;
  switch (block.kind) {
    case 'prose': {
      // The notebook's title is the page header already.
      const text = notebook.title !== null ? block.text.replace(/^# .*\n?/m, '') : block.text;
      return proseHtml(text);
    }
    case 'sql':
      return `<details class="sql"><summary>SQL <code>${escapeHtml(block.name)}</code></summary><pre><code>${escapeHtml(block.sql)}</code></pre></details>`;
    case 'vega-lite': {
      const chart = report.charts.get(index)!;
      return (
        `<figure class="chart" id="chart-${index}">` +
        `<div class="chart-static">${chart.svg}</div><div class="chart-live"></div>` +
        `<script type="application/json" class="chart-spec">${scriptJson(chart.spec)}</script>` +
        (chart.caption ? `<figcaption>${escapeHtml(chart.caption)}</figcaption>` : '') +
        `</figure>`
      );
    }
    case 'table': {
      const rows = report.results.get(block.query) ?? [];
      return rows.length === 0 && block.empty !== '' ? proseHtml(block.empty) : rowsTable(rows);
    }
    case 'answer':
      return `<ul class="answer">${summary.answer.map((a) => `<li>${escapeHtml(a.text)}</li>`).join('')}</ul>`;
    case 'verdict':
      return (
        textTable(verdictTable(summary), 'verdict') +
        (summary.runs
          ? `<p>Spread over the runs of each deployment:</p>${textTable(spreadTable(summary.runs), 'verdict')}`
          : '')
      );
    case 'findings':
      return summary.findings.length === 0
        ? '<p>No findings: the data has no deployment to compare with the baseline.</p>'
        : `<ul class="findings">${summary.findings
            .map(
              (f) =>
                `<li><span class="severity ${f.severity}">${f.severity}</span> ${escapeHtml(f.text)}</li>`,
            )
            .join('')}</ul>`;
    case 'warnings':
      return summary.warnings.length === 0
        ? '<p>No data-quality warnings.</p>'
        : `<ul class="warnings">${summary.warnings
            .map((w) => `<li><strong>${escapeHtml(w.deployment)}</strong>: ${escapeHtml(w.message)}</li>`)
            .join('')}</ul>`;
    case 'method':
      return (
        proseHtml(METHOD) +
        BASE_VIEWS.map(
          (v) =>
            `<details class="sql"><summary>SQL <code>${escapeHtml(v.name)}</code></summary><pre><code>${escapeHtml(v.sql)}</code></pre></details>`,
        ).join('')
      );
    case 'inputs':
      return (
        textTable(
          {
            header: ['deployment', 'file', 'format', 'sha256', 'series', 'samples'],
            rows: summary.inputs.map((i) => [
              i.deployment,
              i.path,
              i.format,
              i.sha256,
              String(i.series),
              String(i.samples),
            ]),
          },
          'inputs',
        ) +
        `<p>Deployment windows (UTC): ${summary.deployments
          .map((d) => `${escapeHtml(d.name)} ${escapeHtml(utc(d.start))} – ${escapeHtml(utc(d.end))}`)
          .join('; ')}. Tool: ${escapeHtml(summary.tool.name)} ${escapeHtml(summary.tool.version)}.</p>`
      );
  }
}

function textTable(table: TextTable, cls: string): string {
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const groups = new Set(table.groups ?? []);
  const rows = table.rows
    .map((r, row) =>
      groups.has(row)
        ? `<tr class="group"><th>${escapeHtml(r[0]!)}</th>${r
            .slice(1)
            .map((c) => `<th class="num">${escapeHtml(c)}</th>`)
            .join('')}</tr>`
        : `<tr>${r
            .map((c, i) =>
              cls === 'inputs' && i === 3
                ? `<td class="sha">${escapeHtml(c)}</td>`
                : `<td${i > 0 && /^[-+\d]/.test(c) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`,
            )
            .join('')}</tr>`,
    )
    .join('');
  return `<table class="${cls}"><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** A query's rows as a table; numbers rounded to 3 decimals for reading (the data keeps them whole). */
export function rowsTable(rows: Rows): string {
  if (rows.length === 0) return '<p>(no rows)</p>';
  const columns = Object.keys(rows[0]!);
  return textTable(
    { header: columns, rows: rows.map((r) => columns.map((c) => cellText(r[c] ?? null))) },
    'rows',
  );
}

export function cellText(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
