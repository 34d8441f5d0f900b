// Markdown item, rendered with marked and sanitised with DOMPurify.

import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { h } from '../dom';
import type { Item } from '../types';
import type { ItemView } from './item';

const marked = new Marked({ gfm: true, breaks: false, async: false });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && /^https?:/i.test(node.getAttribute('href') ?? '')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

export function renderMarkdown(src: string): string {
  const html = marked.parse(src ?? '') as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button'] });
}

export class MarkdownView implements ItemView {
  readonly el: HTMLElement;
  private content: HTMLElement;

  constructor(item: Item) {
    this.content = h('div', { class: 'prose' });
    this.el = h('div', { class: 'item-markdown' }, this.content);
    this.update(item);
  }

  traceNames(): string[] {
    return [];
  }

  update(item: Item): void {
    this.content.innerHTML = renderMarkdown(item.markdown ?? '');
    setData(this.el, 'align', item.align);
    setData(this.el, 'justify', item.justify);
  }

  onParams(): void {}

  destroy(): void {}
}

/** Layout attributes the stylesheet reads; unknown values are ignored there. */
function setData(el: HTMLElement, key: string, value: string | undefined): void {
  if (value) el.dataset[key] = value;
  else delete el.dataset[key];
}
