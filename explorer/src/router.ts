import type { AppContext } from './context.js';
import { h, replace } from './dom.js';

/** A hash route (`#/block/12`): the path after `#`, split from its `?query`. */
export interface RouteMatch {
  readonly params: readonly string[];
  readonly query: URLSearchParams;
}

/**
 * One view of the explorer. Each lives in its own module under views/ and is listed once in
 * views/index.ts; consensus, reconciliation and settlement add theirs the same way.
 */
export interface ViewRoute {
  /** Matched against the whole hash path; capture groups become `params`. */
  readonly path: RegExp;
  /** Shown in the main navigation when set. */
  readonly nav?: { readonly label: string; readonly href: string };
  title(match: RouteMatch): string;
  /**
   * Renders into `root` (empty, inside <main>). Work started here stops when `signal` aborts: the
   * router aborts it when the visitor navigates away. Views put their <h1> first.
   */
  render(root: HTMLElement, match: RouteMatch, ctx: AppContext, signal: AbortSignal): void | Promise<void>;
}

export class Router {
  private current: AbortController | undefined;
  private first = true;

  constructor(
    private readonly routes: readonly ViewRoute[],
    private readonly root: HTMLElement,
    private readonly nav: HTMLElement,
    private readonly ctx: AppContext,
    private readonly notFound: ViewRoute,
  ) {}

  start(): void {
    replace(this.nav, h('ul', null, this.routes.filter((r) => r.nav).map((r) => h('li', null, h('a', { href: `#${r.nav!.href}` }, r.nav!.label)))));
    window.addEventListener('hashchange', () => void this.show());
    void this.show();
  }

  /** Navigates to a route (a history entry unless `replace`). */
  go(path: string, opts: { replace?: boolean } = {}): void {
    if (opts.replace) {
      history.replaceState(null, '', `#${path}`);
      void this.show();
    } else location.hash = path;
  }

  private async show(): Promise<void> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const first = this.first;
    this.first = false;
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path = '/', search = ''] = raw.split('?', 2);
    let route = this.notFound;
    let params: string[] = [];
    for (const r of this.routes) {
      const m = r.path.exec(path);
      if (m) {
        route = r;
        params = m.slice(1).map((p) => safeDecode(p ?? ''));
        break;
      }
    }
    const match: RouteMatch = { params, query: new URLSearchParams(search) };
    for (const a of this.nav.querySelectorAll('a')) {
      const current = route.nav !== undefined && a.getAttribute('href') === `#${route.nav.href}`;
      if (current) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${route.title(match)} · cdrchain explorer`;
    const view = h('div', { class: 'view' });
    replace(this.root, view);
    try {
      const rendering = route.render(view, match, this.ctx, controller.signal);
      this.focusHeading(first);
      await rendering;
      // A view that redrew its heading took the focus with it: give it back.
      if (!controller.signal.aborted && (document.activeElement === document.body || document.activeElement === null)) this.focusHeading(first);
    } catch (err) {
      if (controller.signal.aborted) return;
      replace(view, h('h1', null, 'Something went wrong'), h('p', { class: 'notice error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
      this.focusHeading(first);
    }
  }

  /** Moves focus to the page's heading, so keyboard and screen-reader users start at the new content (not on first load). */
  private focusHeading(first: boolean): void {
    const heading = this.root.querySelector('h1');
    if (!heading || first) return;
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
