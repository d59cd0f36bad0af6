import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { InputError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import type { Rows } from './execute.js';

/** Defaults every chart gets (a notebook's own config wins). Time axes use a utc scale in the spec itself. */
const CONFIG = {
  view: { continuousWidth: 640, continuousHeight: 260 },
  font: 'system-ui, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
};

export interface Chart {
  /** The Vega-Lite spec with its data inline (what the browser upgrades the SVG with). */
  spec: Record<string, unknown>;
  /** The same chart rendered at build time, readable where scripts never run. */
  svg: string;
  /** The spec's description, shown under the chart (its title is drawn in the chart). */
  caption: string;
}

/**
 * Builds one chart: the notebook's Vega-Lite spec gets its query's rows inline, is compiled to
 * Vega and rendered to a static SVG in Node (vega's headless View, renderer 'none').
 */
export async function buildChart(
  notebookPath: string,
  line: number,
  spec: Record<string, unknown>,
  rows: Rows,
): Promise<Chart> {
  const { data: _data, ...rest } = spec;
  const full: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...rest,
    data: { values: rows },
    config: { ...CONFIG, ...((spec.config as object | undefined) ?? {}) },
  };
  let svg: string;
  try {
    const compiled = vegaLite.compile(full as unknown as vegaLite.TopLevelSpec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    svg = await view.toSVG();
    view.finalize();
  } catch (e) {
    throw new InputError(
      notebookPath,
      { line },
      msg.notebookBadSpec(e instanceof Error ? e.message : String(e)),
    );
  }
  const caption = typeof spec.description === 'string' ? spec.description : '';
  return { spec: full, svg, caption };
}
