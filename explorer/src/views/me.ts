import { ApiError, type Operator, type PairCounts } from '../api.js';
import type { SignedInOperator } from '../auth/operator-session.js';
import { h, link, replace, replaceKeepingFocus, table } from '../dom.js';
import { dec, num } from '../format.js';
import type { ViewRoute } from '../router.js';
import { loading, notice, operatorLabel, pageHeading, throttle } from '../ui.js';
import { currentPeriod, previousPeriod, reconciliationPath } from './reconciliation.js';

/**
 * The signed-in operator's own page: its last sequences (GET /operators/{plmn}, the operator's
 * alone) and its pairs this month, each with its disputed events (the pair's). Signed out, it says
 * how to sign in.
 */
export const meRoute: ViewRoute = {
  path: /^\/me$/,
  title: () => 'Your operator',
  render(root, _match, ctx, signal) {
    const { api, session, status, events } = ctx;
    let run: AbortController | undefined;
    const draw = async (op: SignedInOperator | undefined, quiet = false) => {
      run?.abort();
      const mine = new AbortController();
      run = mine;
      signal.addEventListener('abort', () => mine.abort(), { once: true });
      if (!op) {
        replace(root, pageHeading('Your operator'), notice(h('span', null, 'Nobody is signed in. ', link('/sign-in', 'Sign in with your operator key'), ' to see your own data.')));
        return;
      }
      if (!quiet) replace(root, pageHeading(h('span', null, op.name, ' ', h('span', { class: 'muted' }, String(op.plmn))), 'Signed in as'), loading('your data'));
      // This month and the last: the one still filling, and the one the pair closes and settles.
      const periods = [currentPeriod(), previousPeriod(currentPeriod())];
      const others = (status.current?.operators ?? []).map((o) => o.plmn).filter((p) => p !== op.plmn);
      let me: Operator;
      let pairs: { plmn: number; period: string; counts: PairCounts; disputes: number | undefined }[];
      try {
        [me, pairs] = await Promise.all([
          api.operator(op.plmn, mine.signal),
          Promise.all(periods.flatMap((period) => others.map(async (plmn) => {
            const pair = `${Math.min(op.plmn, plmn)}-${Math.max(op.plmn, plmn)}`;
            const counts = await api.pairCounts(pair, period, mine.signal);
            // Disputes only where there are events: a pair without traffic has none to list.
            const disputes = counts.events > 0 ? (await api.pairDisputes(pair, period, 0, 1, mine.signal)).total : undefined;
            return { plmn, period, counts, disputes };
          }))),
        ]);
      } catch (err) {
        if (mine.signal.aborted) return;
        replace(root, pageHeading(op.name, 'Signed in as'), notice(`Could not load your data: ${err instanceof ApiError ? err.message : String(err)}`, 'error'));
        return;
      }
      if (mine.signal.aborted) return;
      const columns = [{ label: 'Counterparty', wrap: true }, { label: 'Month' }, { label: 'Events', numeric: true }, { label: 'Match rate', numeric: true }, { label: 'Disputed', numeric: true }, { label: '' }];
      const withTraffic = pairs.filter((p) => p.counts.events > 0);
      replaceKeepingFocus(root,
        pageHeading(h('span', null, op.name, ' ', h('span', { class: 'muted' }, String(op.plmn))), 'Signed in as',
          h('p', { class: 'lede' }, 'What this node keeps of yours: requests from this page are signed with your key.')),
        h('section', { class: 'tiles', 'aria-label': 'Your sequences' },
          h('div', { class: 'tile', id: 'my-batch-seq' }, h('p', { class: 'tile-label' }, 'Last batch sequence'), h('p', { class: 'tile-value' }, num(me.lastSequence)), h('p', { class: 'tile-sub' }, 'the next batch must follow it')),
          h('div', { class: 'tile', id: 'my-contract-seq' }, h('p', { class: 'tile-label' }, 'Last contract sequence'), h('p', { class: 'tile-value' }, num(me.lastContractSequence)), h('p', { class: 'tile-sub' }, 'contract transactions')),
          h('div', { class: 'tile' }, h('p', { class: 'tile-label' }, 'Batch key'), h('p', { class: 'tile-value mono small', title: me.batchKey }, `${me.batchKey.slice(0, 16)}…`), h('p', { class: 'tile-sub' }, 'registered in the genesis')),
        ),
        h('section', { class: 'card', 'aria-labelledby': 'my-pairs-h' },
          h('h2', { id: 'my-pairs-h' }, `Your pairs in ${periods[0]} and ${periods[1]}`),
          withTraffic.length === 0
            ? notice(`No reconciled traffic with any counterparty in ${periods[0]} or ${periods[1]} yet.`)
            : table('Your pairs this month and last', columns, withTraffic.map((p) => [
              operatorLabel(status, p.plmn),
              p.period,
              num(p.counts.events),
              p.counts.matchRate === null ? '–' : `${dec(p.counts.matchRate * 100, 2)} %`,
              p.disputes === undefined ? '–' : num(p.disputes),
              link(reconciliationPath(op.plmn, p.plmn, p.period), 'Disputes and counts'),
            ]), { captionHidden: true, id: 'my-pairs' }),
          h('p', { class: 'muted small' }, 'Your batches: open one from a dispute, a block, or the search box (batch id); other months: ', link('/reconciliation', 'Reconciliation'), '.'),
        ),
      );
    };
    void draw(session.operator);
    session.onChange((op) => void draw(op), signal);
    events.on('block_committed', throttle(() => void draw(session.operator, true), 3000, signal), signal);
  },
};
