import { ApiError, type Tx } from '../api.js';
import { h, link, replace, table, fields } from '../dom.js';
import { isoTime, num } from '../format.js';
import type { ViewRoute } from '../router.js';
import { badge, fullHash, hashLink, loading, notice, operatorLabel, pageHeading, timeAgo } from '../ui.js';
import { bytesToHex, hexToBytes } from '../verify/hex.js';
import { sha256Tree } from '../verify/sha256-merkle.js';

/** Transactions whose details are fetched on a block page (the rest are listed by id). */
const DETAILED = 50;

/** One block: header, its transactions, and its txRoot recomputed from their ids. */
export const blockRoute: ViewRoute = {
  path: /^\/block\/(\d{1,10})$/,
  title: (m) => `Block ${m.params[0]}`,
  async render(root, match, ctx, signal) {
    const height = Number(match.params[0]);
    replace(root, pageHeading(`Block #${num(height)}`, 'Block'), loading('the block'));
    const head = ctx.status.current?.height;
    if (head !== undefined && height > head) {
      replace(root, pageHeading(`Block #${num(height)}`, 'Block'), notice(`There is no block at height ${num(height)} yet: the chain head is #${num(head)}.`, 'error'));
      return;
    }
    let block;
    try {
      block = await ctx.api.block(height, signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        replace(root, pageHeading(`Block #${num(height)}`, 'Block'), notice(`There is no block at height ${num(height)}${head !== undefined ? `; the chain head is #${num(head)}` : ''}.`, 'error'));
        return;
      }
      throw err;
    }
    const nav = h('nav', { class: 'pager', 'aria-label': 'Neighbouring blocks' },
      height > 0 ? link(`/block/${height - 1}`, '← Previous') : h('span', { class: 'disabled', 'aria-disabled': 'true' }, '← Previous'),
      nextLink(height, ctx.status.current?.height ?? height),
    );
    // The next block may come while the page is open.
    ctx.events.on('block_committed', (e) => {
      if (e.height > height) nav.lastElementChild?.replaceWith(nextLink(height, e.height));
    }, signal);
    const ids = block.txIds ?? [];
    let rootCheck: HTMLElement;
    if (block.bodyPruned) rootCheck = badge('body pruned: header kept', 'muted');
    else {
      const recomputed = bytesToHex(sha256Tree(ids.map((t) => hexToBytes(t, 32)), 0).root);
      rootCheck = recomputed === block.txRoot ? badge('✓ matches the transaction ids (checked here)', 'ok') : badge(`✗ the ids hash to ${recomputed.slice(0, 16)}…`, 'bad');
    }
    const txBox = h('div', null, ids.length === 0 ? notice(block.bodyPruned ? 'Retention pruned this block\'s body: its transaction ids are gone, its header stays.' : 'No transactions in this block.') : loading('transactions'));
    replace(root,
      pageHeading(`Block #${num(height)}`, 'Block', nav),
      h('section', { class: 'card', 'aria-labelledby': 'block-h' },
        h('h2', { id: 'block-h' }, 'Header'),
        fields([
          ['Hash', fullHash(block.hash)],
          ['Previous', height > 0 ? h('span', null, link(`/block/${height - 1}`, `#${num(height - 1)}`), ' ', h('code', { class: 'mono small' }, block.prevHash)) : h('code', { class: 'mono small' }, block.prevHash)],
          ['Kind', badge(block.kind, 'info')],
          ['Time', h('span', null, isoTime(Number(block.timestampMs)).replace('T', ' ').replace('Z', ' UTC'), ' · ', timeAgo(Number(block.timestampMs)))],
          ['Producer', block.producer === 0 ? 'genesis' : operatorLabel(ctx.status, block.producer)],
          ['Transactions', num(block.txCount)],
          ['CDRs', num(block.cdrCount)],
          ['Transaction root', h('span', null, h('code', { class: 'mono small' }, block.txRoot), ' ', rootCheck)],
        ]),
      ),
      h('section', { class: 'card', 'aria-labelledby': 'block-txs-h' }, h('h2', { id: 'block-txs-h' }, `Transactions (${num(ids.length)})`), txBox),
    );
    if (ids.length === 0) return;
    const details = await Promise.all(ids.slice(0, DETAILED).map((id) => ctx.api.tx(id, signal).catch((): Tx | undefined => undefined)));
    if (signal.aborted) return;
    const columns = [{ label: '#', numeric: true }, { label: 'Transaction' }, { label: 'Kind' }, { label: 'From → to', wrap: true }, { label: 'Seq', numeric: true }, { label: 'CDRs', numeric: true }];
    replace(txBox,
      table(`Transactions of block ${height}`, columns, ids.map((id, i) => {
        const t = details[i];
        if (!t) return [num(i), hashLink(`/tx/${id}`, id, 'Transaction'), '', '', '', ''];
        if (t.type === 'cdr_batch') return [num(i), hashLink(`/batch/${id}`, id, 'Batch'), badge('CDR batch', 'info'), h('span', null, operatorLabel(ctx.status, t.submitter), ' → ', operatorLabel(ctx.status, t.counterparty)), num(t.sequence), num(t.recordCount)];
        if (t.type === 'settlement') return [num(i), hashLink(`/tx/${id}`, id, 'Transaction'), badge(t.action === 'statement' ? 'settlement statement' : 'FX rate set', 'info'), operatorLabel(ctx.status, t.submitter), num(t.sequence), '–'];
        if (t.type === 'batch_proof') return [num(i), hashLink(`/tx/${id}`, id, 'Transaction'), badge('batch proof', 'info'), operatorLabel(ctx.status, t.signer), num(t.sequence), '–'];
        if (t.type === 'verdict') return [num(i), hashLink(`/tx/${id}`, id, 'Transaction'), badge('verdict', 'info'), operatorLabel(ctx.status, t.submitter), num(t.revision), '–'];
        return [num(i), hashLink(`/tx/${id}`, id, 'Transaction'), badge(t.type === 'contract_deploy' ? 'contract deploy' : 'contract call', 'info'), operatorLabel(ctx.status, t.sender), num(t.sequence), '–'];
      }), { captionHidden: true, id: 'block-txs' }),
      ids.length > DETAILED ? notice(`Details shown for the first ${DETAILED} of ${num(ids.length)} transactions.`) : null,
    );
  },
};

function nextLink(height: number, head: number): HTMLElement {
  return height < head ? link(`/block/${height + 1}`, 'Next →') : h('span', { class: 'disabled', 'aria-disabled': 'true', title: 'This is the chain head' }, 'Next →');
}
