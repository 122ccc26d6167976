import type { Command } from 'commander';
import { isCurrency, type Currency } from '../../cdr/currency.js';
import { NodeApiClient, NodeApiError, NodeUnreachableError, type SettlementPeriod } from '../../client/node-api-client.js';
import { fetchNodeChain, httpBase } from '../../client/node-http.js';
import { approvalAction, proposalAction, signSettlementTx } from '../../client/settlement-tx.js';
import { toHex } from '../../codec/bytes.js';
import { clearingFee, proposalId, signAsOperator, type SettlementProposal } from '../../settlement/approval/index.js';
import { rational } from '../../settlement/fx/rational.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';
import { requestSigner } from '../request-signing.js';
import { operatorBlsKey, operatorIdentity } from '../settlement-inputs.js';

interface SettleOptions {
  url: string;
  operator?: number;
  key?: string;
  blsKey?: string;
  approve?: boolean;
  volume: string;
  wait?: string;
  timeout: string;
  json?: boolean;
}

type Status = SettlementPeriod['settlement'];

/**
 * cdrchain settle PERIOD: proposes the period's settlement (GET /settlement/{period}/draft — the
 * node's netting — signed with the operator's BLS key, the settled volume and clearing fee added,
 * submitted on POST /settle), or with --approve signs the live proposal as an involved operator
 * (rebuilt from GET /settlement/{period} and checked against its id before signing); --wait final
 * then follows the period until it is final (exit 0), expired (exit 3) or --timeout runs out (exit 9).
 */
export function registerSettle(program: Command): void {
  program
    .command('settle')
    .description("propose a closed period's settlement from the node's netting (or --approve the live proposal) and optionally wait until it is final")
    .argument('<period>', "a period id of the consortium's rule, e.g. 2026-11")
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--operator <plmn>', 'you, with the devnet keys (INSECURE)', parsePlmnOption)
    .option('--key <file>', 'your key file (batch key)')
    .option('--bls-key <file>', 'your BLS key file (bls.key.json); default: the devnet key of --operator')
    .option('--approve', 'sign the live proposal as an involved operator instead of proposing')
    .option('--volume <minor>', 'proposing in committed mode: the settled volume in minor units of the settlement currency (the clearing fee\'s base, as the settlement bank computes it); in plain mode it is the transfers\' sum', '0')
    .option('--wait <stage>', 'wait until the settlement is "final"')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '120')
    .option('--json', 'print a JSON summary')
    .addHelpText('after', '\nExit codes: 0 done (final with --wait final); 2 bad arguments or a period id the rule does not name; 3 the node refused (period_open, already_settled, proposal_pending, …) or the proposal expired; 4 the node could not be reached; 9 --timeout ran out.')
    .action(async (period: string, o: SettleOptions) => {
      if (o.wait !== undefined && o.wait !== 'final') throw new CliError(`--wait takes "final", not "${o.wait}"`, EXIT.usage);
      if (!/^[0-9]{1,28}$/.test(o.volume)) throw new CliError(`--volume must be a whole number of minor units, got "${o.volume}"`, EXIT.usage);
      const timeoutS = Number(o.timeout);
      if (!Number.isInteger(timeoutS) || timeoutS < 1) throw new CliError(`--timeout must be a positive whole number of seconds, got "${o.timeout}"`, EXIT.usage);
      const id = operatorIdentity(o, 'settle');
      const bls = operatorBlsKey(o.blsKey, id.me);
      const base = httpBase(o.url);
      const node = await fetchNodeChain(base).catch(fail(o.url));
      const api = new NodeApiClient(base, { signer: requestSigner(id.keyFile, id.me) });
      const view = await api.settlementPeriod(period).catch(fail(o.url));
      if (!isCurrency(view.currency)) throw new CliError(`the node's settlement currency "${view.currency}" is not one this client knows`, EXIT.connection);
      const chain = toHex(node.genesisHash);

      let proposal: SettlementProposal;
      let action;
      if (o.approve) {
        const s = view.settlement;
        if (s.status !== 'proposed') throw new CliError(`period ${view.period} has no live proposal to approve (${s.status})`, EXIT.rejected);
        proposal = {
          chain, periodId: view.period, currency: view.currency as Currency, operators: s.proposal.operators,
          outcome: s.proposal.mode === 'plain'
            ? { mode: 'plain', transfers: (s.proposal.plainTransfers ?? []).map((t) => ({ from: t.from, to: t.to, amount: BigInt(t.amount) })) }
            : { mode: 'committed', transfers: s.proposal.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
          settledVolume: BigInt(s.proposal.settledVolume), clearingFee: BigInt(s.proposal.clearingFee), deadlineHeight: s.deadline, attempt: s.attempt, proposer: s.proposer,
        };
        // Sign exactly what is on chain: the rebuilt bytes must hash to the proposal's id.
        if (proposalId(proposal) !== s.id) throw new CliError(`the proposal rebuilt from the node's view does not hash to its id ${s.id}: not signed`, EXIT.connection);
        if (!proposal.operators.includes(id.me)) throw new CliError(`operator ${id.me} is not involved in the ${view.period} settlement: it has nothing to approve`, EXIT.rejected);
        const signed = signAsOperator(proposal, id.me, bls);
        action = approvalAction(s.id, signed);
      } else {
        const draft = await api.settlementDraft(period).catch(fail(o.url));
        const [num, den] = draft.clearingFeeRate.split('/').map(BigInt) as [bigint, bigint];
        // Plain mode: the transfers are public and the settled volume is their sum (the chain checks it).
        const plain = draft.mode === 'plain' ? (draft.plainTransfers ?? []).map((t) => ({ from: t.from, to: t.to, amount: BigInt(t.amount) })) : undefined;
        const sum = plain?.reduce((acc, t) => acc + t.amount, 0n);
        if (sum !== undefined && o.volume !== '0' && BigInt(o.volume) !== sum) throw new CliError(`in plain mode the settled volume is the transfers' sum, ${sum}, not ${o.volume}: leave --volume out`, EXIT.usage);
        const volume = sum ?? BigInt(o.volume);
        proposal = {
          chain, periodId: draft.period, currency: view.currency as Currency, operators: draft.operators,
          outcome: plain !== undefined ? { mode: 'plain', transfers: plain } : { mode: 'committed', transfers: draft.transfers.map((t) => ({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) })) },
          settledVolume: volume, clearingFee: clearingFee(volume, rational(num, den)), deadlineHeight: draft.deadline, attempt: draft.attempt, proposer: id.me,
        };
        if (!proposal.operators.includes(id.me)) throw new CliError(`operator ${id.me} is party to no statement of ${draft.period}: only an involved operator (${draft.operators.join(', ')}) proposes`, EXIT.usage);
        action = proposalAction(proposal, signAsOperator(proposal, id.me, bls).signature);
      }
      const last = BigInt((await api.operator(id.me).catch(fail(o.url))).lastSettlementSequence);
      const tx = signSettlementTx({ submitter: id.me, sequence: last + 1n, period: view.period, chain: node.genesisHash, seed: id.batchSeed, action });
      const accepted = await api.settle(tx.frame).catch(fail(o.url));
      const pid = proposalId(proposal);
      let final: Status | undefined;
      if (o.wait === 'final') final = await waitFinal(api, period, pid, timeoutS * 1000, o.url);
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ period: view.period, action: o.approve ? 'approval' : 'proposal', proposal: pid, attempt: proposal.attempt, deadline: proposal.deadlineHeight, hash: accepted.hash, ...(final ? { settlement: final } : {}) }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${o.approve ? 'approved' : 'proposed'} the ${view.period} settlement (attempt ${proposal.attempt}, proposal ${pid}, deadline height ${proposal.deadlineHeight}): transaction ${accepted.hash}\n` +
          (final?.status === 'final' ? `final at height ${final.finalAt}; clearing fee ${final.fees.fee} (producers ${final.fees.toProducers}, validators ${final.fees.toValidators})\n` : ''),
      );
    });
}

async function waitFinal(api: NodeApiClient, period: string, id: string, timeoutMs: number, url: string): Promise<Status> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = (await api.settlementPeriod(period).catch(fail(url))).settlement;
    if (s.status === 'final') {
      if (s.id !== id) throw new CliError(`period ${period} was settled by another proposal (${s.id})`, EXIT.rejected);
      return s;
    }
    if (s.status === 'expired' && s.id === id) throw new CliError(`the proposal ${id} expired at height ${s.expiredAt} before it was approved: propose again`, EXIT.rejected);
    if (Date.now() > end) throw new CliError(`not final after ${Math.round(timeoutMs / 1000)} s (${s.status === 'proposed' ? `${s.operators.signed}/${s.operators.involved} operators, voting power ${s.votingPower.signed}/${s.votingPower.total}` : s.status})`, EXIT.timedOut);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function fail(url: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof CliError) throw err;
    if (err instanceof NodeUnreachableError) throw new CliError(`cannot reach ${url}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`, EXIT.connection);
    if (err instanceof NodeApiError && err.status === 400) throw new CliError(`${err.code}: ${err.message}`, EXIT.usage);
    if (err instanceof NodeApiError && err.code !== 'not_json') throw new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  };
}
