// Live reload from `visivo serve`: server-sent events at api/events.
//
// Each event is an unnamed SSE message whose data is JSON:
//   {"type":"reload","traces":["name",...]}   (traces optional: all)
//   {"type":"error","message":"file:line: ..."}
//   {"type":"ok"}

import { assetUrl } from './base';

export interface LiveHandlers {
  reload(traces: string[] | undefined): void;
  error(message: string): void;
  ok(): void;
  connected(on: boolean): void;
}

export function connectLive(handlers: LiveHandlers): void {
  if (location.protocol === 'file:' || typeof EventSource === 'undefined') return;
  const url = assetUrl('api/events').href;
  let everOpened = false;
  let lostConnection = false;

  const open = () => {
    const es = new EventSource(url);
    es.onopen = () => {
      everOpened = true;
      handlers.connected(true);
      if (lostConnection) {
        // The server came back (perhaps restarted): refresh everything.
        lostConnection = false;
        handlers.reload(undefined);
      }
    };
    es.onerror = () => {
      if (!everOpened) {
        // No live endpoint (static hosting): stay quiet.
        es.close();
        return;
      }
      handlers.connected(false);
      lostConnection = true;
      if (es.readyState === EventSource.CLOSED) window.setTimeout(open, 3000);
    };
    es.onmessage = (ev: MessageEvent<string>) => {
      let msg: { type?: string; traces?: unknown; message?: unknown };
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === 'reload') {
        const traces = Array.isArray(msg.traces) ? msg.traces.filter((t): t is string => typeof t === 'string') : undefined;
        handlers.reload(traces);
      } else if (msg.type === 'error') {
        handlers.error(typeof msg.message === 'string' ? msg.message : 'Unknown error');
      } else if (msg.type === 'ok') {
        handlers.ok();
      }
    };
  };
  open();
}
