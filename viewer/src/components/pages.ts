// Header, project page and error page.

import { clear, h, icon, ICONS } from '../dom';
import { hrefFor } from '../router';
import type { Dashboard, Level, Wrapper } from '../types';

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
  const counts = { chart: 0, table: 0, selector: 0, input: 0, markdown: 0 };
  for (const r of d.rows ?? [])
    for (const i of r.items ?? []) {
      if (i.chart) counts.chart++;
      else if (i.table) counts.table++;
      else if (i.selector) counts.selector++;
      else if (typeof i.input === 'string') counts.input++;
      else if (typeof i.markdown === 'string') counts.markdown++;
    }
  const parts: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (counts.chart) parts.push(plural(counts.chart, 'chart'));
  if (counts.table) parts.push(plural(counts.table, 'table'));
  if (counts.selector) parts.push(plural(counts.selector, 'selector'));
  if (counts.input) parts.push(plural(counts.input, 'input'));
  if (!parts.length) parts.push(counts.markdown ? 'Text only' : 'Empty');
  return parts.join(' · ');
}

/** Only these open from the project page; anything else (`javascript:`…) is not a link. */
function isWebAddress(href: string): boolean {
  return /^https?:\/\/[^\s]/i.test(href);
}

function dashCard(d: Dashboard): HTMLElement {
  const external = d.href !== undefined;
  const text = h(
    'span',
    { class: 'dash-text' },
    h('span', { class: 'dash-name' }, d.name),
    d.description ? h('span', { class: 'dash-description' }, d.description) : null,
    h('span', { class: 'dash-meta' }, external ? 'External dashboard' : summary(d)),
    d.tags?.length ? h('span', { class: 'dash-tags' }, ...d.tags.map((t) => h('span', { class: 'dash-tag' }, t))) : null,
  );
  const attrs = external
    ? isWebAddress(d.href ?? '')
      ? { class: 'dash-card external', href: d.href, target: '_blank', rel: 'noopener noreferrer' }
      : { class: 'dash-card external', 'aria-disabled': 'true' }
    : { class: 'dash-card', href: hrefFor(d.name), 'data-nav': d.name };
  return h('a', attrs, h('span', { class: 'dash-icon' }, icon(ICONS.layers)), text, icon(external ? ICONS.external : ICONS.arrowRight, 'icon dash-arrow'));
}

interface Group {
  level: Level | null;
  dashboards: Dashboard[];
}

/** Dashboards by level, in the levels' order; those without a level last. */
function groupByLevel(dashboards: Dashboard[]): Group[] {
  const groups = new Map<number, Group>();
  const rest: Dashboard[] = [];
  for (const d of dashboards) {
    const index = d.level?.index;
    if (d.level && typeof index === 'number') {
      const group = groups.get(index) ?? { level: d.level, dashboards: [] };
      group.dashboards.push(d);
      groups.set(index, group);
    } else rest.push(d);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => a - b).map(([, g]) => g);
  return rest.length ? [...ordered, { level: null, dashboards: rest }] : ordered;
}

function matches(d: Dashboard, q: string): boolean {
  return [d.name, d.description ?? '', ...(d.tags ?? [])].some((t) => t.toLowerCase().includes(q));
}

export function projectPage(wrapper: Wrapper): HTMLElement {
  const dashboards = wrapper.project_json.dashboards ?? [];
  const leveled = dashboards.some((d) => d.level);
  const groups = h('div', { class: 'dash-groups' });
  const empty = h('p', { class: 'dash-empty', hidden: true });
  const input = h('input', { type: 'search', class: 'dash-search', placeholder: 'Search dashboards', 'aria-label': 'Search dashboards' });
  const render = () => {
    const q = input.value.trim().toLowerCase();
    clear(groups);
    const shown = dashboards.filter((d) => matches(d, q));
    for (const group of groupByLevel(shown)) {
      const title = group.level ? group.level.title || `Level ${group.level.index}` : 'Other dashboards';
      groups.append(
        h(
          'section',
          { class: 'dash-group', 'data-level': group.level ? String(group.level.index) : null },
          leveled ? h('h2', { class: 'dash-level' }, title) : null,
          leveled && group.level?.description ? h('p', { class: 'dash-level-description' }, group.level.description) : null,
          h('ul', { class: 'dash-list' }, ...group.dashboards.map((d) => h('li', null, dashCard(d)))),
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
    groups,
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
