import { ApiError, type SettlementPeriod } from '../api.js';
import type { AppContext } from '../context.js';
import { fields, h, link, replace, replaceKeepingFocus, table, type Child } from '../dom.js';
import { dec, isoTime, num } from '../format.js';
import type { ViewRoute } from '../router.js';
import { amountText } from '../settlement-amounts.js';
import { gridFromRefusal, looksLikePeriodId, periodBefore, periodIdAt, rateDecimal, type PeriodGrid } from '../settlement-periods.js';
import { badge, loading, notice, pageHeading, throttle } from '../ui.js';
import { disclosureState, proposalSection, type DisclosureState } from './settlement-proposal.js';

/** Periods in the picker and in the recent-periods table: the current one and those before it. */
const PICKER_PERIODS = 12;
const RECENT_PERIODS = 6;

/** The grid learnt from the node, kept for the page's life (the rule is in the genesis: it does not change). */
let learnt: PeriodGrid | undefined;

/**
 * The current period's id under the consortium's rule. Calendar months unless the node refuses a
 * month id; then its refusals name the N-day rule (docs/settlement.md, "Periods"). Undefined when
 * they do not (the visitor then types an id).
 */
async function currentPeriodId(ctx: AppContext, signal: AbortSignal): Promise<string | undefined> {
  const now = Date.now();
  if (learnt) return periodIdAt(learnt, now);
  const month = periodIdAt({ kind: 'month' }, now);
  const refusal = async (id: string): Promise<string | undefined> => {
    try {
      await ctx.api.settlementPeriod(id, signal);
      return undefined;
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) return err.message;
      throw err;
    }
  };
  const first = await refusal(month);
  if (first === undefined) {
    learnt = { kind: 'month' };
    return month;
  }
  const days = gridFromRefusal(first);
  if (!days) return undefined;
  // An N-day id off the grid is refused with the grid's anchor in the message.
  const probe = `${new Date(now).toISOString().slice(0, 10)}+${days.days}d`;
  const second = await refusal(probe);
  if (second === undefined) {
    learnt = { kind: 'days', days: days.days, anchorMs: Date.parse(probe.slice(0, 10)) };
    return probe;
  }
  const anchored = gridFromRefusal(second);
  if (anchored?.anchorMs === undefined) return undefined;
  learnt = { kind: 'days', days: anchored.days, anchorMs: anchored.anchorMs };
  return periodIdAt(learnt, now);
}

/** The settlement's approval (GET /settlement/{period} `settlement`), amounts in the settlement currency; the proposal card has the rest. */
function approvalText(p: SettlementPeriod): string {
  const s = p.settlement;
  if (s === undefined || s.status === 'none') return 'not proposed';
  if (s.status === 'proposed') return `proposed (attempt ${s.attempt}): ${s.operators.signed} of ${s.operators.involved} operators and voting power ${s.votingPower.signed} of ${s.votingPower.total} signed, until height ${s.deadline}`;
  if (s.status === 'final') return `final at height ${s.finalAt} (attempt ${s.attempt}); clearing fee ${amountText(s.fees.fee, p.currency)}: producers ${amountText(s.fees.toProducers, p.currency)}, validators ${amountText(s.fees.toValidators, p.currency)}`;
  return `expired at height ${s.expiredAt} (attempt ${s.attempt}): it may be proposed again`;
}

/** Open → ended (statements taken) → closed (its records refused) → netted. */
function stage(p: SettlementPeriod): HTMLElement {
  if (p.netted) return badge('netted', 'ok');
  if (p.closed) return badge('closed', 'info');
  if (p.ended) return badge('ended · in grace', 'wait');
  return badge('open', 'muted');
}

function yesNo(value: boolean, yes: string, no: string): HTMLElement {
  return badge(value ? yes : no, value ? 'ok' : 'muted');
}

/** "2026-11-01 00:00 UTC" from the node's ISO time. */
function utc(iso: string): HTMLTimeElement {
  const ms = Date.parse(iso);
  return h('time', { datetime: iso }, isoTime(ms).replace('T', ' ').replace(/:00Z$/, ' UTC'));
}

/**
 * Settlement periods (GET /settlement/{period}, docs/settlement.md): the period's dates, whether the
 * committed head has ended it (statements taken) and closed it (its records refused), how many of
 * the consortium's pairs hold a bilateral statement (a count: which pairs, and any amount, are
 * never public), its FX rate set with the rates as exact decimals, and whether it is netted.
 * Redrawn when blocks commit.
 */
export const settlementRoute: ViewRoute = {
  path: /^\/settlement(?:\/([^/]+))?$/,
  nav: { label: 'Settlement', href: '/settlement' },
  title: (m) => (m.params[0] ? `Settlement ${m.params[0]}` : 'Settlement'),
  async render(root, match, ctx, signal) {
    const { api, events, session, status } = ctx;
    replace(root, pageHeading('Settlement'), loading('the settlement periods'));
    const current = await currentPeriodId(ctx, signal);
    // The router gives '' for the absent optional group.
    const asked = match.params[0] || undefined;
    const chosen = asked ?? current;
    if (chosen === undefined) {
      replace(root, pageHeading('Settlement'), periodForm(undefined, undefined),
        notice('The node did not say how its consortium cuts time into periods: type a period id (e.g. 2026-11, or 2026-11-30+7d).'));
      return;
    }
    if (!looksLikePeriodId(chosen)) {
      replace(root, pageHeading('Settlement'), periodForm(current, undefined),
        notice(`"${chosen}" is not a period id: a month (2026-11) or an N-day period (2026-11-30+7d).`, 'error'));
      return;
    }
    if (asked === undefined) history.replaceState(null, '', `#/settlement/${chosen}`);

    const detail = h('div', { id: 'settlement-detail' }, loading(`period ${chosen}`));
    const recentBox = h('section', { class: 'card', 'aria-labelledby': 'recent-periods-h', id: 'recent-periods' });
    replace(root,
      pageHeading(h('span', null, 'Period ', h('span', { class: 'mono' }, chosen), chosen === current ? h('span', { class: 'muted' }, ' · current') : null), 'Settlement',
        h('p', { class: 'lede' }, 'At a period\'s end each pair of operators records one bilateral statement (a commitment in committed mode, both amounts in plain mode); the rate publishers record the period\'s FX rates; once the period has closed, the ledger nets the statements and the operators approve the settlement. Public: counts and rates, and the transfers in plain mode.')),
      periodForm(current, chosen),
      detail,
      current !== undefined ? recentBox : null,
    );

    const drawDetail = (p: SettlementPeriod, disclosure: DisclosureState | undefined) => {
      const share = p.pairs > 0 ? `${dec((100 * p.statements) / p.pairs, 1)} % of pairs` : 'no pair';
      const tile = (label: string, value: Child, sub: Child, id: string) =>
        h('div', { class: 'tile', id }, h('p', { class: 'tile-label' }, label), h('p', { class: 'tile-value' }, value), h('p', { class: 'tile-sub' }, sub));
      // api.ts checked every rate is a "num/den" string.
      const rates = p.fx ? Object.entries(p.fx.rates as Readonly<Record<string, string>>) : [];
      replaceKeepingFocus(detail,
        h('section', { class: 'tiles tiles-settlement', 'aria-label': 'Settlement period summary' },
          tile('Stage', stage(p), p.closed ? 'records refused' : p.ended ? 'statements taken' : 'records taken', 'settlement-stage'),
          tile('Statements', h('span', null, num(p.statements), h('span', { class: 'tile-of' }, ` of ${num(p.pairs)}`)), share, 'settlement-statements'),
          tile('Rate set', yesNo(p.rateSet, 'recorded', 'none yet'), p.fx ? `${rates.length} rates in ${p.fx.base}` : 'no rates', 'settlement-rate-set'),
          tile('Netted', yesNo(p.netted, 'netted', 'not yet'), `${num(p.operators)} operators`, 'settlement-netted'),
        ),
        h('div', { class: 'two-col' },
          h('section', { class: 'card', 'aria-labelledby': 'period-dates-h' },
            h('h2', { id: 'period-dates-h' }, 'Dates'),
            fields([
              ['Starts', utc(p.start)],
              ['Ends', h('span', null, utc(p.end), ' ', p.ended ? badge('ended', 'ok') : badge('not ended', 'muted'))],
              ['Closes', h('span', null, utc(p.closesAt), ' ', p.closed ? badge('closed', 'ok') : badge('not closed', 'muted'))],
              ['Statements', p.ended ? 'taken from the period\'s end until it is netted' : 'taken once the period has ended'],
              ['Records', p.closed ? 'refused: the grace for late records is over' : 'taken until it closes (end + grace)'],
              ['Settlement', approvalText(p)],
            ]),
          ),
          h('section', { class: 'card', 'aria-labelledby': 'statements-h', id: 'statements' },
            h('h2', { id: 'statements-h' }, 'Bilateral statements'),
            h('p', null, h('strong', null, `${num(p.statements)} of the consortium's ${num(p.pairs)} pairs`), ` hold a statement for ${p.period} (${share}).`),
            p.mode === 'plain'
              ? h('p', { class: 'muted small' }, 'Plain mode: a statement\'s two amounts are public on its transaction page; this page shows counts, and the settlement\'s transfers below.')
              : h('p', { class: 'muted small' }, 'Which pairs, and what a statement commits to, are the pair\'s: this page shows counts only. A statement itself is readable on its transaction page by its two operators.'),
          ),
        ),
        proposalSection(p, status, disclosure),
        h('section', { class: 'card', 'aria-labelledby': 'rates-h', id: 'rates' },
          h('div', { class: 'card-head' }, h('h2', { id: 'rates-h' }, 'FX rate set'),
            p.fx ? h('span', null, p.fx.override ? badge('override of the move limit', 'wait') : badge('within the move limit', 'ok')) : null),
          !p.fx
            ? notice(`No rate set recorded for ${p.period} yet: the consortium's rate publishers sign one per period.`)
            : rates.length === 0
              ? notice('The rate set lists no currency.')
              : table(`FX rates of ${p.period}, in ${p.fx.base}`, [{ label: 'Currency' }, { label: `${p.fx.base} per unit`, numeric: true }, { label: 'Exact fraction', numeric: true }],
                rates.map(([currency, fraction]) => {
                  const d = rateDecimal(fraction);
                  return [h('strong', null, currency), d.exact ? d.text : h('span', { title: 'rounded to 10 decimals' }, `≈ ${d.text}`), h('code', { class: 'mono' }, fraction)];
                }), { captionHidden: true, id: 'rates-table' }),
        ),
      );
    };

    const drawRecent = async () => {
      if (current === undefined) return;
      const ids = [current, ...Array.from({ length: RECENT_PERIODS - 1 }, (_, i) => periodBefore(current, i + 1)!)];
      const views = await Promise.all(ids.map((id) => api.settlementPeriod(id, signal).catch((err: unknown) => (err instanceof ApiError ? undefined : Promise.reject(err)))));
      if (signal.aborted) return;
      const columns = [{ label: 'Period' }, { label: 'Stage' }, { label: 'Statements', numeric: true }, { label: 'Rate set' }, { label: 'Netted' }];
      replaceKeepingFocus(recentBox,
        h('h2', { id: 'recent-periods-h' }, 'Recent periods'),
        table('Recent settlement periods', columns, ids.map((id, i) => {
          const p = views[i];
          const name = link(`/settlement/${id}`, h('span', { class: 'mono' }, id));
          if (id === chosen) name.setAttribute('aria-current', 'page');
          return p === undefined
            ? [name, h('span', { class: 'muted' }, 'not available'), '–', '–', '–']
            : [name, stage(p), `${num(p.statements)} / ${num(p.pairs)}`, yesNo(p.rateSet, 'recorded', 'none'), yesNo(p.netted, 'netted', 'no')];
        }), { captionHidden: true, id: 'recent-periods-table' }),
      );
    };

    const refresh = async () => {
      let p: SettlementPeriod;
      try {
        p = await api.settlementPeriod(chosen, signal);
      } catch (err) {
        if (err instanceof ApiError && err.status === 400) {
          replace(detail, notice(`${chosen} is not a period of this consortium: ${err.message}`, 'error'));
          return;
        }
        throw err;
      }
      // The signed-in operator's own disclosure (its signed request); the operator may change while it is asked.
      const operator = session.operator;
      const disclosure = await disclosureState(api, p, operator, signal);
      if (!signal.aborted && operator === session.operator) drawDetail(p, disclosure);
    };
    await refresh();
    await drawRecent();
    // A committed block may end or close a period, record a statement or a rate set.
    // Signing in or out changes what the proposal card may say of a disclosure.
    session.onChange(() => void refresh().catch(() => undefined), signal);
    events.on('block_committed', throttle(() => {
      void refresh().catch(() => undefined);
      void drawRecent().catch(() => undefined);
    }, 2000, signal), signal);
  },
};

/** Choose a period: the current one and those before it, or any id typed in. */
function periodForm(current: string | undefined, chosen: string | undefined): HTMLElement {
  const ids = current === undefined ? [] : [current, ...Array.from({ length: PICKER_PERIODS - 1 }, (_, i) => periodBefore(current, i + 1)!)];
  if (chosen !== undefined && !ids.includes(chosen)) ids.push(chosen);
  // The period after the chosen one, when it is one of the picker's (no stepping past the current period).
  const at = chosen === undefined ? -1 : ids.indexOf(chosen);
  const next = at > 0 ? ids[at - 1] : undefined;
  const form = h('form', { class: 'card pair-form', 'aria-label': 'Choose a settlement period' },
    ids.length > 0
      ? h('div', { class: 'field' }, h('label', { for: 'settlement-period' }, 'Period'),
        h('select', { id: 'settlement-period', name: 'period' }, ids.map((id) => h('option', { value: id, selected: id === chosen }, id === current ? `${id} (current)` : id))))
      : h('div', { class: 'field' }, h('label', { for: 'settlement-period' }, 'Period id'),
        h('input', { id: 'settlement-period', name: 'period', type: 'text', required: true, placeholder: '2026-11', autocomplete: 'off', spellcheck: 'false' })),
    h('button', { type: 'submit', class: 'primary' }, 'Show'),
    chosen !== undefined && periodBefore(chosen) !== undefined ? link(`/settlement/${periodBefore(chosen)!}`, '← Previous period') : null,
    next !== undefined ? link(`/settlement/${next}`, 'Next period →') : null,
    h('p', { class: 'form-error', role: 'alert', id: 'settlement-error' }),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = (form.querySelector('#settlement-period') as HTMLInputElement | HTMLSelectElement).value.trim();
    if (!looksLikePeriodId(id)) form.querySelector('#settlement-error')!.textContent = 'Type a period id: a month (2026-11) or an N-day period (2026-11-30+7d).';
    else location.hash = `/settlement/${id}`;
  });
  return form;
}
