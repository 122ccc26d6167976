import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callViews } from '../../reconciliation/views-by-event.js';
import { pairGrossAmounts, pairStatement, settledTraffic, transferOpening } from '../../settlement/bilateral/index.js';
import { buildOperatorStatement, type OperatorStatement, type SettlementStanding } from '../../settlement/statement/operator-statement.js';
import type { PairStatement } from '../../settlement/bilateral/pair-statement.js';
import type { AffinePoint } from '../../settlement/commitment/pedersen.js';
import type { TransferOpening } from '../../settlement/disclosure/transfer-disclosure.js';
import { NodeApiError, NodeUnreachableError, type SettlementPeriod } from '../../client/node-api-client.js';
import { disclosureAction, signSettlementTx } from '../../client/settlement-tx.js';
import { fromHex } from '../../codec/bytes.js';
import { devnetEncryptionKeyPair, readEncryptionKeyFile } from '../../privacy/encryption-key-file.js';
import { checkTransferOpening } from '../transfer-check.js';
import { statementToCsv } from '../../settlement/statement/statement-csv.js';
import { statementToHtml } from '../../settlement/statement/statement-html.js';
import { statementToJson } from '../../settlement/statement/statement-json.js';
import { readCdrFiles } from '../cdr-files.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';
import { operatorIdentity, periodInputs } from '../settlement-inputs.js';
import { tolerancesFrom, withToleranceOptions } from '../tolerance-options.js';

const FORMATS = ['json', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface StatementOptions {
  disclose?: boolean;
  encryptionKey?: string;
  mine: string[];
  theirs: string[];
  url: string;
  operator?: number;
  key?: string;
  toleranceDuration: string;
  toleranceCharge: string;
  toleranceVolume: string;
  format: string;
  out?: string;
}

/**
 * cdrchain statement PERIOD: the operator's own settlement statement, built on its side: its settled
 * traffic with every partner (from its records and the partners', as `bilateral` computes it),
 * converted at the period's rates on chain, the bilateral amounts (opened with the pairs' agreement
 * secrets), its net position and transfer (the opening of the netting's N_k), fees. Nothing secret
 * is sent to the node; the node supplies public data only (rules, rates, the settlement's status).
 */
export function registerStatement(program: Command): void {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  const command = program
    .command('statement')
    .description('your settlement statement for a period (JSON, CSV or an HTML invoice), built from your records and the public rates on chain')
    .argument('<period>', "a settlement period id of the consortium's rule, e.g. 2026-11")
    .requiredOption('--mine <file>', 'your CDRs of the period, all partners (CSV, JSON or NDJSON); repeatable', collect)
    .requiredOption('--theirs <file>', "your partners' CDRs of the same calls; repeatable", collect)
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--operator <plmn>', 'you, with the devnet keys and secrets (INSECURE)', parsePlmnOption)
    .option('--key <file>', 'your key file (batch key, agreement secrets with every partner)');
  withToleranceOptions(command)
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'json')
    .option('--out <file>', 'write the statement here instead of stdout')
    .option('--disclose', "post your transfer opening, sealed to you and to the settlement bank, for the period's proposal (once it opens its T_k)")
    .option('--encryption-key <file>', 'with --disclose: your X25519 key file (its public key is the one your copy is sealed to; default: the devnet key of --operator)')
    .addHelpText('after', `
Every partner of the consortium counts: a partner without settled traffic contributes a zero line,
so the transfer is exactly what the netting computes from the recorded pair statements.
The settlement's status comes from the node (GET /settlement/{period}): not proposed, proposed,
final (with your clearing fee share) or expired; once proposed, your transfer opening is checked
against the T_k the proposal holds for you (plain mode: your net against the proposal's transfers;
no agreement secret is needed and there is nothing to --disclose).
Exit codes: 0 done; 2 bad arguments or files; 3 the period is not ready (not ended, no rate set),
or the node refused the disclosure; 4 the node could not be reached; 10 your transfer does not open
the proposal's T_k (the statement is written, marked transfer_mismatch: it is NOT settled).`)
    .action(async (period: string, o: StatementOptions) => {
      if (!(FORMATS as readonly string[]).includes(o.format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}, got "${o.format}"`, EXIT.usage);
      const id = operatorIdentity(o, 'statement');
      const tolerances = tolerancesFrom(o);
      const inputs = await periodInputs(o.url, period, id.me, id.keyFile);
      const traffic = settledTraffic(id.me, callViews(await readCdrFiles(o.mine, 'statement'), await readCdrFiles(o.theirs, 'statement')), tolerances, inputs.window);
      const partners = inputs.consortium.filter((p) => p !== id.me);
      const unknown = traffic.lines.find((l) => !partners.includes(l.partner));
      if (unknown) throw new CliError(`your records bill operator ${unknown.partner}, which is not in the consortium`, EXIT.usage);
      // Per partner, what this operator receives (> 0) or pays on the pair; plain mode needs no blinding, so no agreement secret.
      let bilateral: { partner: number; amount: bigint }[];
      let standing: Standing;
      let net: bigint;
      if (inputs.view.mode === 'plain') {
        bilateral = partners.map((partner) => {
          const g = pairGrossAmounts(traffic.lines, partner, inputs.rates, inputs.conversionFeeRate);
          return { partner, amount: g.secondOwesFirst - g.firstOwesSecond };
        });
        net = bilateral.reduce((acc, b) => acc + b.amount, 0n);
        standing = plainSettlementStanding(id.me, inputs.view.settlement, net);
      } else {
        const pairs = partners.map((partner) => pairStatement({
          chain: inputs.chain, periodId: inputs.view.period, operator: id.me, partner, lines: traffic.lines,
          rates: inputs.rates, conversionFeeRate: inputs.conversionFeeRate, pairSecret: id.pairSecret(partner),
        }));
        bilateral = pairs.map((p, i) => ({ partner: partners[i]!, amount: p.amount }));
        net = transferOpening(id.me, pairs).net;
        standing = settlementStanding(id.me, inputs.view.settlement, pairs, net);
      }
      const statement = buildOperatorStatement({
        chain: inputs.rates.chain, periodId: inputs.view.period, operator: id.me, rates: inputs.rates, conversionFeeRate: inputs.conversionFeeRate,
        lines: traffic.lines,
        bilateral,
        transfer: net,
        clearingFee: 0n,
        feeShare: standing.feeShare,
        settlement: standing.settlement,
      });
      const text = render(statement, o.format as Format);
      if (o.out) {
        writeFileSync(o.out, text);
        process.stderr.write(`statement: ${statement.lines.length} lines with ${statement.partners.length} partners, net ${statement.netPosition} minor units of ${statement.currency}, written to ${o.out}\n`);
      } else {
        process.stdout.write(text);
      }
      if (standing.settlement.status === 'transfer_mismatch') throw new CliError(`transfer mismatch: ${standing.settlement.detail ?? ''}`, EXIT.transferMismatch);
      if (o.disclose) {
        if (inputs.view.mode === 'plain') throw new CliError(`nothing to disclose: this consortium settles in plain mode, its transfers are on chain in the clear (no T_k to open)`, EXIT.rejected);
        if (inputs.view.settlement.status === 'expired') throw new CliError(`nothing to disclose: the ${inputs.view.period} proposal expired; disclose for the next attempt`, EXIT.rejected);
        if (standing.opening === undefined || standing.proposal === undefined) {
          throw new CliError(`nothing to disclose: ${inputs.view.settlement.status === 'none' ? `period ${inputs.view.period} has no proposal yet` : `you are not involved in the ${inputs.view.period} proposal`}`, EXIT.rejected);
        }
        const bank = inputs.view.bank;
        if (bank === undefined) throw new CliError('the chain names no settlement bank (genesis settlement.bank): there is nobody to disclose to', EXIT.rejected);
        let mine;
        try {
          mine = o.encryptionKey ? readEncryptionKeyFile(o.encryptionKey) : await devnetEncryptionKeyPair(id.me);
        } catch (err) {
          throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
        }
        if (mine.plmn !== id.me) throw new CliError(`${o.encryptionKey ?? 'the encryption key'} is operator ${mine.plmn}'s, not ${id.me}'s`, EXIT.usage);
        const action = await disclosureAction({
          chain: inputs.chain, periodId: inputs.view.period, proposalId: standing.proposal.id, operator: id.me, transfer: standing.proposal.transfer,
          opening: standing.opening, operatorKey: mine.publicKey, bankKey: fromHex(bank.encryptionKey, 32),
        });
        const fail = (err: unknown): never => {
          if (err instanceof NodeUnreachableError) throw new CliError(`cannot reach ${o.url}`, EXIT.connection);
          if (err instanceof NodeApiError) throw new CliError(`the node refused the disclosure: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
          throw err;
        };
        const last = BigInt((await inputs.api.operator(id.me).catch(fail)).lastSettlementSequence);
        const tx = signSettlementTx({ submitter: id.me, sequence: last + 1n, period: inputs.view.period, chain: inputs.chain, seed: id.batchSeed, action });
        const accepted = await inputs.api.settle(tx.frame).catch(fail);
        process.stderr.write(`statement: disclosed your transfer opening of proposal ${standing.proposal.id} to you and the settlement bank ${bank.id}: transaction ${accepted.hash}\n`);
      }
    });
}

interface Standing {
  readonly settlement: SettlementStanding;
  readonly feeShare: bigint;
  /** Set when the proposal holds a T_k for the operator and its opening opens it. */
  readonly opening?: TransferOpening;
  readonly proposal?: { readonly id: string; readonly transfer: AffinePoint };
}

/**
 * Where the period's settlement stands for `me` (GET /settlement/{period}), and whether its own
 * transfer opening opens the T_k the chain's proposal holds for it: a proposal that names it with
 * another T_k, or leaves it out while it has a transfer, is a mismatch, never shown as settled.
 */
function settlementStanding(me: number, s: SettlementPeriod['settlement'], pairs: readonly PairStatement[], net: bigint): Standing {
  if (s.status === 'none') return { settlement: { status: 'not_proposed' }, feeShare: 0n };
  const status = s.status;
  const base = { proposalId: s.id, ...(s.status === 'final' ? { height: s.finalAt } : {}) };
  const feeShare = s.status === 'final' ? BigInt(s.fees.shares.find((x) => x.validator === me)?.amount ?? '0') : 0n;
  const k = s.proposal.operators.indexOf(me);
  if (k < 0) {
    if (net === 0n) return { settlement: { status, ...base }, feeShare };
    return { settlement: { status: 'transfer_mismatch', ...base, transferOpens: false, detail: `the proposal ${s.id} does not involve you, but your records give you a transfer of ${net} minor units` }, feeShare };
  }
  const t = s.proposal.transfers[k]!;
  const transfer = { x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) };
  const check = checkTransferOpening(me, pairs, transfer);
  if (!check.opens) return { settlement: { status: 'transfer_mismatch', ...base, transferOpens: false, detail: check.detail }, feeShare };
  return { settlement: { status, ...base, transferOpens: true }, feeShare, opening: { net: check.net, blinding: check.blinding }, proposal: { id: s.id, transfer } };
}

/**
 * Plain mode: the proposal's transfers are in the clear, so `me`'s standing is whether what they pay
 * it (received minus paid) is its own net; a proposal that leaves it out while it has one is a mismatch.
 */
function plainSettlementStanding(me: number, s: SettlementPeriod['settlement'], net: bigint): Standing {
  if (s.status === 'none') return { settlement: { status: 'not_proposed' }, feeShare: 0n };
  const status = s.status;
  const base = { proposalId: s.id, ...(s.status === 'final' ? { height: s.finalAt } : {}) };
  const feeShare = s.status === 'final' ? BigInt(s.fees.shares.find((x) => x.validator === me)?.amount ?? '0') : 0n;
  let received = 0n;
  for (const t of s.proposal.plainTransfers ?? []) {
    if (t.to === me) received += BigInt(t.amount);
    if (t.from === me) received -= BigInt(t.amount);
  }
  if (received !== net) {
    return { settlement: { status: 'transfer_mismatch', ...base, detail: `the proposal ${s.id} pays you ${received} minor units net, your records give ${net}` }, feeShare };
  }
  // No transferOpens: there is no T_k in plain mode (the flag reads "opens the proposal's T_k").
  return { settlement: { status, ...base }, feeShare };
}

function render(s: OperatorStatement, format: Format): string {
  if (format === 'csv') return statementToCsv(s);
  if (format === 'html') return statementToHtml(s);
  return `${JSON.stringify(statementToJson(s), null, 2)}\n`;
}
