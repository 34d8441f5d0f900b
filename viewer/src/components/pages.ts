// Header, project page and error page.

import { clear, h, icon, ICONS } from '../dom';
import { hrefFor } from '../router';
import type { Dashboard, Wrapper } from '../types';

const LOGO_SVG =
  '<svg viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="currentColor"/>' +
  '<path d="M8 8.5h4.2l3.8 11 3.8-11H24l-6 15h-4z" fill="#fff"/></svg>';

export function formatCreatedAt(s: string | undefined): string {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}

export class Header {
  readonly el: HTMLElement;
  private crumbs: HTMLElement;
  private updated: HTMLElement;
  private live: HTMLElement;

  constructor() {
    this.crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });
    this.updated = h('span', { class: 'updated' });
    this.live = h('span', { class: 'live', hidden: true, title: 'Connected to visivo serve: dashboards refresh automatically' }, h('span', { class: 'live-dot' }), 'Live');
    this.el = h('header', { class: 'topbar' }, h('div', { class: 'topbar-inner' }, this.crumbs, h('div', { class: 'topbar-right' }, this.live, this.updated)));
  }

  set(dashboard: string | null, wrapper: Wrapper | null): void {
    clear(this.crumbs);
    const logo = h('a', { class: 'logo', href: 'https://docs.visivo.io', title: 'Visivo documentation', target: '_blank', rel: 'noopener' });
    logo.innerHTML = LOGO_SVG;
    const sep = () => h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/');
    const projectName = wrapper?.project_json.name;
    this.crumbs.append(
      logo,
      sep(),
      h('a', { class: `crumb${dashboard === null ? ' current' : ''}`, href: hrefFor(null), 'data-nav': '' }, 'Project'),
    );
    if (dashboard !== null) this.crumbs.append(sep(), h('span', { class: 'crumb current', 'aria-current': 'page' }, dashboard));
    const when = formatCreatedAt(wrapper?.created_at);
    this.updated.textContent = when ? `Updated ${when}` : '';
    this.updated.title = wrapper?.created_at ?? '';
    this.updated.hidden = !when;
    document.title = dashboard !== null ? `${dashboard} · ${projectName || 'Visivo'}` : projectName ? `${projectName} · Visivo` : 'Visivo';
  }

  setLive(on: boolean): void {
    this.live.hidden = !on;
  }
}

function summary(d: Dashboard): string {
  const counts = { chart: 0, table: 0, selector: 0, markdown: 0 };
  for (const r of d.rows ?? [])
    for (const i of r.items ?? []) {
      if (i.chart) counts.chart++;
      else if (i.table) counts.table++;
      else if (i.selector) counts.selector++;
      else if (typeof i.markdown === 'string') counts.markdown++;
    }
  const parts: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (counts.chart) parts.push(plural(counts.chart, 'chart'));
  if (counts.table) parts.push(plural(counts.table, 'table'));
  if (counts.selector) parts.push(plural(counts.selector, 'selector'));
  if (!parts.length) parts.push(counts.markdown ? 'Text only' : 'Empty');
  return parts.join(' · ');
}

export function projectPage(wrapper: Wrapper): HTMLElement {
  const dashboards = wrapper.project_json.dashboards ?? [];
  const list = h('ul', { class: 'dash-list' });
  const empty = h('p', { class: 'dash-empty', hidden: true });
  const input = h('input', { type: 'search', class: 'dash-search', placeholder: 'Search dashboards', 'aria-label': 'Search dashboards' });
  const render = () => {
    const q = input.value.trim().toLowerCase();
    clear(list);
    const shown = dashboards.filter((d) => d.name.toLowerCase().includes(q));
    for (const d of shown) {
      list.append(
        h(
          'li',
          null,
          h(
            'a',
            { class: 'dash-card', href: hrefFor(d.name), 'data-nav': d.name },
            h('span', { class: 'dash-icon' }, icon(ICONS.layers)),
            h('span', { class: 'dash-text' }, h('span', { class: 'dash-name' }, d.name), h('span', { class: 'dash-meta' }, summary(d))),
            icon(ICONS.arrowRight, 'icon dash-arrow'),
          ),
        ),
      );
    }
    empty.hidden = shown.length > 0;
    empty.textContent = dashboards.length ? `No dashboard matches “${input.value.trim()}”.` : 'This project has no dashboards yet.';
  };
  input.addEventListener('input', render);
  render();
  const name = wrapper.project_json.name;
  return h(
    'main',
    { class: 'page project-page' },
    h(
      'div',
      { class: 'page-head' },
      h('div', null, name ? h('div', { class: 'eyebrow' }, name) : null, h('h1', null, 'Dashboards')),
      h('label', { class: 'search-box large' }, icon(ICONS.search), input),
    ),
    list,
    empty,
  );
}

export function errorPage(status: number, detail: string): HTMLElement {
  const message = status === 404 ? "Sorry, the page you're looking for can't be found." : 'Whoops, an unexpected error has occurred.';
  return h(
    'main',
    { class: 'page error-page', 'data-status': String(status) },
    h(
      'div',
      { class: 'error-box' },
      h('div', { class: 'error-code' }, String(status)),
      h('p', { class: 'error-message' }, message),
      detail ? h('p', { class: 'error-detail' }, detail) : null,
      h('a', { class: 'button primary', href: hrefFor(null), 'data-nav': '' }, 'Home'),
    ),
  );
}

export class Overlay {
  readonly el: HTMLElement;
  private msg: HTMLElement;

  constructor() {
    this.msg = h('pre', { class: 'overlay-message' });
    this.el = h(
      'div',
      { class: 'overlay', role: 'alert', hidden: true },
      h(
        'div',
        { class: 'overlay-head' },
        icon(ICONS.alert, 'icon'),
        h('strong', null, 'The project has an error'),
        h('span', { class: 'overlay-sub' }, 'Showing the last good version until it is fixed.'),
        h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss', onclick: () => this.hide() }, icon(ICONS.x)),
      ),
      this.msg,
    );
  }

  show(message: string): void {
    this.msg.textContent = message;
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
