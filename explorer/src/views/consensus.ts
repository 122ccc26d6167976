import { ApiError, type Block, type Consensus } from '../api.js';
import { liveChart } from '../chart.js';
import { followConsensusMetrics, type ConsensusFigures } from '../consensus-metrics.js';
import { h, link, replace, replaceKeepingFocus, table, type Child } from '../dom.js';
import { dec, duration, num, shortHash } from '../format.js';
import type { ViewRoute } from '../router.js';
import { badge, hashLink, loading, notice, operatorLabel, pageHeading, throttle, tickTimes, timeAgo } from '../ui.js';

const RECENT = 20;
/** Blocks whose producers the validators table counts. */
const PRODUCED_WINDOW = 100;

/**
 * Consensus as this validator sees it (docs/consensus.md): validators with their voting power and
 * this node's score of each, the head and its producer, the last final block, the batch and epoch,
 * the macro round; blocks by kind and finality time from its /metrics; recent blocks with their
 * kind and producer (GET /blocks lists a validator's final blocks). Live: redrawn on every block event of WS /events.
 */
export const consensusRoute: ViewRoute = {
  path: /^\/consensus$/,
  nav: { label: 'Consensus', href: '/consensus' },
  title: () => 'Consensus',
  async render(root, _match, ctx, signal) {
    const { api, status, events } = ctx;
    replace(root, pageHeading('Consensus'), loading('the consensus view'));
    let view: Consensus;
    try {
      view = await api.consensus(signal);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const why: Child = err.code === 'not_a_validator'
        ? 'This node runs alone (solo): it takes part in no consensus. Open the explorer of a validator to see validators, slots and finality.'
        : err.status === 401 || err.status === 403
          ? h('span', null, 'The consensus view is the consortium\'s: this node shows it to its operators only. ', link('/sign-in', 'Sign in as an operator'), ' to see it.')
          : `The node did not give its consensus view: ${err.message}`;
      replace(root, pageHeading('Consensus'), notice(why, err.code === 'not_a_validator' || err.status === 401 || err.status === 403 ? 'info' : 'error'));
      return;
    }

    const tiles = h('section', { class: 'tiles', 'aria-label': 'Consensus summary', id: 'consensus-tiles' });
    const kinds = h('section', { class: 'tiles tiles-4', 'aria-label': 'Blocks by kind and finality', id: 'consensus-kinds' });
    const validatorsBox = h('section', { class: 'card', 'aria-labelledby': 'validators-h' });
    const blocksBox = h('section', { class: 'card', 'aria-labelledby': 'consensus-blocks-h' });
    const liveNote = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    const finalityChart = liveChart({
      id: 'chart-finality', title: 'Finality time', description: 'p50 and p99, a block joining the head to it becoming final, from /metrics every 2 s',
      series: [{ label: 'p50', color: '#1d4ed8' }, { label: 'p99', color: '#b45309' }],
      format: (v) => duration(v * 1000), empty: 'No block became final in the last 5 minutes.',
    });
    signal.addEventListener('abort', () => finalityChart.destroy(), { once: true });

    replace(root,
      pageHeading('Consensus', undefined, h('p', { class: 'lede' }, `As validator ${status.operatorName(view.self)} (${view.self}) sees it: micro blocks from a producer per slot, skip blocks for silent producers, a macro block every ${num(view.policy.blocksPerBatch)} blocks that makes them final.`)),
      tiles,
      h('div', { class: 'two-col wide-left' },
        h('div', null, kinds, finalityChart.element),
        validatorsBox,
      ),
      blocksBox,
      liveNote,
    );

    let figures: ConsensusFigures | undefined;
    let metricsError: string | undefined;
    let blocks: Block[] = [];

    const tile = (label: string, value: Child, sub?: Child, id?: string) =>
      h('div', { class: 'tile', id }, h('p', { class: 'tile-label' }, label), h('p', { class: 'tile-value' }, value), sub ? h('p', { class: 'tile-sub' }, sub) : null);

    const drawTiles = () => {
      // The newest block this node lists at or below the head (GET /blocks may trail /consensus by a block).
      const headBlock = blocks.find((b) => b.height <= view.head.height);
      const behind = view.head.height - view.final.height;
      replace(tiles,
        tile('Head', link(`/block/${view.head.height}`, `#${num(view.head.height)}`), h('span', null, badge(view.head.kind, view.head.kind === 'macro' ? 'ok' : view.head.kind === 'skip' ? 'wait' : 'info'), ' ', h('span', { class: 'mono', title: view.head.hash }, shortHash(view.head.hash))), 'tile-head'),
        tile('Current slot', `#${num(view.head.height + 1)}`, headBlock && headBlock.producer !== 0 ? h('span', null, 'last producer ', operatorLabel(status, headBlock.producer, true), ` (#${num(headBlock.height)})`) : 'the next block\'s height', 'tile-slot'),
        tile('Last final', link(`/block/${view.final.height}`, `#${num(view.final.height)}`), behind === 0 ? 'the head is final' : `${num(behind)} block${behind === 1 ? '' : 's'} not final yet`, 'tile-final'),
        tile('Batch · epoch', `${num(view.batch)} · ${num(view.epoch)}`, `next macro block #${num(view.nextMacroHeight)}`, 'tile-batch'),
        tile('Macro round', view.macroRound < 0 ? '–' : num(view.macroRound), view.macroRound < 0 ? 'no Tendermint round under way' : 'Tendermint round of the next macro block', 'tile-round'),
      );
    };

    const drawKinds = () => {
      if (!figures) {
        replace(kinds, metricsError ? notice(`Could not read /metrics: ${metricsError}`, 'error') : loading('block counts'));
        return;
      }
      const f = figures;
      const sec = (s: number | undefined) => (s === undefined ? '–' : duration(s * 1000));
      replace(kinds,
        tile('Micro blocks', num(f.blocks.micro), 'joined the head since start', 'count-micro'),
        tile('Skip blocks', num(f.blocks.skip), f.forkProofs > 0 ? `${num(f.forkProofs)} fork proofs` : 'for producers that stayed silent', 'count-skip'),
        tile('Macro blocks', num(f.blocks.macro), 'final since start', 'count-macro'),
        tile('Finality', sec(f.finality.p50), f.finality.count > 0 ? `p50; p99 ${sec(f.finality.p99)} over ${num(f.finality.count)} blocks` : 'no block final yet', 'finality'),
      );
    };

    const drawValidators = () => {
      const totalPower = view.validators.reduce((n, v) => n + v.power, 0);
      const produced = new Map<number, number>();
      for (const b of blocks) if (b.producer !== 0) produced.set(b.producer, (produced.get(b.producer) ?? 0) + 1);
      const columns = [{ label: 'Validator', wrap: true }, { label: 'Power', numeric: true }, { label: 'Share', numeric: true }, { label: 'Link' }, { label: 'Score', numeric: true }, { label: `Produced (last ${blocks.length})`, numeric: true }];
      replaceKeepingFocus(validatorsBox,
        h('h2', { id: 'validators-h' }, `Validators (${num(view.validators.length)})`),
        table('Validators with their voting power and this node\'s peer score', columns, view.validators.map((v) => [
          h('span', null, operatorLabel(status, v.plmn), v.plmn === view.self ? h('span', null, ' ', badge('this node', 'info')) : null),
          num(v.power),
          totalPower > 0 ? `${dec((100 * v.power) / totalPower, 1)} %` : '–',
          v.plmn === view.self ? badge('self', 'muted') : v.connected ? badge('connected', 'ok') : badge('disconnected', 'bad'),
          v.score === undefined ? '–' : dec(v.score, 1),
          num(produced.get(v.plmn) ?? 0),
        ]), { captionHidden: true, id: 'validators-table' }),
      );
    };

    const drawBlocks = () => {
      const columns = [{ label: 'Height', numeric: true }, { label: 'Kind' }, { label: 'Producer', wrap: true }, { label: 'Hash' }, { label: 'Age' }, { label: 'Txs', numeric: true }, { label: 'CDRs', numeric: true }];
      replaceKeepingFocus(blocksBox,
        h('div', { class: 'card-head' }, h('h2', { id: 'consensus-blocks-h' }, 'Recent final blocks and their producers'), link('/blocks', 'All blocks')),
        table('Recent final blocks, newest first, with kind and producer', columns, blocks.slice(0, RECENT).map((b) => [
          link(`/block/${b.height}`, num(b.height)),
          badge(b.kind, b.kind === 'macro' ? 'ok' : b.kind === 'skip' ? 'wait' : 'info'),
          b.producer === 0 ? 'genesis' : operatorLabel(status, b.producer, true),
          hashLink(`/block/${b.height}`, b.hash, 'Block'),
          timeAgo(Number(b.timestampMs)),
          num(b.txCount),
          num(b.cdrCount),
        ]), { captionHidden: true, id: 'consensus-blocks' }),
      );
    };

    const drawAll = () => {
      drawTiles();
      drawKinds();
      drawValidators();
      drawBlocks();
    };

    const refresh = async () => {
      const [v, b] = await Promise.all([api.consensus(signal), api.blocks(undefined, PRODUCED_WINDOW, signal)]);
      if (signal.aborted) return;
      const finalMoved = v.final.height > view.final.height;
      view = v;
      blocks = b;
      if (finalMoved) liveNote.textContent = `Block ${v.final.height} is final.`;
      drawAll();
    };
    blocks = await api.blocks(undefined, PRODUCED_WINDOW, signal);
    drawAll();
    tickTimes(root, signal);

    followConsensusMetrics(api, 2000, signal, (f, finality) => {
      figures = f;
      metricsError = undefined;
      drawKinds();
      finalityChart.update(finality);
    }, (message) => {
      metricsError = message;
      drawKinds();
    });

    // Every block event moves the head or the final block; a timer catches the rest (rounds, scores).
    const again = throttle(() => void refresh().catch(() => undefined), 1000, signal);
    events.on('block_confirmed', again, signal);
    events.on('block_committed', again, signal);
    events.on('resync', again, signal);
    const timer = setInterval(again, 5000);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  },
};
