import { NodeClient, type Status } from './api.js';
import { OperatorSession, type SignedInOperator } from './auth/operator-session.js';
import type { AppContext } from './context.js';
import { h, replace } from './dom.js';
import { EventStream, eventsUrl, type ConnectionState } from './event-stream.js';
import { num, shortHash } from './format.js';
import { LiveMetrics } from './live-metrics.js';
import { Router } from './router.js';
import { StatusStore } from './status-store.js';
import { ROUTES, notFoundRoute } from './views/index.js';

/** Wires the page: API client, event stream, status, live series, header, search and the router. */
function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

async function boot(): Promise<void> {
  // Every API call goes through the session: signed while an operator is signed in, plain otherwise.
  const session = new OperatorSession();
  const api = new NodeClient('', session.fetch);
  // Browsers cannot sign a WebSocket upgrade: the stream is anonymous (block frames, and on an open node all frames).
  const events = new EventStream(eventsUrl(location));
  const status = new StatusStore(api, events);
  const live = new LiveMetrics(api, events);
  const ctx: AppContext = { api, events, status, live, session, go: (path) => router.go(path) };
  const main = byId<HTMLElement>('main');
  const router = new Router(ROUTES, main, byId('main-nav'), ctx, notFoundRoute);

  // Header: who is signed in, and the way in or out.
  const sessionBox = byId<HTMLElement>('session');
  const forgetOnSignOut = new AbortController().signal;
  const renderSession = (op: SignedInOperator | undefined) => {
    const hadFocus = sessionBox.contains(document.activeElement);
    if (!op) {
      replace(sessionBox, h('a', { class: 'session-link', href: '#/sign-in', id: 'sign-in-link' }, 'Operator sign-in'));
    } else {
      const out = h('button', { type: 'button', class: 'session-out', id: 'sign-out' }, 'Sign out');
      out.addEventListener('click', () => {
        session.signOut();
        // Pages of the operator's own data have nothing to show once it is gone.
        if (location.hash === '#/me') router.go('/');
      });
      replace(sessionBox,
        h('a', { class: 'session-who', href: '#/me', id: 'signed-in-as', 'aria-label': `Signed in as ${op.name} ${op.plmn}: your operator page` }, h('span', { class: 'session-dot', 'aria-hidden': 'true' }), op.name),
        out,
      );
    }
    if (hadFocus) sessionBox.querySelector<HTMLElement>('a, button')?.focus();
  };
  renderSession(undefined);
  session.onChange(renderSession, forgetOnSignOut);

  // Header: chain id, head and the event stream's state.
  const chainInfo = byId<HTMLElement>('chain-info');
  const headText = h('a', { class: 'head', href: '#/', id: 'chain-head' });
  const conn = h('span', { class: 'conn connecting', id: 'conn', role: 'status' }, 'connecting');
  const renderHeader = (s: Status) => {
    replace(chainInfo,
      h('span', { class: 'pill', id: 'chain-id', title: `genesis ${s.genesisHash}` }, s.chainId),
      headText,
      conn,
    );
    headText.setAttribute('href', `#/block/${s.height}`);
    replace(headText, h('span', { class: 'head-label' }, 'head '), h('strong', null, `#${num(s.height)}`), ' ', h('span', { class: 'mono head-hash' }, shortHash(s.headHash)));
    headText.setAttribute('aria-label', `Chain head: block ${s.height}`);
  };
  const forever = new AbortController().signal;
  status.onChange(renderHeader, forever);
  const showConn = (s: ConnectionState) => {
    conn.className = `conn ${s}`;
    conn.textContent = s === 'live' ? 'live' : s === 'connecting' ? 'connecting' : 'reconnecting';
    conn.title = s === 'live' ? 'Receiving WS /events' : 'The event stream is down; retrying';
  };
  events.on('state', showConn, forever);

  // Search: any page can search; the search view resolves the query.
  const form = byId<HTMLFormElement>('search-form');
  const input = byId<HTMLInputElement>('search-input');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (q !== '') router.go(`/search?q=${encodeURIComponent(q)}`);
  });
  // The box empties once a search has taken the visitor somewhere.
  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/search')) input.value = '';
  });
  // The skip link targets <main> without touching the route.
  byId('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });

  events.start();
  const statusLoaded = status.start().catch((err: unknown) => {
    replace(chainInfo, h('span', { class: 'pill bad', role: 'alert' }, `node unreachable: ${err instanceof Error ? err.message : String(err)}`));
  });
  // The overview makes its own calls and fills its tiles when the status arrives: start it at once, so
  // /status and /blocks travel together on the first load. Other views read the status as they render.
  if (location.hash === '' || location.hash === '#/' || location.hash === '#') router.start();
  else {
    await statusLoaded;
    router.start();
  }
}

void boot();
