import type { StatusStore } from './status-store.js';
import { h, link, type Child } from './dom.js';
import { ago, isoTime, shortHash } from './format.js';

/** Pieces the views share: hashes, operators, times, badges, notices. */

/** A shortened hash linking to its page; the full hash is in the accessible name and the tooltip. */
export function hashLink(route: string, hash: string, what: string): HTMLAnchorElement {
  const a = link(route, h('span', { class: 'mono' }, shortHash(hash)));
  a.title = hash;
  a.setAttribute('aria-label', `${what} ${hash}`);
  return a;
}

/** A full hash, wrapped to fit, with a copy button. */
export function fullHash(hash: string): HTMLElement {
  const button = h('button', { type: 'button', class: 'copy', 'aria-label': 'Copy to clipboard' }, 'Copy');
  button.addEventListener('click', () => {
    void navigator.clipboard?.writeText(hash).then(
      () => (button.textContent = 'Copied'),
      () => (button.textContent = 'Select and copy'),
    );
  });
  return h('span', { class: 'hash-full' }, h('code', { class: 'mono' }, hash), button);
}

/** "Orange France 20801"; `compact` leaves the PLMN id to the tooltip (narrow tables). */
export function operatorLabel(status: StatusStore, plmn: number, compact = false): HTMLElement {
  if (compact) return h('span', { class: 'operator', title: `PLMN ${plmn}` }, status.operatorName(plmn));
  return h('span', { class: 'operator' }, status.operatorName(plmn), ' ', h('span', { class: 'plmn' }, String(plmn)));
}

/** A <time> showing "12 s ago", the UTC instant in its tooltip; `data-ms` lets a ticker refresh it. */
export function timeAgo(ms: number): HTMLTimeElement {
  const t = h('time', { datetime: new Date(ms).toISOString(), title: isoTime(ms), 'data-ms': ms }, ago(ms));
  return t;
}

/** Refreshes every timeAgo under `root` every 5 s until `signal` aborts. */
export function tickTimes(root: HTMLElement, signal: AbortSignal): void {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const t of root.querySelectorAll<HTMLTimeElement>('time[data-ms]')) t.textContent = ago(Number(t.dataset['ms']), now);
  }, 5000);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

export type BadgeTone = 'ok' | 'wait' | 'bad' | 'info' | 'muted';

export function badge(text: string, tone: BadgeTone): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

export function txStatusBadge(status: 'pending' | 'committed' | 'evicted', pruned?: boolean): HTMLElement {
  if (status === 'evicted') return badge('evicted', 'bad');
  if (pruned) return badge('committed · records pruned', 'muted');
  return status === 'committed' ? badge('committed', 'ok') : badge('pending', 'wait');
}

/** Why a transaction left the pending set without a block (GET /txns, GET /batch `eviction`). */
export interface EvictionInfo {
  readonly reason: 'period_closed' | 'settlement_refused' | 'verdict_overtaken' | 'already_proven' | 'superseded';
  readonly detail: string;
  readonly height: number;
}

const EVICTION_TEXT: Readonly<Record<EvictionInfo['reason'], string>> = {
  period_closed: 'its settlement period closed before a block took it',
  settlement_refused: 'the settlement rules refuse it against the committed state',
  verdict_overtaken: 'another revision of the verdict was committed first',
  already_proven: 'another proof of the batch was committed first',
  superseded: 'a committed transaction of its submitter has a higher sequence',
};

/** "Evicted: why", with the block that caused it; nothing for a transaction that was not evicted. */
export function evictionNotice(e: EvictionInfo | undefined): HTMLElement | null {
  if (!e) return null;
  return h('p', { class: 'notice error', role: 'status' },
    h('strong', null, 'Evicted'), `: ${EVICTION_TEXT[e.reason]} (block `, link(`/block/${e.height}`, `#${e.height}`), `). No block will include it. `,
    h('span', { class: 'small' }, e.detail));
}

/** Where a transaction stands: its block and index, pending, or evicted. */
export function blockCell(tx: { readonly status: 'pending' | 'committed' | 'evicted'; readonly height?: number | undefined; readonly index?: number | undefined }): Child {
  if (tx.height !== undefined) return h('span', null, link(`/block/${tx.height}`, `#${tx.height.toLocaleString('en-US')}`), ` at index ${(tx.index ?? 0).toLocaleString('en-US')}`);
  return tx.status === 'evicted' ? 'evicted: in no block' : 'pending';
}

export function notice(text: Child, tone: 'info' | 'error' = 'info'): HTMLElement {
  return h('p', { class: `notice ${tone}`, role: tone === 'error' ? 'alert' : 'status' }, text);
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

/** A page heading with an optional kicker above it ("Block", "Batch"). */
export function pageHeading(title: Child, kicker?: string, extra?: Child): HTMLElement {
  return h('div', { class: 'page-head' }, kicker ? h('p', { class: 'kicker' }, kicker) : null, h('h1', null, title), extra ?? null);
}

/** Calls `fn` at most once per `ms`, trailing. */
export function throttle(fn: () => void, ms: number, signal: AbortSignal): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!signal.aborted) fn();
    }, ms);
  };
}
