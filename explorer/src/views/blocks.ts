import { h, link, replace, replaceKeepingFocus, table } from '../dom.js';
import { num } from '../format.js';
import type { ViewRoute } from '../router.js';
import { badge, hashLink, loading, operatorLabel, pageHeading, throttle, tickTimes, timeAgo } from '../ui.js';

const PAGE = 25;

/** Every block, newest first, a page at a time (`#/blocks?from=H`). */
export const blocksRoute: ViewRoute = {
  path: /^\/blocks$/,
  nav: { label: 'Blocks', href: '/blocks' },
  title: () => 'Blocks',
  async render(root, match, ctx, signal) {
    const fromParam = match.query.get('from');
    const from = fromParam !== null && /^\d{1,10}$/.test(fromParam) ? Number(fromParam) : undefined;
    replace(root, pageHeading('Blocks', undefined), loading('blocks'));
    const draw = async () => {
      const blocks = await ctx.api.blocks(from, PAGE, signal);
      const top = blocks[0]?.height ?? 0;
      const bottom = blocks.at(-1)?.height ?? 0;
      const head = Math.max(ctx.status.current?.height ?? top, top);
      const pager = h('nav', { class: 'pager', 'aria-label': 'Block pages' },
        top < head ? link(`/blocks?from=${Math.min(head, top + PAGE)}`, '← Newer') : h('span', { class: 'disabled', 'aria-disabled': 'true' }, '← Newer'),
        h('span', { class: 'muted' }, `#${num(top)} – #${num(bottom)} of ${num(head + 1)}`),
        bottom > 0 ? link(`/blocks?from=${bottom - 1}`, 'Older →') : h('span', { class: 'disabled', 'aria-disabled': 'true' }, 'Older →'),
      );
      const columns = [{ label: 'Height', numeric: true }, { label: 'Hash' }, { label: 'Kind' }, { label: 'Age' }, { label: 'Producer' }, { label: 'Txs', numeric: true }, { label: 'CDRs', numeric: true }];
      replaceKeepingFocus(root,
        pageHeading('Blocks', undefined, pager),
        h('section', { class: 'card' }, table('Blocks, newest first', columns, blocks.map((b) => [
          link(`/block/${b.height}`, num(b.height)), hashLink(`/block/${b.height}`, b.hash, 'Block'), badge(b.kind, 'info'), timeAgo(Number(b.timestampMs)),
          b.producer === 0 ? 'genesis' : operatorLabel(ctx.status, b.producer), num(b.txCount), num(b.cdrCount),
        ]), { captionHidden: true, id: 'blocks-table' })),
      );
    };
    await draw();
    // The newest page follows the chain.
    if (from === undefined) ctx.events.on('block_committed', throttle(() => void draw().catch(() => undefined), 1000, signal), signal);
    tickTimes(root, signal);
  },
};
