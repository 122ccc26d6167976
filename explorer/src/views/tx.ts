import { ApiError, normaliseHash } from '../api.js';
import { fields, h, link, replace } from '../dom.js';
import { bytes, num, shortHash } from '../format.js';
import type { ViewRoute } from '../router.js';
import { badge, blockCell, evictionNotice, fullHash, loading, notice, operatorLabel, pageHeading, txStatusBadge } from '../ui.js';

/** A transaction by hash: CDR batches go to their batch page; contract transactions show here with their receipt, batch proofs with the batch they prove. */
export const txRoute: ViewRoute = {
  path: /^\/tx\/([0-9a-fA-F]{64})$/,
  title: (m) => `Transaction ${shortHash(m.params[0]!.toLowerCase())}`,
  async render(root, match, ctx, signal) {
    const hash = normaliseHash(match.params[0]!)!;
    const heading = () => pageHeading(h('span', { class: 'mono', title: hash }, shortHash(hash)), 'Transaction');
    replace(root, heading(), loading('the transaction'));
    let tx;
    try {
      tx = await ctx.api.tx(hash, signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        replace(root, heading(), notice(`This node has no transaction ${hash}.`, 'error'));
        return;
      }
      throw err;
    }
    if (tx.type === 'cdr_batch') {
      history.replaceState(null, '', `#/batch/${hash}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      return;
    }
    if (tx.type === 'batch_proof') {
      replace(root,
        pageHeading(h('span', { class: 'mono', title: hash }, shortHash(hash)), 'Batch proof', txStatusBadge(tx.status)),
        evictionNotice(tx.eviction),
        h('section', { class: 'card', 'aria-labelledby': 'tx-h' }, h('h2', { id: 'tx-h' }, 'Transaction'), fields([
          ['Hash', fullHash(hash)],
          ['Signer', operatorLabel(ctx.status, tx.signer)],
          ['Sequence', num(tx.sequence)],
          ['Proves batch', link(`/batch/${tx.batch}`, shortHash(tx.batch))],
          ['Circuit', h('code', { class: 'mono small' }, `${tx.circuitId} v${tx.circuitVersion}`)],
          ['Chunk proofs', `${num(tx.chunks)} of ${num(tx.chunkRecords)} records`],
          ['Block', blockCell(tx)],
          ['Size', bytes(tx.sizeBytes)],
        ])),
      );
      return;
    }
    if (tx.type === 'verdict') {
      // Counts only: the tolerances and digests are in GET /txns as well, but the explorer shows what the public counts say.
      replace(root,
        pageHeading(h('span', { class: 'mono', title: hash }, shortHash(hash)), 'Reconciliation verdict', txStatusBadge(tx.status)),
        evictionNotice(tx.eviction),
        h('section', { class: 'card', 'aria-labelledby': 'tx-h' }, h('h2', { id: 'tx-h' }, 'Transaction'), fields([
          ['Hash', fullHash(hash)],
          ['Pair', tx.pair],
          ['Period', tx.period],
          ['Revision', num(tx.revision)],
          ['Submitted by', operatorLabel(ctx.status, tx.submitter)],
          ['Matched', num(tx.counts.matched)],
          ['Accepted within tolerance', num(tx.counts.accepted)],
          ['Disputed', num(tx.counts.disputed)],
          ['Only one side', `${num(tx.counts.onlyA)} / ${num(tx.counts.onlyB)}`],
          ['Block', blockCell(tx)],
          ['Size', bytes(tx.sizeBytes)],
        ])),
      );
      return;
    }
    if (tx.type === 'settlement') {
      const statement = tx.action === 'statement';
      replace(root,
        pageHeading(h('span', { class: 'mono', title: hash }, shortHash(hash)), statement ? 'Settlement statement' : 'FX rate set', txStatusBadge(tx.status)),
        evictionNotice(tx.eviction),
        h('section', { class: 'card', 'aria-labelledby': 'tx-h' }, h('h2', { id: 'tx-h' }, 'Transaction'), fields([
          ['Hash', fullHash(hash)],
          ['Submitter', operatorLabel(ctx.status, tx.submitter)],
          ['Sequence', num(tx.sequence)],
          ['Period', tx.period],
          ...(statement
            ? [
                ['Pair', h('span', null, operatorLabel(ctx.status, tx.first ?? 0), ' – ', operatorLabel(ctx.status, tx.second ?? 0))],
                ['Commitment', h('code', { class: 'mono small' }, `${tx.commitment?.x ?? ''} ${tx.commitment?.y ?? ''}`)],
              ] as const
            : [
                ['Rates', h('code', { class: 'mono small' }, Object.entries(tx.rates ?? {}).map(([c, r]) => `${c} ${r} ${tx.base ?? ''}`).join(', '))],
                ['Publishers', `${(tx.publishers ?? []).join(', ')}${tx.override ? ' (override)' : ''}`],
              ] as const),
          ['Block', blockCell(tx)],
          ['Size', bytes(tx.sizeBytes)],
        ])),
      );
      return;
    }
    const receiptBox = h('div', null, tx.status === 'committed' ? loading('the receipt') : tx.status === 'evicted' ? null : notice('Pending: the receipt comes with its block.'));
    replace(root,
      pageHeading(h('span', { class: 'mono', title: hash }, shortHash(hash)), tx.type === 'contract_deploy' ? 'Contract deploy' : 'Contract call', txStatusBadge(tx.status)),
      evictionNotice(tx.eviction),
      h('section', { class: 'card', 'aria-labelledby': 'tx-h' }, h('h2', { id: 'tx-h' }, 'Transaction'), fields([
        ['Hash', fullHash(hash)],
        ['Sender', operatorLabel(ctx.status, tx.sender)],
        ['Sequence', num(tx.sequence)],
        ['Contract', h('code', { class: 'mono small' }, tx.contract)],
        ['Gas limit', num(tx.gasLimit)],
        ['Block', blockCell(tx)],
        ['Size', bytes(tx.sizeBytes)],
      ])),
      h('section', { class: 'card', 'aria-labelledby': 'receipt-h' }, h('h2', { id: 'receipt-h' }, 'Receipt'), receiptBox),
    );
    if (tx.status !== 'committed') return;
    try {
      const r = await ctx.api.receipt(hash, signal);
      const ok = r.statusName === 'ok' || r.status === 0;
      replace(receiptBox, fields([
        ['Status', badge(String(r['statusName'] ?? r.status), ok ? 'ok' : 'bad')],
        ['Gas used', num(String(r.gasUsed))],
        ...Object.entries(r).filter(([k]) => !['hash', 'status', 'statusName', 'gasUsed', 'height'].includes(k))
          .map(([k, v]) => [k, h('code', { class: 'mono small' }, typeof v === 'string' ? v : JSON.stringify(v))] as const),
      ]));
    } catch (err) {
      if (!signal.aborted) replace(receiptBox, notice(err instanceof Error ? err.message : String(err), 'error'));
    }
  },
};
