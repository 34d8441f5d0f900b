// Chart item: one plotly trace per (trace, selected cohort).

import { loadTraces, type TraceResult } from '../data';
import { clear, errorState, h, icon, ICONS, spinner } from '../dom';
import { applyClick, atState, currentValues, loadInputs, type AtState } from '../inputs';
import { loadPlotly, type PlotlyElement, type PlotlyPoint, type PlotlyStatic } from '../plotly';
import { rawSelection, readSelection, selectorType, writeSelection } from '../selection';
import { autorangedAxes, buildChartTraces, cohortOptions, merge, onlyValuesChanged, valueKey, valueSpans } from '../traces';
import type { Chart, Item, JsonObject } from '../types';
import type { ItemContext, ItemView } from './item';
import { Picker } from './picker';

export const FONT_STACK =
  'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Natural plot height for compact rows when the layout sets none. */
const COMPACT_HEIGHT = 450;

/** `Plotly.animate` options that run a frame at once, with no transition and no redraw after it. */
const AT_ONCE = { transition: { duration: 0 }, frame: { duration: 0, redraw: false }, mode: 'immediate' };

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function layoutDefaults(layout: JsonObject): JsonObject {
  const hasTitle = !!layout.title;
  return {
    font: { family: FONT_STACK, color: '#334155' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { t: hasTitle ? 64 : 32, r: 32, b: 56, l: 64, pad: 0 },
    title: { font: { size: 16, color: '#0f172a' } },
    xaxis: { automargin: true },
    yaxis: { automargin: true },
    hoverlabel: { font: { family: FONT_STACK } },
  };
}

/** What a clicked point holds for an `on_click.set` field. */
function pointField(point: PlotlyPoint, field: string): unknown {
  switch (field) {
    case 'x':
      return point.x ?? point.label;
    case 'y':
      return point.y ?? point.value;
    case 'text': {
      const texts = point.data?.text;
      return point.text ?? (Array.isArray(texts) ? texts[point.pointIndex ?? -1] : texts);
    }
    case 'customdata':
      return point.customdata;
    case 'cohort':
      return point.data?.name;
    default:
      return undefined;
  }
}

export class ChartView implements ItemView {
  readonly el: HTMLElement;
  private chart: Chart;
  private plotEl: HTMLElement;
  private emptyEl: HTMLElement;
  private stateEl: HTMLElement;
  private warnEl: HTMLElement;
  private toolbar: HTMLElement;
  private picker: Picker | null = null;
  /** The traces' data as loaded (all states), and at the current inputs. */
  private results: TraceResult[] | null = null;
  private shown: TraceResult[] = [];
  /** The state (inputs, cohort selection) last drawn: a URL change that keeps it draws nothing. */
  private drawnKey: string | null = null;
  private plotly: PlotlyStatic | null = null;
  private plotted = false;
  private size = { w: 0, h: 0 };
  private observer: ResizeObserver;
  private generation = 0;
  private destroyed = false;
  private resizeTimer = 0;

  constructor(
    item: Item,
    ctx: ItemContext,
  ) {
    this.chart = item.chart!;
    this.plotEl = h('div', { class: 'plot' });
    this.stateEl = h('div', { class: 'item-state' });
    this.emptyEl = h('div', { class: 'plot-empty', hidden: true }, 'Nothing to show for the current selection');
    this.warnEl = h('div', { class: 'item-warning', hidden: true });
    this.toolbar = h('div', { class: 'item-toolbar' });
    this.el = h(
      'div',
      { class: 'card item-chart', 'data-chart': this.chart.name ?? '' },
      this.toolbar,
      h('div', { class: 'plot-wrap' }, this.plotEl, this.emptyEl),
      this.warnEl,
      this.stateEl,
    );
    if (ctx.rowHeight === null) {
      const lh = this.chart.layout?.height;
      this.plotEl.style.height = `${typeof lh === 'number' && lh > 0 ? lh : COMPACT_HEIGHT}px`;
    }
    this.el.classList.toggle('clickable', !!this.chart.on_click);
    this.observer = new ResizeObserver(() => this.onResize());
    this.observer.observe(this.plotEl);
    this.load();
  }

  traceNames(): string[] {
    return (this.chart.traces ?? []).map((t) => t.name);
  }

  update(item: Item): void {
    if (item.chart) this.chart = item.chart;
    this.el.classList.toggle('clickable', !!this.chart.on_click);
    this.load();
  }

  destroy(): void {
    this.destroyed = true;
    this.observer.disconnect();
    this.picker?.close();
    window.clearTimeout(this.resizeTimer);
    if (this.plotly && this.plotted) this.plotly.purge(this.plotEl);
  }

  onParams(): void {
    if (this.results && this.drawKey(atState(this.results, currentValues())) !== this.drawnKey) this.render();
  }

  private drawKey(at: AtState): string {
    const sel = this.chart.selector?.name;
    return JSON.stringify([at.key, sel ? rawSelection(sel) : null]);
  }

  private get label(): string {
    return this.chart.name ?? 'chart';
  }

  private async load(): Promise<void> {
    const gen = ++this.generation;
    if (!this.plotted) this.showState(spinner(this.label));
    const names = this.traceNames();
    let plotly: PlotlyStatic;
    let results: TraceResult[];
    try {
      [plotly, results] = await Promise.all([loadPlotly(), loadTraces(names), loadInputs()]);
    } catch (e) {
      if (gen === this.generation) this.showState(errorState(this.label, [(e as Error).message]));
      return;
    }
    if (gen !== this.generation || this.destroyed) return;
    this.plotly = plotly;
    this.results = results;
    this.render();
  }

  private showState(node: HTMLElement | null): void {
    clear(this.stateEl);
    if (node) this.stateEl.append(node);
    this.stateEl.hidden = !node;
    this.el.classList.toggle('has-state', !!node);
  }

  private selection(options: string[]): { type: 'single' | 'multiple'; selected: string[] } {
    const sel = this.chart.selector;
    const type = selectorType(sel, 'multiple');
    const selected = sel?.name ? readSelection(sel.name, type, options) : options;
    return { type, selected };
  }

  private renderPicker(options: string[], type: 'single' | 'multiple', selected: string[]): void {
    const sel = this.chart.selector;
    const visible = !!sel?.name && !!this.chart.name && sel.parent_name === this.chart.name;
    if (!visible) {
      clear(this.toolbar);
      this.picker = null;
      return;
    }
    // Keep the dropdown visible while a non-default selection is active.
    this.toolbar.classList.toggle('pinned', rawSelection(sel!.name) !== null);
    if (!this.picker) {
      this.picker = new Picker({
        label: sel!.name,
        type,
        options,
        selected,
        variant: 'compact',
        onChange: (values) => writeSelection(sel!.name, type, values, this.currentOptions(), false),
      });
      clear(this.toolbar);
      this.toolbar.append(this.picker.el);
    } else {
      this.picker.update(options, selected);
    }
  }

  private currentOptions(): string[] {
    return cohortOptions(this.shown);
  }

  private render(): void {
    const at = atState(this.results!, currentValues());
    this.drawnKey = this.drawKey(at);
    const results = at.results;
    this.shown = results;
    const traces = this.chart.traces ?? [];
    const options = cohortOptions(results);
    const { type, selected } = this.selection(options);
    this.renderPicker(options, type, selected);
    const built = buildChartTraces(traces, results, new Set(selected));
    const failedAll = traces.length > 0 && results.every((r) => !r.ok);
    if (failedAll || (built.errors.length > 0 && built.traces.length === 0)) {
      this.showState(errorState(this.label, built.errors));
      this.warnEl.hidden = true;
      if (this.plotted && this.plotly) {
        this.plotly.purge(this.plotEl);
        this.plotted = false;
      }
      return;
    }
    this.showState(null);
    clear(this.warnEl);
    this.warnEl.hidden = built.errors.length === 0;
    if (built.errors.length) {
      this.warnEl.append(icon(ICONS.alert, 'icon'), h('span', null, built.errors.join(' · ')));
    }
    this.emptyEl.hidden = built.traces.length > 0;
    this.plot(built.traces);
  }

  private layout(): JsonObject {
    // merge copies the user's layout into the fresh defaults: plotly may write into the result.
    const user = this.chart.layout ?? {};
    const layout = merge(layoutDefaults(user), user) as JsonObject;
    const w = Math.max(50, Math.floor(this.size.w || this.plotEl.clientWidth));
    const h = Math.max(50, Math.floor(this.size.h || this.plotEl.clientHeight));
    layout.width = w;
    layout.height = h;
    layout.autosize = false;
    return layout;
  }

  private config(): JsonObject {
    return {
      displaylogo: false,
      responsive: false,
      displayModeBar: 'hover',
      modeBarButtonsToRemove: ['sendDataToCloud'],
      toImageButtonOptions: { format: 'png', filename: this.chart.name || 'chart', scale: 2 },
    };
  }

  /** The config when it differs from the plot's: plotly then rereads it (and the plot's size). */
  private changedConfig(): JsonObject | undefined {
    const config = this.config();
    const key = JSON.stringify(config);
    if (key === this.configKey) return undefined;
    this.configKey = key;
    return config;
  }

  /** The traces plotly holds (its `data`: plotly and its legend write into them). */
  private currentTraces: Record<string, unknown>[] = [];
  private configKey = '';
  /** Draws started; a draw finishing after a later one started is stale. */
  private draws = 0;
  /** After the last draw finished: the layout it was given, and plotly's input layout then. */
  private settled: { layout: string; plotted: string } | null = null;

  /** Draws `traces`; `visivo:drawn` (bubbling) on the item once plotly is done. */
  private plot(traces: Record<string, unknown>[]): void {
    if (!this.plotly) return;
    const first = !this.plotted;
    // Later sizes come from the ResizeObserver: reading them here would force a layout of the
    // whole page per chart when many redraw at once.
    if (first) this.size = { w: this.plotEl.clientWidth, h: this.plotEl.clientHeight };
    const draw = ++this.draws;
    const layout = this.layout();
    const layoutKey = JSON.stringify(layout);
    const p = first ? this.newPlot(traces, layout) : this.redraw(traces, layout, layoutKey, draw);
    this.plotted = true;
    p.then(
      () => {
        // Only the latest draw shows the chart as it is now: a stale one (a state replaced
        // before plotly finished) neither marks it rendered nor announces it.
        if (draw !== this.draws) return;
        this.settled = { layout: layoutKey, plotted: JSON.stringify(this.gd.layout) };
        this.el.setAttribute('data-rendered', String(this.generation));
        this.el.dispatchEvent(new CustomEvent('visivo:drawn', { bubbles: true }));
      },
      (e: unknown) => {
        // A stale draw may end interrupted by the later one.
        if (draw === this.draws) this.showState(errorState(this.label, [`plotly: ${message(e)}`]));
      },
    );
  }

  /** The plot element as plotly extends it. */
  private get gd(): PlotlyElement {
    return this.plotEl as PlotlyElement;
  }

  private newPlot(traces: Record<string, unknown>[], layout: JsonObject): Promise<unknown> {
    this.settled = null;
    this.currentTraces = traces;
    const config = this.config();
    this.configKey = JSON.stringify(config);
    const p = this.plotly!.newPlot(this.plotEl, traces, layout, config);
    this.gd.on?.('plotly_click', (ev) => this.onClick(ev.points?.[0]));
    return p;
  }

  /** Draws the plot again: plotly's react, or new values that change the axes' ranges (rescale). */
  private redraw(traces: Record<string, unknown>[], layout: JsonObject, layoutKey: string, draw: number): Promise<unknown> {
    const settled = this.settled;
    this.settled = null;
    const config = this.changedConfig();
    if (!config && layout.transition === undefined && onlyValuesChanged(this.currentTraces, traces)) {
      // Nothing else changed since the last draw, not even the plot (by a zoom or a pan).
      const untouched = settled?.layout === layoutKey && settled.plotted === JSON.stringify(this.gd.layout);
      const rescaled = valueSpans(this.currentTraces) !== valueSpans(traces);
      const axes = untouched && rescaled ? autorangedAxes(layout, traces) : null;
      if (axes) return this.rescale(traces, axes, draw);
      // Plotly moves the bars and points, about twice as fast as drawing the chart again.
      layout.transition = { duration: 0 };
    }
    this.currentTraces = traces;
    return this.plotly!.react(this.plotEl, traces, layout, config);
  }

  /**
   * New values that change the ranges of the value axes, under the same layout. Plotly's react
   * would compare the whole figure, draw both axes during a transition of the ranges, then the
   * value axis and the traces once more after it. Here the values go into plotly's data, an
   * animation without frame data recomputes the traces without drawing them, and autoranging the
   * value axes draws them and the traces once: about two thirds of the work.
   */
  private rescale(traces: Record<string, unknown>[], axes: string[], draw: number): Promise<unknown> {
    const plotly = this.plotly!;
    this.currentTraces.forEach((t, i) => {
      const key = valueKey(t);
      t[key] = traces[i][key];
    });
    const autorange = Object.fromEntries(axes.map((a) => [`${a}.autorange`, true]));
    return plotly
      .animate(this.plotEl, { data: [], traces: [] }, AT_ONCE)
      .then(() => (draw === this.draws && !this.destroyed ? plotly.relayout(this.plotEl, autorange) : undefined));
  }

  /** `on_click`: set inputs from the clicked point (and open another dashboard). */
  private onClick(point: PlotlyPoint | undefined): void {
    const onClick = this.chart.on_click;
    if (onClick && point) applyClick(onClick, (field) => pointField(point, field));
  }

  private onResize(): void {
    const w = this.plotEl.clientWidth;
    const h = this.plotEl.clientHeight;
    if (Math.abs(w - this.size.w) < 1 && Math.abs(h - this.size.h) < 1) return;
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => {
      if (this.destroyed || !this.plotted || !this.plotly) return;
      this.size = { w: this.plotEl.clientWidth, h: this.plotEl.clientHeight };
      this.settled = null;
      this.plotly.react(this.plotEl, this.currentTraces, this.layout(), this.changedConfig());
    }, 60);
  }
}
