// Common interface of dashboard items.

import type { Item } from '../types';

export interface ItemContext {
  /** Row height in px, or null for compact rows. */
  rowHeight: number | null;
}

export interface ItemView {
  readonly el: HTMLElement;
  /** Names of the traces whose data this item shows. */
  traceNames(): string[];
  /** New configuration and/or refreshed data: rerender in place. */
  update(item: Item): void;
  /** The URL query string changed. */
  onParams(): void;
  destroy(): void;
}
