// What the operator-side settlement commands (bilateral, statement) need besides their own records:
// who the operator is and its secrets (a key file, or the devnet's well-known INSECURE ones), its BLS
// key, the period's public rules and rates from the node, and the pair's tolerances.

import { isCurrency } from '../cdr/currency.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { devnetBatchSeed, devnetBlsSeed } from '../chain/genesis.js';
import { readKeyFile, type KeyFile } from '../client/key-file.js';
import { NodeApiClient, NodeApiError, NodeUnreachableError, type SettlementPeriod } from '../client/node-api-client.js';
import { fetchNodeChain, httpBase } from '../client/node-http.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { readBlsKeyFile } from '../crypto/bls/key-file.js';
import type { VerdictTolerances } from '../reconciliation/verdict.js';
import type { PeriodWindow } from '../settlement/bilateral/settled-traffic.js';
import { fxRateSet, type FxRateSet } from '../settlement/fx/fx-rate-book.js';
import { rational, type Rational } from '../settlement/fx/rational.js';
import { CliError, EXIT } from './errors.js';
import { requestSigner } from './request-signing.js';

export interface OperatorIdentity {
  readonly me: number;
  readonly keyFile: KeyFile | undefined;
  pairSecret(partner: number): Uint8Array;
  /** The Ed25519 seed of its batch key (signs transactions). */
  readonly batchSeed: Uint8Array;
}

/** --key FILE (with its agreement secrets), or --operator PLMN with the devnet's INSECURE secrets. */
export function operatorIdentity(o: { key?: string; operator?: number }, tool: string): OperatorIdentity {
  if (o.key) {
    let k: KeyFile;
    try {
      k = readKeyFile(o.key);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
    }
    if (o.operator !== undefined && o.operator !== k.plmn) throw new CliError(`the key file is operator ${k.plmn}'s, not ${o.operator}'s`, EXIT.usage);
    return {
      me: k.plmn,
      keyFile: k,
      batchSeed: fromHex(k.batchSeed, 32),
      pairSecret(partner) {
        const hex = k.pairSecrets?.[String(partner)];
        if (!hex) throw new CliError(`${o.key} holds no agreement secret with ${partner}: add it to pairSecrets`, EXIT.usage);
        return fromHex(hex, 32);
      },
    };
  }
  if (o.operator === undefined) throw new CliError('say who you are: --key FILE, or --operator PLMN on a devnet', EXIT.usage);
  process.stderr.write(`${tool}: using the devnet secrets and keys of ${o.operator} (INSECURE; pass --key and --bls-key for real ones)\n`);
  const secrets = devnetSecrets(o.operator);
  return { me: o.operator, keyFile: undefined, batchSeed: devnetBatchSeed(o.operator), pairSecret: (partner) => secrets.pairSecret(partner) };
}

/** The operator's BLS secret key: --bls-key FILE (bls.key.json), or the devnet's for `me`. */
export function operatorBlsKey(file: string | undefined, me: number): Uint8Array {
  if (!file) return blsKeyPairFromSeed(devnetBlsSeed(me)).secretKey;
  let k: { plmn: number; secretKey: Uint8Array };
  try {
    k = readBlsKeyFile(file);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
  }
  if (k.plmn !== me) throw new CliError(`${file} is operator ${k.plmn}'s BLS key, not ${me}'s`, EXIT.usage);
  return k.secretKey;
}

export interface PeriodInputs {
  readonly api: NodeApiClient;
  readonly chain: Uint8Array;
  readonly consortium: readonly number[];
  readonly view: SettlementPeriod;
  readonly window: PeriodWindow;
  readonly rates: FxRateSet;
  readonly conversionFeeRate: Rational;
}

function fraction(s: string, what: string): Rational {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(s);
  if (!m || BigInt(m[2]!) === 0n) throw new CliError(`the node's ${what} "${s}" is not a fraction num/den`, EXIT.connection);
  return rational(BigInt(m[1]!), BigInt(m[2]!));
}

/** The chain, the consortium and the period's rules and rate set, from the node; a period without rates cannot be settled yet. */
export async function periodInputs(url: string, period: string, me: number, keyFile: KeyFile | undefined): Promise<PeriodInputs> {
  const base = httpBase(url);
  const fail = (err: unknown): never => {
    if (err instanceof NodeUnreachableError) throw new CliError(`cannot reach ${url}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`, EXIT.connection);
    if (err instanceof NodeApiError && err.status === 400) throw new CliError(`${err.code}: ${err.message}`, EXIT.usage);
    if (err instanceof NodeApiError) throw new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  };
  const node = await fetchNodeChain(base).catch(fail);
  const api = new NodeApiClient(base, { signer: requestSigner(keyFile, me) });
  const [status, view] = await Promise.all([api.status().catch(fail), api.settlementPeriod(period).catch(fail)]);
  const consortium = status.operators.map((o) => o.plmn).sort((a, b) => a - b);
  if (!consortium.includes(me)) throw new CliError(`operator ${me} is not in the node's consortium (${consortium.join(', ')})`, EXIT.usage);
  if (!view.ended) throw new CliError(`period ${view.period} has not ended (it ends ${view.end}): its traffic is not settled yet`, EXIT.rejected);
  if (!view.fx) throw new CliError(`period ${view.period} has no rate set on chain yet: the rate publishers submit it first`, EXIT.rejected);
  if (!isCurrency(view.fx.base)) throw new CliError(`the node's settlement currency "${view.fx.base}" is not one this client knows`, EXIT.connection);
  const rates = fxRateSet({
    chain: toHex(node.genesisHash),
    periodId: view.period,
    base: view.fx.base,
    rates: new Map(Object.entries(view.fx.rates).map(([c, r]) => {
      if (!isCurrency(c)) throw new CliError(`the node's rate set names an unknown currency "${c}"`, EXIT.connection);
      return [c, fraction(String(r), `${c} rate`)] as const;
    })),
    override: view.fx.override,
  });
  const seconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
  return {
    api, chain: node.genesisHash, consortium, view, rates,
    window: { startSeconds: seconds(view.start), endSeconds: seconds(view.end) },
    conversionFeeRate: fraction(view.conversionFee, 'conversion fee'),
  };
}
