import { ApiError, normaliseHash, type Batch } from '../api.js';
import type { AppContext } from '../context.js';
import { fields, h, link, replace, table, type Child } from '../dom.js';
import { bytes, isoTime, num, periodTime, shortHash } from '../format.js';
import type { ViewRoute } from '../router.js';
import { evictionNotice, fullHash, loading, notice, operatorLabel, pageHeading, txStatusBadge } from '../ui.js';
import type { Check, InclusionProof } from '../verify/batch-checks.js';

/** The checks' code (poseidon-lite, @noble) loads with the first batch page, not with the overview. */
type VerifyModule = typeof import('../verify/batch-checks.js');

/** Batches up to this many records are checked as soon as the page opens; larger ones on request. */
const AUTO_CHECK_RECORDS = 2000;
const PREVIEW = 10;

/** One CDR batch: where it stands, its signed header, its records, and the checks done in the browser. */
export const batchRoute: ViewRoute = {
  path: /^\/batch\/([0-9a-fA-F]{64})$/,
  title: (m) => `Batch ${shortHash(m.params[0]!.toLowerCase())}`,
  async render(root, match, ctx, signal) {
    const id = normaliseHash(match.params[0]!)!;
    replace(root, pageHeading(h('span', { class: 'mono' }, shortHash(id)), 'CDR batch'), loading('the batch'));
    const verifying: Promise<VerifyModule> = import('../verify/batch-checks.js');
    let batch: Batch;
    try {
      batch = await ctx.api.batch(id, signal);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        replace(root, pageHeading(h('span', { class: 'mono' }, shortHash(id)), 'CDR batch'), notice(`This node has no batch ${id}.`, 'error'));
        return;
      }
      throw err;
    }
    const verify = await verifying;
    const stagesBox = h('section', { class: 'card', 'aria-labelledby': 'stages-h' });
    const statusBox = h('span');
    const headerBox = h('section', { class: 'card', 'aria-labelledby': 'header-h' });
    const renderStatus = (b: Batch) => {
      replace(statusBox, txStatusBadge(b.status, b.pruned));
      replace(stagesBox, h('h2', { id: 'stages-h' }, 'Stages'), stages(b, ctx));
      replace(headerBox, h('h2', { id: 'header-h' }, 'Signed header'), headerFields(b, ctx));
    };
    replace(root,
      pageHeading(h('span', { class: 'mono', title: id }, shortHash(id)), 'CDR batch', statusBox),
      evictionNotice(batch.eviction),
      stagesBox,
      h('div', { class: 'two-col wide-left' }, headerBox, verifyPanel(verify, batch, ctx, signal)),
      recordsPreview(batch, ctx, signal),
    );
    renderStatus(batch);

    // A pending batch moves to committed while the page is open.
    if (batch.status === 'pending') {
      ctx.events.on('block_committed', (e) => {
        if (!e.txIds.includes(id)) return;
        void ctx.api.batch(id, signal).then((b) => {
          batch = b;
          renderStatus(b);
        }, () => undefined);
      }, signal);
    }
  },
};

function stages(b: Batch, ctx: AppContext): HTMLElement {
  type State = 'done' | 'current' | 'future';
  const step = (state: State, title: string, detail: Child) =>
    h('li', { class: `stage ${state}`, 'aria-current': state === 'current' ? 'step' : null },
      h('span', { class: 'stage-mark', 'aria-hidden': 'true' }, state === 'done' ? '✓' : state === 'current' ? '…' : ''),
      h('span', { class: 'stage-text' },
        h('span', { class: 'stage-title' }, title, h('span', { class: 'visually-hidden' }, state === 'done' ? ' (done)' : state === 'current' ? ' (in progress)' : ' (not yet)')),
        h('span', { class: 'stage-detail' }, detail)));
  const committed = b.status === 'committed';
  const signedAccepted = [
    step('done', 'Signed', h('span', null, 'by ', operatorLabel(ctx.status, b.submitter), ` · sequence ${num(b.sequence)}`)),
    step('done', 'Accepted', 'verified and durable on this node (Ack sent)'),
  ];
  // Evicted: no block will take it (its settlement period closed, ...): the stages end there.
  if (b.status === 'evicted') {
    return h('ol', { class: 'stages' }, ...signedAccepted,
      step('current', 'Evicted', b.eviction ? h('span', null, `${b.eviction.reason.replaceAll('_', ' ')} at block `, link(`/block/${b.eviction.height}`, `#${num(b.eviction.height)}`)) : 'no block will include it'));
  }
  return h('ol', { class: 'stages' },
    ...signedAccepted,
    step(committed ? 'done' : 'current', committed ? 'Committed' : 'Waiting for a block',
      committed && b.height !== undefined ? h('span', null, 'in block ', link(`/block/${b.height}`, `#${num(b.height)}`), ` at index ${num(b.index ?? 0)}`) : 'in the mempool; the next block takes it'),
    // GET /batch says committed once the batch is durable in this node's chain, and that is final
    // (src/chain/events.ts blockCommitted): alone at once, with validators at the macro block. The
    // consensus stage between (on the head's branch, not final) is not on WS /events yet.
    step(committed ? 'done' : 'future', 'Final', committed ? 'blocks this node commits are final (with validators: justified by a macro block)' : 'once its block is committed'),
    b.pruned ? step('done', 'Records pruned', `retention removed the records${b.prunedAtMs ? ` at ${isoTime(Number(b.prunedAtMs))}` : ''}; the signed header stays`) : null,
  );
}

function headerFields(b: Batch, ctx: AppContext): HTMLElement {
  return fields([
    ['Batch id', fullHash(b.id)],
    ['Submitter', operatorLabel(ctx.status, b.submitter)],
    ['Counterparty', operatorLabel(ctx.status, b.counterparty)],
    ['Sequence', num(b.sequence)],
    ['Period', `${periodTime(b.periodStart)} – ${periodTime(b.periodEnd)}`],
    ['Records', num(b.recordCount)],
    ['Merkle root', h('code', { class: 'mono small' }, b.merkleRoot)],
    ['Records digest', h('code', { class: 'mono small' }, b.recordsDigest)],
    ['Signature', h('code', { class: 'mono small' }, b.signature)],
    ['Proven', b.proven
      ? h('span', null, `Groth16, ${b.proven.circuitId} v${b.proven.circuitVersion}, ${num(b.proven.totalsCommitments.length)} chunk proofs of ${num(b.proven.chunkRecords)} records, by `, operatorLabel(ctx.status, b.proven.signer), ' in ', link(`/tx/${b.proven.txHash}`, shortHash(b.proven.txHash)))
      : 'no batch proof yet'],
    // The proof declares the batch's role: only billing batches (the submitter's invoice to the counterparty) count in the pair's charge aggregate.
    ...(b.proven
      ? [['Role', b.proven.role === 'view'
        ? 'view: a record of traffic, not an invoice (its charges count in no aggregate)'
        : 'billing: the submitter invoices the counterparty (its charges count in the pair\'s aggregate)'] as [string, Child],
        ['Charge commitments', b.proven.role === 'view'
          ? `${num(b.proven.chargeCommitments.length)} Pedersen commitments (hiding), added to no aggregate`
          : h('span', null,
            `${num(b.proven.chargeCommitments.length)} Pedersen commitments (hiding) added to the ${b.proven.period} aggregate of `,
            operatorLabel(ctx.status, b.submitter), ' → ', operatorLabel(ctx.status, b.counterparty), ' (',
            h('a', { href: `/proofs/aggregate/${b.submitter}/${b.counterparty}/${encodeURIComponent(b.proven.period)}` }, 'JSON'), ')')] as [string, Child]]
      : []),
    ['Size', bytes(b.sizeBytes)],
    ['Header version', String(b.version)],
  ]);
}

const MARK: Record<Check['state'], string> = { waiting: '○', running: '…', pass: '✓', fail: '✗', skipped: '–' };
const STATE_TEXT: Record<Check['state'], string> = { waiting: 'waiting', running: 'running', pass: 'passed', fail: 'failed', skipped: 'skipped' };

function verifyPanel({ initialChecks, runBatchChecks }: VerifyModule, batch: Batch, ctx: AppContext, signal: AbortSignal): HTMLElement {
  const max = Math.max(0, batch.recordCount - 1);
  const input = h('input', { id: 'record-index', name: 'record', type: 'number', min: 0, max, step: 1, value: 0, inputmode: 'numeric', disabled: batch.pruned === true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Run checks');
  const list = h('ul', { class: 'checks', id: 'batch-checks' });
  const summary = h('p', { class: 'check-summary', role: 'status', 'aria-live': 'polite' });
  const proofBox = h('div');
  const checks = initialChecks();
  let run: AbortController | undefined;

  const draw = (proof?: InclusionProof) => {
    replace(list, checks.map((c) => h('li', { class: `check ${c.state}`, 'data-check': c.id, 'data-state': c.state },
      h('span', { class: 'check-mark', 'aria-hidden': 'true' }, MARK[c.state]),
      h('span', null, h('span', { class: 'check-label' }, c.label, h('span', { class: 'visually-hidden' }, `: ${STATE_TEXT[c.state]}`)), c.detail ? h('span', { class: 'check-detail' }, c.detail) : null))));
    if (proof) {
      replace(proofBox, h('details', { class: 'proof' },
        h('summary', null, `Inclusion proof of record ${num(proof.index)} (${proof.siblings.length} siblings)`),
        fields([
          ['Leaf (commitment)', h('code', { class: 'mono small' }, proof.commitment)],
          ...proof.siblings.map((s, i) => [`Sibling, level ${i}`, h('code', { class: 'mono small' }, s)] as const),
          ['Root', h('code', { class: 'mono small' }, proof.root)],
        ])));
    }
    const done = checks.every((c) => c.state !== 'waiting' && c.state !== 'running');
    if (done) {
      const failed = checks.filter((c) => c.state === 'fail').length;
      const passed = checks.filter((c) => c.state === 'pass').length;
      summary.className = `check-summary ${failed ? 'bad' : 'ok'}`;
      summary.textContent = failed ? `${failed} check${failed > 1 ? 's' : ''} failed.` : `All ${passed} checks passed in this browser.`;
    } else {
      summary.className = 'check-summary';
      summary.textContent = 'Checking…';
    }
  };

  const start = async () => {
    run?.abort();
    const mine = new AbortController();
    run = mine;
    signal.addEventListener('abort', () => mine.abort(), { once: true });
    button.disabled = true;
    try {
      const genesisHash = ctx.status.current?.genesisHash ?? (await ctx.api.status(mine.signal)).genesisHash;
      await runBatchChecks({ api: ctx.api, batch, genesisHash, recordIndex: Number(input.value), checks, onChange: draw, signal: mine.signal });
    } catch (err) {
      if (mine.signal.aborted) return;
      summary.className = 'check-summary bad';
      summary.textContent = `The checks stopped: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (run === mine) button.disabled = false;
    }
  };

  const form = h('form', { class: 'verify-form', novalidate: true },
    h('label', { for: 'record-index' }, `Record to prove (0–${num(max)})`),
    h('div', { class: 'inline' }, input, button),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void start();
  });
  draw();
  summary.textContent = batch.recordCount > AUTO_CHECK_RECORDS ? `${num(batch.recordCount)} records: the check fetches them all and hashes them here (about ${Math.ceil(batch.recordCount * 0.3 / 1000)} s). Run it when ready.` : '';
  if (batch.recordCount <= AUTO_CHECK_RECORDS) void start();

  return h('section', { class: 'card verify', 'aria-labelledby': 'verify-h' },
    h('h2', { id: 'verify-h' }, 'Verified in this browser'),
    h('p', { class: 'muted small' }, 'Recomputed here from what the node serves, with independent code (poseidon-lite, @noble): nothing below takes the node\'s word.'),
    form, list, summary, proofBox);
}

function recordsPreview(batch: Batch, ctx: AppContext, signal: AbortSignal): HTMLElement {
  const box = h('div', null, batch.pruned ? notice('Retention pruned these records; the signed header above still binds them (Merkle root, digest).') : loading('records'));
  const section = h('section', { class: 'card', 'aria-labelledby': 'records-h' }, h('h2', { id: 'records-h' }, `Records (first ${Math.min(PREVIEW, batch.recordCount)} of ${num(batch.recordCount)})`), box);
  if (!batch.pruned) {
    void ctx.api.batchRecords(batch.id, 0, PREVIEW, signal).then((page) => {
      const columns = [{ label: '#', numeric: true }, { label: 'Event key hash' }, { label: 'Commitment' }, { label: 'Nullifier' }, { label: 'Payload hash' }];
      const cell = (x: string) => h('code', { class: 'mono', title: x }, shortHash(x));
      replace(box, table('Public records', columns, page.records.map((r, i) => [num(i), cell(r.eventKeyHash), cell(r.commitment), cell(r.nullifier), cell(r.payloadHash)]), { captionHidden: true }),
        h('p', { class: 'muted small' }, 'Each record is 128 public bytes: what the chain keeps of a CDR. The CDR itself stays with the operators.'));
    }, (err: unknown) => {
      if (!signal.aborted) replace(box, notice(`Could not load records: ${err instanceof Error ? err.message : String(err)}`, 'error'));
    });
  }
  return section;
}
