// The settlement proposal of a period (GET /settlement/{period} `settlement`, docs/settlement.md
// "Approval on chain", "Plain mode on chain", "Disclosure of transfer openings"): the consortium's
// mode, the proposal's operators and, in plain mode, its transfers in the settlement currency; in
// committed mode each operator's transfer commitment T_k and, for the operator signed in, whether it
// has disclosed its opening to the settlement bank. Ciphertexts are never shown, nor opened here.
import { ApiError, type NodeClient, type PlainTransfer, type SettlementDisclosure, type SettlementPeriod } from '../api.js';
import type { SignedInOperator } from '../auth/operator-session.js';
import { fields, h, link, table, type Child } from '../dom.js';
import { num, shortHash } from '../format.js';
import { amountText } from '../settlement-amounts.js';
import type { StatusStore } from '../status-store.js';
import { badge, notice, operatorLabel } from '../ui.js';

type Settlement = NonNullable<SettlementPeriod['settlement']>;
type Proposed = Exclude<Settlement, { status: 'none' }>;

/** What the signed-in operator's disclosure is, as far as this page may know. */
export type DisclosureState =
  | { readonly kind: 'signed_out' }
  | { readonly kind: 'not_involved'; readonly operator: SignedInOperator }
  | { readonly kind: 'disclosed'; readonly operator: SignedInOperator; readonly disclosure: SettlementDisclosure }
  | { readonly kind: 'not_disclosed'; readonly operator: SignedInOperator }
  | { readonly kind: 'unknown'; readonly operator: SignedInOperator; readonly reason: string };

/** Disclosures found, by period, operator and proposal id: one on chain stays for that proposal (no need to ask again). */
const found = new Map<string, SettlementDisclosure>();

/**
 * The signed-in operator's disclosure of the period's current proposal (committed mode only: plain
 * mode has no opening). Asked with the operator's signed request (the session signs ctx.api's calls):
 * 404 is "not yet"; a refusal (403, 401) is said as the node says it.
 */
export async function disclosureState(api: NodeClient, p: SettlementPeriod, operator: SignedInOperator | undefined, signal: AbortSignal): Promise<DisclosureState | undefined> {
  const s = p.settlement;
  if (p.mode !== 'committed' || s === undefined || s.status === 'none') return undefined;
  if (!operator) return { kind: 'signed_out' };
  if (!s.proposal.operators.includes(operator.plmn)) return { kind: 'not_involved', operator };
  const key = `${p.period}|${operator.plmn}|${s.id}`;
  const known = found.get(key);
  if (known) return { kind: 'disclosed', operator, disclosure: known };
  try {
    const disclosure = await api.settlementDisclosure(p.period, operator.plmn, signal);
    if (disclosure.proposalId !== s.id) return { kind: 'not_disclosed', operator };
    found.set(key, disclosure);
    return { kind: 'disclosed', operator, disclosure };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { kind: 'not_disclosed', operator };
    if (err instanceof ApiError) return { kind: 'unknown', operator, reason: err.message };
    throw err;
  }
}

/** The mode as the genesis chose it. */
function modeBadge(mode: SettlementPeriod['mode']): HTMLElement {
  return mode === 'plain' ? badge('plain mode · amounts public', 'info') : badge('committed mode · amounts hidden', 'info');
}

function statusBadge(s: Proposed): HTMLElement {
  if (s.status === 'final') return badge(`final · attempt ${s.attempt}`, 'ok');
  if (s.status === 'proposed') return badge(`proposed · attempt ${s.attempt}`, 'wait');
  return badge(`expired · attempt ${s.attempt}`, 'muted');
}

/** Plain mode: from pays to, in the settlement currency. */
function transfersTable(transfers: readonly PlainTransfer[], currency: string, status: StatusStore, what: string): HTMLElement {
  if (transfers.length === 0) return notice('The netting gives no transfer: every involved operator nets to zero.');
  return table(`Transfers of the ${what}`, [{ label: 'From (pays)', wrap: true }, { label: 'To (receives)', wrap: true }, { label: `Amount (${currency})`, numeric: true }],
    transfers.map((t) => [operatorLabel(status, t.from), h('span', null, h('span', { 'aria-hidden': 'true' }, '→ '), operatorLabel(status, t.to)), amountText(t.amount, currency)]),
    { captionHidden: true, id: 'plain-transfers' });
}

/** Committed mode: T_k of each involved operator (public commitments: no amount). */
function commitmentsTable(s: Proposed, status: StatusStore): HTMLElement {
  return table('Transfer commitments of the proposal', [{ label: 'Operator', wrap: true }, { label: 'Transfer commitment T_k (x)' }],
    s.proposal.operators.map((plmn, i) => {
      const t = s.proposal.transfers[i];
      return [operatorLabel(status, plmn), t ? h('code', { class: 'mono small', title: `x ${t.x}\ny ${t.y}` }, shortHash(t.x)) : '–'];
    }), { captionHidden: true, id: 'transfer-commitments' });
}

/** The signed-in operator's disclosure, in words; nothing of the ciphertexts. */
function disclosureBox(state: DisclosureState, p: SettlementPeriod, s: Proposed): HTMLElement {
  const bank = p.bank ? `the settlement bank (${p.bank.id})` : 'the settlement bank';
  let body: Child;
  if (state.kind === 'signed_out') {
    body = h('p', null, 'Involved operators: ', link(`/sign-in?next=${encodeURIComponent(`/settlement/${p.period}`)}`, 'sign in'), ` to see whether you have disclosed your transfer opening to ${bank}.`);
  } else if (state.kind === 'not_involved') {
    body = h('p', null, h('strong', null, state.operator.name), ' is not involved in this proposal: it has no transfer to disclose.');
  } else if (state.kind === 'disclosed') {
    body = h('p', null, badge('disclosed', 'ok'), ' ', `Your opening of T_k for attempt ${state.disclosure.attempt} is on chain, sealed to you and to ${bank}; this page does not open it.`);
  } else if (state.kind === 'not_disclosed') {
    body = s.status === 'expired'
      ? h('p', null, badge('not disclosed', 'muted'), ' ', 'This attempt expired: a new proposal needs a new disclosure.')
      : h('p', null, badge('not disclosed yet', 'wait'), ' ', `${bank[0]!.toUpperCase()}${bank.slice(1)} needs your opening to pay: post it with `, h('code', null, `cdrchain statement ${p.period} … --disclose`), '.');
  } else {
    body = notice(`Could not read your disclosure: ${state.reason}`, 'error');
  }
  return h('div', { id: 'my-disclosure', class: 'disclosure' }, h('h3', null, 'Your transfer opening'), body);
}

/** The proposal card: mode, status, figures and transfers (plain) or commitments and the disclosure (committed). */
export function proposalSection(p: SettlementPeriod, status: StatusStore, disclosure: DisclosureState | undefined): HTMLElement {
  const s = p.settlement;
  const head = h('div', { class: 'card-head' }, h('h2', { id: 'proposal-h' }, 'Settlement proposal'), h('span', { id: 'settlement-mode' }, modeBadge(p.mode)));
  const section = (...children: Child[]) => h('section', { class: 'card', 'aria-labelledby': 'proposal-h', id: 'settlement-proposal' }, head, ...children);
  if (s === undefined || s.status === 'none') {
    return section(notice(`No settlement proposed for ${p.period} yet: once the period has closed, an involved operator proposes the node's netting.`));
  }
  const plain = p.mode === 'plain' || s.proposal.mode === 'plain';
  const transfers = s.status === 'final' && s.plainTransfers !== undefined ? s.plainTransfers : s.proposal.plainTransfers ?? [];
  return section(
    fields([
      ['Status', statusBadge(s)],
      ['Proposal', h('code', { class: 'mono small', title: s.id }, shortHash(s.id))],
      ...(s.status === 'proposed' ? [['Proposer', operatorLabel(status, s.proposer)] as const] : []),
      ['Involved operators', num(s.proposal.operators.length)],
      ['Settled volume', amountText(s.proposal.settledVolume, p.currency)],
      ['Clearing fee', amountText(s.proposal.clearingFee, p.currency)],
      ...(p.bank && !plain ? [['Settlement bank', `id ${p.bank.id}: each involved operator seals its transfer opening to it`] as const] : []),
    ]),
    plain
      ? [h('h3', null, s.status === 'final' ? 'Transfers (final)' : 'Transfers'), transfersTable(transfers, p.currency, status, s.status === 'final' ? 'final settlement' : 'proposal')]
      : [h('h3', null, 'Transfer commitments'),
        h('p', { class: 'muted small' }, 'Each involved operator\'s net transfer, committed: only the operator and the settlement bank can open it.'),
        commitmentsTable(s, status),
        disclosure ? disclosureBox(disclosure, p, s) : null],
  );
}
