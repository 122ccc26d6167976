import { ApiError, type Dispute, type DisputesPage, type PairCounts } from '../api.js';
import type { SignedInOperator } from '../auth/operator-session.js';
import { h, link, replace, replaceKeepingFocus, table, type Child } from '../dom.js';
import { dec, num } from '../format.js';
import type { ViewRoute } from '../router.js';
import type { StatusStore } from '../status-store.js';
import { badge, hashLink, loading, notice, operatorLabel, pageHeading, throttle } from '../ui.js';

const DISPUTES_PAGE = 50;
const PAIR = /^([1-9][0-9]{4,5})-([1-9][0-9]{4,5})$/;
const PERIOD = /^([0-9]{4})-(0[1-9]|1[0-2])$/;

/** This calendar month in UTC ("2026-12"). */
export function currentPeriod(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The calendar month before `period` ("2026-01" → "2025-12"). */
export function previousPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The route of a pair's month, lower PLMN id first (as the node names pairs). */
export function reconciliationPath(x: number, y: number, period: string, offset = 0): string {
  const [a, b] = x < y ? [x, y] : [y, x];
  return `/reconciliation/${a}-${b}/${period}${offset > 0 ? `?offset=${offset}` : ''}`;
}

const CLASS_LABEL: Readonly<Record<Dispute['class'], string>> = { mismatched: 'mismatched', only_a: 'only A', only_b: 'only B' };

/**
 * Reconciliation of an operator pair in a month (GET /reconciliation/{pair}/{period}): how many
 * events both sides recorded alike, differently, or alone, the match rate, records per side. The
 * disputed events themselves are the pair's: listed only when one of the two is signed in (the
 * request is then signed, and a node that checks signatures serves it to them alone).
 */
export const reconciliationRoute: ViewRoute = {
  path: /^\/reconciliation(?:\/([^/]+)\/([^/]+))?$/,
  nav: { label: 'Reconciliation', href: '/reconciliation' },
  title: (m) => (m.params[0] ? `Reconciliation ${m.params[0]} ${m.params[1] ?? ''}` : 'Reconciliation'),
  async render(root, match, ctx, signal) {
    const { api, status, session, events } = ctx;
    const s = status.current ?? (await api.status(signal));
    const pairParam = match.params[0];
    const periodParam = match.params[1];
    if (!pairParam || !periodParam) {
      // No pair chosen: the signed-in operator's first pair, else the first two operators, this month.
      const me = session.operator?.plmn;
      const others = s.operators.map((o) => o.plmn).filter((p) => p !== me);
      const a = me ?? others.shift();
      const b = others[0];
      if (a === undefined || b === undefined) {
        replace(root, pageHeading('Reconciliation'), notice('The chain has fewer than two operators: there is no pair to reconcile.'));
        return;
      }
      history.replaceState(null, '', `#${reconciliationPath(a, b, currentPeriod())}`);
      return reconciliationRoute.render(root, { params: [`${Math.min(a, b)}-${Math.max(a, b)}`, currentPeriod()], query: new URLSearchParams() }, ctx, signal);
    }
    const pm = PAIR.exec(pairParam);
    if (!pm || !PERIOD.test(periodParam) || pm[1] === pm[2]) {
      replace(root, pageHeading('Reconciliation'), pairForm(status, undefined, undefined, periodParam), notice(`"${pairParam}" in "${periodParam}" is not an operator pair (two PLMN ids, 20801-23415) and a month (2026-11).`, 'error'));
      return;
    }
    const x = Number(pm[1]);
    const y = Number(pm[2]);
    const a = Math.min(x, y);
    const b = Math.max(x, y);
    const pair = `${a}-${b}`;
    const offsetParam = Number(match.query.get('offset') ?? '0');
    const offset = Number.isSafeInteger(offsetParam) && offsetParam > 0 ? offsetParam : 0;

    const countsBox = h('div', { id: 'reconciliation-counts' }, loading('the counts'));
    const disputesBox = h('section', { class: 'card', 'aria-labelledby': 'disputes-h', id: 'disputes' });
    replace(root,
      pageHeading(h('span', null, status.operatorName(a), ' ↔ ', status.operatorName(b), h('span', { class: 'muted' }, ` · ${periodParam}`)), 'Reconciliation',
        h('p', { class: 'lede' }, 'Every event either side recorded in the month: matched (both alike), mismatched, or recorded by one side only. Counts are public; the disputed events are the pair\'s.')),
      pairForm(status, a, b, periodParam),
      countsBox,
      disputesBox,
    );

    let counts: PairCounts | undefined;
    const drawCounts = () => {
      if (!counts) return;
      const c = counts;
      const pct = (n: number) => (c.events > 0 ? `${dec((100 * n) / c.events, 1)} % of events` : 'no events');
      const tile = (label: string, value: Child, sub: Child, id: string) =>
        h('div', { class: 'tile', id }, h('p', { class: 'tile-label' }, label), h('p', { class: 'tile-value' }, value), h('p', { class: 'tile-sub' }, sub));
      const columns = [{ label: 'Side' }, { label: 'Operator', wrap: true }, { label: 'Records', numeric: true }, { label: 'Duplicates', numeric: true }, { label: 'Recorded alone', numeric: true }];
      replaceKeepingFocus(countsBox,
        h('section', { class: 'tiles', 'aria-label': 'Reconciliation counts' },
          tile('Match rate', c.matchRate === null ? '–' : `${dec(c.matchRate * 100, 2)} %`, `${num(c.events)} events`, 'rate'),
          tile('Matched', num(c.matched), pct(c.matched), 'matched'),
          tile('Mismatched', num(c.mismatched), pct(c.mismatched), 'mismatched'),
          tile('Only A', num(c.onlyA), h('span', null, 'recorded by ', status.operatorName(c.a), ' alone'), 'only-a'),
          tile('Only B', num(c.onlyB), h('span', null, 'recorded by ', status.operatorName(c.b), ' alone'), 'only-b'),
        ),
        // The pair's signed verdict (counts only, like everything here): the mismatched events it accepted within its tolerances.
        c.verdict
          ? h('section', { class: 'card', 'aria-labelledby': 'verdict-h', id: 'verdict' },
            h('div', { class: 'card-head' }, h('h2', { id: 'verdict-h' }, 'Verdict'),
              h('span', { class: 'muted small' }, 'signed by both operators · revision ', num(c.verdict.revision), ' · ', link(`/tx/${c.verdict.hash}`, c.verdict.status))),
            h('p', null, `${num(c.verdict.counts.accepted)} mismatched events accepted within the agreed tolerances, ${num(c.verdict.counts.disputed)} disputed; `,
              `${num(c.verdict.counts.onlyA + c.verdict.counts.onlyB)} recorded by one side only.`))
          : null,
        h('section', { class: 'card', 'aria-labelledby': 'sides-h' },
          h('div', { class: 'card-head' }, h('h2', { id: 'sides-h' }, 'Records per side'),
            h('span', { class: 'muted small' }, c.indexedHeight < 0 ? 'no block classified yet' : h('span', null, 'every block through ', link(`/block/${c.indexedHeight}`, `#${num(c.indexedHeight)}`), ' classified'))),
          table('Records per side', columns, [
            ['A', operatorLabel(status, c.a), num(c.records.a), num(c.duplicates.a), num(c.onlyA)],
            ['B', operatorLabel(status, c.b), num(c.records.b), num(c.duplicates.b), num(c.onlyB)],
          ], { captionHidden: true, id: 'sides-table' }),
        ),
      );
    };

    const locator = (l: Dispute['a'], side: string): Child =>
      l === null
        ? h('span', { class: 'muted' }, 'no record')
        : h('span', { class: 'tx-cell' }, hashLink(`/batch/${l.batchId}`, l.batchId, `${side}'s batch`), h('span', { class: 'muted small' }, `record ${num(l.recordIndex)} · block `), link(`/block/${l.height}`, `#${num(l.height)}`));

    let disputesRun: AbortController | undefined;
    const drawDisputes = async (op: SignedInOperator | undefined) => {
      disputesRun?.abort();
      const run = new AbortController();
      disputesRun = run;
      signal.addEventListener('abort', () => run.abort(), { once: true });
      const heading = h('h2', { id: 'disputes-h' }, 'Disputed events');
      if (!op) {
        replaceKeepingFocus(disputesBox, heading, notice(h('span', null, 'The disputed events are the pair\'s: ', link(`/sign-in?next=${encodeURIComponent(reconciliationPath(a, b, periodParam))}`, `sign in as ${status.operatorName(a)} or ${status.operatorName(b)}`), ' to see which events differ and where each side\'s record is.')));
        return;
      }
      if (op.plmn !== a && op.plmn !== b) {
        replaceKeepingFocus(disputesBox, heading, notice(`Signed in as ${op.name}: the disputed events are shown to ${status.operatorName(a)} and ${status.operatorName(b)} only.`));
        return;
      }
      let page: DisputesPage;
      try {
        page = await api.pairDisputes(pair, periodParam, offset, DISPUTES_PAGE, run.signal);
      } catch (err) {
        if (run.signal.aborted) return;
        replaceKeepingFocus(disputesBox, heading, notice(`Could not load the disputes: ${err instanceof ApiError ? err.message : String(err)}`, 'error'));
        return;
      }
      if (run.signal.aborted) return;
      const here = (o: number) => `#${reconciliationPath(a, b, periodParam, o)}`;
      const pager = h('nav', { class: 'pager', 'aria-label': 'Dispute pages' },
        offset > 0 ? h('a', { href: here(Math.max(0, offset - DISPUTES_PAGE)) }, '← Previous') : h('span', { class: 'disabled', 'aria-disabled': 'true' }, '← Previous'),
        h('span', { class: 'muted' }, page.total === 0 ? 'none' : `${num(offset + 1)}–${num(offset + page.disputes.length)} of ${num(page.total)}`),
        offset + page.disputes.length < page.total ? h('a', { href: here(offset + DISPUTES_PAGE) }, 'Next →') : h('span', { class: 'disabled', 'aria-disabled': 'true' }, 'Next →'),
      );
      const columns = [{ label: 'Class' }, { label: 'Event' }, { label: `A: ${status.operatorName(a)}'s record` }, { label: `B: ${status.operatorName(b)}'s record` }];
      replaceKeepingFocus(disputesBox,
        h('div', { class: 'card-head' }, heading, pager),
        h('p', { class: 'muted small' }, `Shown to ${op.name} (signed in): mismatched first, then recorded by one side only. `, h('code', null, 'cdrchain reconcile --explain'), ' tells which fields differ, from your own CDR files.'),
        page.disputes.length === 0
          ? notice('No disputed event: both sides recorded every event alike.')
          : table('Disputed events', columns, page.disputes.map((d) => [
            badge(CLASS_LABEL[d.class], d.class === 'mismatched' ? 'bad' : 'wait'),
            h('code', { class: 'mono', title: d.eventHash }, `${d.eventHash.slice(0, 16)}…`),
            locator(d.a, 'A'),
            locator(d.b, 'B'),
          ]), { captionHidden: true, id: 'disputes-table' }),
      );
    };

    const refresh = async () => {
      counts = await api.pairCounts(pair, periodParam, signal);
      drawCounts();
    };
    try {
      await refresh();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'not_available') {
        replace(countsBox, notice('This node runs without the reconciliation index.', 'info'));
        return;
      }
      throw err;
    }
    await drawDisputes(session.operator);
    session.onChange((op) => void drawDisputes(op), signal);
    // New blocks may classify more events: the counts (and an open disputes page) follow.
    events.on('block_committed', throttle(() => {
      void refresh().catch(() => undefined);
      if (session.operator) void drawDisputes(session.operator);
    }, 2000, signal), signal);
  },
};

/** Choose a pair and a month. */
function pairForm(status: StatusStore, a: number | undefined, b: number | undefined, period: string | undefined): HTMLElement {
  const ops = status.current?.operators ?? [];
  const select = (id: string, label: string, chosen: number | undefined) =>
    h('div', { class: 'field' }, h('label', { for: id }, label),
      h('select', { id, name: id }, ops.map((o) => h('option', { value: String(o.plmn), selected: o.plmn === chosen }, `${o.name} (${o.plmn})`))));
  const form = h('form', { class: 'card pair-form', 'aria-label': 'Choose a pair and a month' },
    select('pair-a', 'Operator A', a),
    select('pair-b', 'Operator B', b),
    h('div', { class: 'field' }, h('label', { for: 'pair-period' }, 'Month (UTC)'), h('input', { id: 'pair-period', name: 'period', type: 'month', value: period && PERIOD.test(period) ? period : currentPeriod(), required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Show'),
    h('p', { class: 'form-error', role: 'alert', id: 'pair-error' }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const get = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement | HTMLSelectElement).value;
    const x = Number(get('pair-a'));
    const y = Number(get('pair-b'));
    const p = get('pair-period');
    const error = form.querySelector('#pair-error')!;
    if (x === y) error.textContent = 'Choose two different operators.';
    else if (!PERIOD.test(p)) error.textContent = 'Choose a month.';
    else location.hash = reconciliationPath(x, y, p);
  });
  return form;
}

