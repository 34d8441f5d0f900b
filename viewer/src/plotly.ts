// Loads plotly.js (assets/plotly.min.js, shipped unmodified) on first use.

import { assetUrl } from './base';

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface PlotlyStatic {
  newPlot(el: HTMLElement, data: unknown[], layout: unknown, config: unknown): Promise<unknown>;
  /** Without `config` plotly keeps the plot's config (and reads no sizes from the page). */
  react(el: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
  relayout(el: HTMLElement, update: unknown): Promise<unknown>;
  animate(el: HTMLElement, frame: unknown, options: unknown): Promise<unknown>;
  purge(el: HTMLElement): void;
}

/** A point of a `plotly_click` event (the fields `on_click` reads). */
export interface PlotlyPoint {
  x?: unknown;
  y?: unknown;
  label?: unknown;
  value?: unknown;
  text?: unknown;
  customdata?: unknown;
  pointIndex?: number;
  data?: { name?: unknown; text?: unknown };
}

/** A plotted element: plotly adds `on` for its events, and the plot's input `data` and `layout`. */
export interface PlotlyElement extends HTMLElement {
  on?(event: 'plotly_click', handler: (ev: { points?: PlotlyPoint[] }) => void): void;
  data?: Record<string, unknown>[];
  layout?: Record<string, unknown>;
}

declare global {
  interface Window {
    Plotly?: PlotlyStatic;
  }
}

let loading: Promise<PlotlyStatic> | null = null;

export function loadPlotly(): Promise<PlotlyStatic> {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = assetUrl('assets/plotly.min.js').href;
      s.async = true;
      s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('plotly.js did not load')));
      s.onerror = () => {
        loading = null;
        reject(new Error('Could not load assets/plotly.min.js'));
      };
      document.head.append(s);
    });
  }
  return loading;
}
