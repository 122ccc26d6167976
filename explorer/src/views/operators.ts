import type { Operator } from '../api.js';
import { h, replace, replaceKeepingFocus, table } from '../dom.js';
import { num } from '../format.js';
import type { ViewRoute } from '../router.js';
import { loading, pageHeading, throttle, tickTimes, timeAgo } from '../ui.js';

/** The consortium's operators and the last sequences this node accepted from each, live. */
export const operatorsRoute: ViewRoute = {
  path: /^\/operators$/,
  nav: { label: 'Operators', href: '/operators' },
  title: () => 'Operators',
  async render(root, _match, ctx, signal) {
    replace(root, pageHeading('Operators'), loading('operators'));
    const status = ctx.status.current ?? (await ctx.api.status(signal));
    const ops: Operator[] = await Promise.all(status.operators.map((o) => ctx.api.operator(o.plmn, signal)));
    const lastSeen = new Map<number, number>();
    const box = h('section', { class: 'card' });
    const columns = [{ label: 'Operator' }, { label: 'PLMN', numeric: true }, { label: 'Batch key' }, { label: 'Last batch seq', numeric: true }, { label: 'Last contract seq', numeric: true }, { label: 'Last batch seen' }];
    const draw = () => replaceKeepingFocus(box, table('Operators and their last accepted sequences', columns, ops.map((o) => [
      h('strong', null, o.name), String(o.plmn), h('code', { class: 'mono', title: o.batchKey }, `${o.batchKey.slice(0, 16)}…`),
      num(o.lastSequence), num(o.lastContractSequence),
      lastSeen.has(o.plmn) ? timeAgo(lastSeen.get(o.plmn)!) : h('span', { class: 'muted' }, 'not since this page opened'),
    ]), { captionHidden: true, id: 'operators-table' }));
    const redraw = throttle(draw, 250, signal);
    replace(root,
      pageHeading('Operators', undefined, h('p', { class: 'lede' }, `${num(ops.length)} members of ${status.chainId}. A batch's sequence must follow its submitter's last one: the node refuses gaps and replays.`)),
      box,
    );
    draw();
    tickTimes(root, signal);
    const bump = (plmn: number, field: 'lastSequence' | 'lastContractSequence', seq: string) => {
      const i = ops.findIndex((o) => o.plmn === plmn);
      if (i < 0 || BigInt(seq) <= BigInt(ops[i]![field])) return;
      ops[i] = { ...ops[i]!, [field]: seq };
      redraw();
    };
    ctx.events.on('batch_accepted', (e) => {
      lastSeen.set(e.submitter, Date.now());
      bump(e.submitter, 'lastSequence', e.sequence);
    }, signal);
    ctx.events.on('contract_tx_accepted', (e) => bump(e.sender, 'lastContractSequence', e.sequence), signal);
  },
};
