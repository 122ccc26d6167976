import type { Command } from 'commander';
import { formatMinorUnits, isCurrency } from '../../cdr/currency.js';
import { devnetSettlementBank } from '../../chain/genesis.js';
import { bankKeys, BankKeyFileError, readBankKeyFile, type BankKeys } from '../../client/bank-key-file.js';
import { NodeApiClient, NodeApiError, NodeUnreachableError } from '../../client/node-api-client.js';
import { fetchNodeChain, httpBase } from '../../client/node-http.js';
import { OperatorRequestSigner } from '../../client/request-signer.js';
import { fromHex } from '../../codec/bytes.js';
import { commit, commitmentFromAffine, JUBJUB_ORDER } from '../../settlement/commitment/pedersen.js';
import { CommitmentError } from '../../settlement/errors.js';
import { DisclosureError, openSealedOpening } from '../../settlement/disclosure/transfer-disclosure.js';
import { CliError, EXIT } from '../errors.js';

interface BankOpenOptions {
  url: string;
  bankKey?: string;
  json?: boolean;
}

/** One involved operator's transfer as the bank opens it. */
interface OpenedTransfer {
  operator: number;
  /** disclosed: opened and checked; missing: no disclosure of the current proposal; mismatch: it does not open T_k (or does not decrypt). */
  status: 'opens' | 'missing' | 'mismatch';
  net?: string;
  detail?: string;
}

/**
 * cdrchain bank-open PERIOD: the settlement bank opens every involved operator's transfer T_k of the
 * period's proposal from the disclosures on chain (GET /settlement/{period}/disclosures/{plmn},
 * signed with its request key), checks each opening opens its T_k and that the openings sum to zero
 * (net positions and blindings), and prints what each operator pays or receives.
 */
export function registerBankOpen(program: Command): void {
  program
    .command('bank-open')
    .description("the settlement bank: open every operator's transfer of a period's proposal from their disclosures, check each opens its T_k and that they sum to zero")
    .argument('<period>', "a period id of the consortium's rule, e.g. 2026-11")
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--bank-key <file>', "the bank's key file (settlement-bank.key.json); default: the devnet's INSECURE bank keys")
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit codes: 0 every transfer opens and they sum to zero; 2 bad arguments; 3 no proposal, an operator has not disclosed yet, or a plain-mode consortium (nothing to open); 4 the node could not be reached or refused; 10 an opening does not open its T_k, or the openings do not sum to zero.')
    .action(async (period: string, o: BankOpenOptions) => {
      const keys = bankKeysOf(o.bankKey);
      const base = httpBase(o.url);
      const fail = (err: unknown): never => {
        if (err instanceof NodeUnreachableError) throw new CliError(`cannot reach ${o.url}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`, EXIT.connection);
        if (err instanceof NodeApiError && err.status === 400) throw new CliError(`${err.code}: ${err.message}`, EXIT.usage);
        if (err instanceof NodeApiError) throw new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.connection);
        throw err;
      };
      const node = await fetchNodeChain(base).catch(fail);
      const api = new NodeApiClient(base, { signer: OperatorRequestSigner.fromSeed(keys.id, keys.requestSeed) });
      const view = await api.settlementPeriod(period).catch(fail);
      // Plain mode: the transfers are public (no T_k, no disclosures), so there is nothing to open.
      if (view.mode === 'plain') throw new CliError(`this consortium settles in plain mode: the ${view.period} transfers are in the clear (cdrchain settlement ${view.period}), there are no openings`, EXIT.rejected);
      if (view.bank === undefined) throw new CliError('the chain names no settlement bank (genesis settlement.bank)', EXIT.rejected);
      if (view.bank.id !== keys.id || view.bank.encryptionKey !== Buffer.from(keys.encryptionPublicKey).toString('hex')) {
        throw new CliError(`these are not the keys of the chain's settlement bank ${view.bank.id}`, EXIT.usage);
      }
      const s = view.settlement;
      if (s.status === 'none') throw new CliError(`period ${view.period} has no settlement proposal: nothing to open`, EXIT.rejected);
      const currency = isCurrency(view.currency) ? view.currency : undefined;
      const opened: OpenedTransfer[] = [];
      let sumNet = 0n;
      let sumBlinding = 0n;
      for (const [k, operator] of s.proposal.operators.entries()) {
        const t = s.proposal.transfers[k]!;
        let disclosure;
        try {
          disclosure = await api.settlementDisclosure(view.period, operator);
        } catch (err) {
          if (err instanceof NodeApiError && err.status === 404) {
            opened.push({ operator, status: 'missing' });
            continue;
          }
          fail(err);
        }
        if (disclosure!.proposalId !== s.id) {
          opened.push({ operator, status: 'missing', detail: `its disclosure is of proposal ${disclosure!.proposalId}` });
          continue;
        }
        try {
          const opening = await openSealedOpening({ chain: node.genesisHash, periodId: view.period, proposalId: fromHex(s.id, 32), operator }, 'bank', keys.encryptionPrivateKey, fromHex(disclosure!.toBank));
          const point = commitmentFromAffine({ x: BigInt(`0x${t.x}`), y: BigInt(`0x${t.y}`) });
          if (!point.equals(commit(opening.net, opening.blinding))) {
            opened.push({ operator, status: 'mismatch', net: opening.net.toString(), detail: 'the disclosed opening does not open its T_k' });
            continue;
          }
          sumNet += opening.net;
          sumBlinding += opening.blinding;
          opened.push({ operator, status: 'opens', net: opening.net.toString() });
        } catch (err) {
          if (err instanceof DisclosureError || err instanceof CommitmentError) {
            opened.push({ operator, status: 'mismatch', detail: err.message });
            continue;
          }
          throw err;
        }
      }
      const missing = opened.filter((x) => x.status === 'missing').length;
      const mismatched = opened.filter((x) => x.status === 'mismatch').length;
      // Only a complete set sums to zero: net positions exactly, blindings mod ℓ (Σ N_k is the identity).
      const complete = missing === 0 && mismatched === 0;
      const sumsToZero = complete ? sumNet === 0n && sumBlinding % JUBJUB_ORDER === 0n : undefined;
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ period: view.period, proposal: s.id, status: s.status, currency: view.currency, transfers: opened, complete, ...(sumsToZero !== undefined ? { sumsToZero } : {}) }, null, 2)}\n`);
      } else {
        const money = (v: string | undefined): string => (v === undefined ? '' : currency ? `${formatMinorUnits(BigInt(v), currency)} ${currency}` : v);
        process.stdout.write(`period ${view.period}, proposal ${s.id} (${s.status}):\n`);
        for (const x of opened) process.stdout.write(`  ${x.operator}  ${x.status.padEnd(8)} ${money(x.net)}${x.detail ? `  (${x.detail})` : ''}\n`);
        process.stdout.write(complete ? `every transfer opens; they ${sumsToZero ? 'sum to zero' : 'do NOT sum to zero'}\n` : `${missing} not disclosed, ${mismatched} not opening\n`);
      }
      if (mismatched > 0 || sumsToZero === false) throw new CliError(mismatched > 0 ? `${mismatched} transfer opening(s) do not open their T_k` : 'the transfer openings do not sum to zero', EXIT.transferMismatch);
      if (missing > 0) throw new CliError(`${missing} involved operator(s) have not disclosed their transfer opening of proposal ${s.id} yet`, EXIT.rejected);
    });
}

function bankKeysOf(file: string | undefined): BankKeys {
  if (!file) {
    process.stderr.write('bank-open: using the devnet settlement bank keys (INSECURE; pass --bank-key for real ones)\n');
    const d = devnetSettlementBank();
    return bankKeys(d.bank.id, d.encryptionPrivateKey, d.requestSeed);
  }
  try {
    return readBankKeyFile(file);
  } catch (err) {
    if (err instanceof BankKeyFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}
