import { ApiError, type Block, type Status } from '../api.js';
import { liveChart } from '../chart.js';
import { h, link, replace, replaceKeepingFocus, table, type Child } from '../dom.js';
import { bytes, dec, duration, num, shortHash } from '../format.js';
import type { ViewRoute } from '../router.js';
import { badge, hashLink, notice, operatorLabel, pageHeading, throttle, tickTimes, timeAgo } from '../ui.js';

const RECENT = 10;

interface TxRow {
  readonly id: string;
  readonly kind: 'batch' | 'contract' | 'proof' | 'verdict' | 'settlement';
  readonly from: number;
  readonly to?: number;
  readonly sequence: string;
  readonly cdrs: number;
  status: 'pending' | 'committed' | 'evicted';
  height?: number;
  fresh: boolean;
}

/** The overview: chain head, live charts, recent blocks and transactions, all updating from WS /events. */
export const homeRoute: ViewRoute = {
  path: /^\/$/,
  nav: { label: 'Overview', href: '/' },
  title: () => 'Overview',
  async render(root, _match, ctx, signal) {
    const { api, events, status, live, session } = ctx;
    const tiles = h('section', { class: 'tiles', 'aria-label': 'Chain summary' });
    const blocksBox = h('div', null, h('p', { class: 'loading', role: 'status' }, 'Loading blocks…'));
    const txBox = h('div', null, h('p', { class: 'loading', role: 'status' }, 'Loading transactions…'));
    const liveNote = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });

    const ingest = liveChart({
      id: 'chart-ingest', title: 'Ingest rate', description: 'CDR/s, from /metrics scraped every 2 s',
      series: [{ label: 'accepted', color: '#1d4ed8' }, { label: 'committed', color: '#047857', dash: [6, 4] }],
      format: (v) => `${dec(v, v < 10 ? 1 : 0)}/s`, empty: 'No CDRs in the last 5 minutes.',
    });
    const interval = liveChart({
      id: 'chart-block-interval', title: 'Block interval', description: 'time between consecutive blocks',
      series: [{ label: 'interval', color: '#7c3aed' }],
      format: (v) => duration(v), empty: 'No blocks in the last 5 minutes.',
    });
    const latency = liveChart({
      id: 'chart-admission', title: 'Admission latency', description: 'p50 and p99, frame received to durable accept',
      series: [{ label: 'p50', color: '#1d4ed8' }, { label: 'p99', color: '#b45309' }],
      format: (v) => `${dec(v, v < 10 ? 1 : 0)} ms`, empty: 'No batches admitted in the last 5 minutes.',
    });
    signal.addEventListener('abort', () => [ingest, interval, latency].forEach((c) => c.destroy()), { once: true });

    replace(root,
      pageHeading('Overview', undefined, h('p', { class: 'lede' }, 'The chain as this node sees it, live from its event stream and metrics.')),
      tiles,
      h('section', { class: 'charts', 'aria-labelledby': 'charts-h' },
        h('h2', { id: 'charts-h', class: 'section-title' }, 'Last 5 minutes'),
        h('div', { class: 'chart-grid' }, ingest.element, interval.element, latency.element),
      ),
      h('div', { class: 'two-col' },
        h('section', { class: 'card', 'aria-labelledby': 'recent-blocks-h' },
          h('div', { class: 'card-head' }, h('h2', { id: 'recent-blocks-h' }, 'Recent blocks'), link('/blocks', 'All blocks')),
          blocksBox),
        h('section', { class: 'card', 'aria-labelledby': 'recent-txs-h' },
          h('div', { class: 'card-head' }, h('h2', { id: 'recent-txs-h' }, 'Recent transactions')),
          txBox),
      ),
      liveNote,
    );

    // Tiles follow the status store (refreshed every 10 s and by every block).
    const renderTiles = (s: Status) => {
      const tile = (label: string, value: Child, sub?: Child) => h('div', { class: 'tile' }, h('p', { class: 'tile-label' }, label), h('p', { class: 'tile-value' }, value), sub ? h('p', { class: 'tile-sub' }, sub) : null);
      replace(tiles,
        tile('Chain head', link(`/block/${s.height}`, `#${num(s.height)}`), h('span', { class: 'mono', title: s.headHash }, shortHash(s.headHash))),
        tile('Records admitted', num(s.nullifiers), 'nullifiers, committed or pending'),
        tile('Mempool', `${num(s.mempool.txs)} txs`, `${num(s.mempool.cdrs)} CDRs waiting for a block`),
        tile('Operators', num(s.operators.length), link('/operators', 'sequences')),
        tile('Storage', bytes(s.diskBytes), s.ready.ready ? badge('ready', 'ok') : badge('not ready', 'bad')),
      );
    };
    if (status.current) renderTiles(status.current);
    status.onChange(renderTiles, signal);

    live.start();
    const drawCharts = () => {
      ingest.update(live.ingest);
      interval.update(live.blockInterval);
      latency.update(live.latency);
    };
    drawCharts();
    live.onUpdate(drawCharts, signal);
    // The x window slides with time even when nothing arrives.
    const slide = setInterval(drawCharts, 2000);
    signal.addEventListener('abort', () => clearInterval(slide), { once: true });

    // Recent blocks and transactions: seeded from the API, then moved by events.
    let blocks: Block[] = [];
    let txs: TxRow[] = [];
    const blockColumns = [{ label: 'Height', numeric: true }, { label: 'Hash' }, { label: 'Age' }, { label: 'Txs', numeric: true }, { label: 'CDRs', numeric: true }];
    const txColumns = [{ label: 'Batch or transaction' }, { label: 'From → to', wrap: true }, { label: 'Seq', numeric: true }, { label: 'CDRs', numeric: true }, { label: 'Status' }];
    const renderBlocks = () => {
      replaceKeepingFocus(blocksBox, blocks.length === 0 ? notice('No blocks yet.') : table('Recent blocks, newest first', blockColumns, blocks.map((b) => [
        link(`/block/${b.height}`, num(b.height)), hashLink(`/block/${b.height}`, b.hash, 'Block'), timeAgo(Number(b.timestampMs)), num(b.txCount), num(b.cdrCount),
      ]), { captionHidden: true, id: 'recent-blocks' }));
    };
    // Signed out on a node that shows transactions to their parties only: none was asked for.
    let partiesOnly = false;
    const renderTxs = () => {
      const empty = partiesOnly ? 'This node shows a transaction to its parties only: sign in as an operator to see yours.' : 'No transactions yet. Submit a batch with `cdrchain submit`.';
      const t = txs.length === 0 ? notice(empty) : table('Recent transactions, newest first', txColumns, txs.map((r) => [
        r.kind === 'batch'
          ? hashLink(`/batch/${r.id}`, r.id, 'Batch')
          : h('span', { class: 'tx-cell' }, hashLink(`/tx/${r.id}`, r.id, 'Transaction'), badge(r.kind === 'proof' ? 'batch proof' : r.kind === 'verdict' ? 'verdict' : r.kind === 'settlement' ? 'settlement' : 'contract', 'info')),
        r.to === undefined ? operatorLabel(status, r.from, true) : h('span', null, operatorLabel(status, r.from, true), ' → ', operatorLabel(status, r.to, true)),
        num(r.sequence), r.kind === 'batch' ? num(r.cdrs) : '–',
        r.status === 'committed' ? h('span', null, badge('committed', 'ok'), ' ', r.height !== undefined ? link(`/block/${r.height}`, `#${num(r.height)}`) : null) : r.status === 'evicted' ? badge('evicted', 'bad') : badge('pending', 'wait'),
      ]), { captionHidden: true, id: 'recent-txs' });
      for (const [i, r] of txs.entries()) if (r.fresh) t.querySelectorAll('tbody tr')[i]?.classList.add('fresh');
      for (const r of txs) r.fresh = false;
      replaceKeepingFocus(txBox, t);
    };
    const render = throttle(() => {
      renderBlocks();
      renderTxs();
    }, 250, signal);
    tickTimes(root, signal);

    const addTx = (row: TxRow) => {
      if (txs.some((r) => r.id === row.id)) return;
      txs = [row, ...txs].slice(0, RECENT);
    };
    events.on('block_committed', (e) => {
      if (blocks.some((b) => b.height === e.height)) return;
      blocks = [{ height: e.height, hash: e.hash, kind: 'micro' as const, prevHash: '', timestampMs: e.timestampMs, producer: 0, txRoot: '', txCount: e.txCount, cdrCount: e.cdrCount }, ...blocks]
        .sort((a, b) => b.height - a.height).slice(0, RECENT);
      const ids = new Set(e.txIds);
      for (const r of txs) if (ids.has(r.id)) Object.assign(r, { status: 'committed', height: e.height });
      liveNote.textContent = `Block ${e.height} committed with ${e.txCount} transactions.`;
      render();
    }, signal);
    events.on('batch_accepted', (e) => {
      addTx({ id: e.id, kind: 'batch', from: e.submitter, to: e.counterparty, sequence: e.sequence, cdrs: e.cdrCount, status: 'pending', fresh: true });
      render();
    }, signal);
    events.on('contract_tx_accepted', (e) => {
      addTx({ id: e.id, kind: 'contract', from: e.sender, sequence: e.sequence, cdrs: 0, status: 'pending', fresh: true });
      render();
    }, signal);
    events.on('resync', () => void seed(), signal);

    async function seed(): Promise<void> {
      try {
        const latest = await api.blocks(undefined, RECENT, signal);
        blocks = latest;
        renderBlocks();
        // A node that checks signatures shows a transaction to its parties only: signed out, /status
        // says every look-up would be refused (401, a console error each), so none is asked.
        const mode = (await status.loaded())?.auth?.mode;
        partiesOnly = session.operator === undefined && (mode === 'signatures' || mode === 'closed');
        // Transactions of the newest blocks that have any: their bodies, then each transaction, in parallel.
        const bodies = partiesOnly ? [] : await Promise.all(latest.filter((b) => b.txCount > 0).slice(0, RECENT).map((b) => api.block(b.height, signal)));
        const ids: { id: string; height: number }[] = [];
        for (const full of bodies) {
          for (const id of [...(full.txIds ?? [])].reverse()) if (ids.length < RECENT) ids.push({ id, height: full.height });
        }
        // A node whose /status does not say how it authenticates (older): the first 401 says the rest
        // would be refused too, so ask no more.
        let refused = false;
        const lookUp = async ({ id, height }: { id: string; height: number }): Promise<TxRow | undefined> => {
          if (refused) return undefined;
          try {
            const t = await api.tx(id, signal);
            return t.type === 'cdr_batch'
              ? { id, kind: 'batch', from: t.submitter, to: t.counterparty, sequence: t.sequence, cdrs: t.recordCount, status: t.status, height, fresh: false }
              : t.type === 'batch_proof'
                ? { id, kind: 'proof', from: t.signer, sequence: t.sequence, cdrs: 0, status: t.status, height, fresh: false }
                : t.type === 'verdict'
                  ? { id, kind: 'verdict', from: t.submitter, sequence: String(t.revision), cdrs: 0, status: t.status, height, fresh: false }
                : t.type === 'settlement'
                  ? { id, kind: 'settlement', from: t.submitter, sequence: t.sequence, cdrs: 0, status: t.status, height, fresh: false }
                : { id, kind: 'contract', from: t.sender, sequence: t.sequence, cdrs: 0, status: t.status, height, fresh: false };
          } catch (err) {
            if (err instanceof ApiError && err.status === 401) refused = true;
            return undefined;
          }
        };
        const first = ids[0] === undefined ? undefined : await lookUp(ids[0]);
        const rows = [first, ...(await Promise.all(ids.slice(1).map(lookUp)))];
        const seeded = rows.filter((r): r is TxRow => r !== undefined);
        // Rows the events added meanwhile stay on top.
        txs = [...txs, ...seeded.filter((r) => !txs.some((x) => x.id === r.id))].slice(0, RECENT);
        renderBlocks();
        renderTxs();
      } catch (err) {
        if (signal.aborted) return;
        replace(blocksBox, notice(`Could not load blocks: ${err instanceof Error ? err.message : String(err)}`, 'error'));
      }
    }
    await seed();
  },
};
