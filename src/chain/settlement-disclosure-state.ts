import { systemContractId } from '../vm/system/index.js';
import type { SlotReader } from './settlement-state.js';

/**
 * Where the chain keeps disclosed transfer openings (docs/settlement.md, "Disclosure of transfer
 * openings"): slots of the system contract `settlement-disclosure`, written by the block that applies
 * the disclosure (its LMDB transaction, its state root). Only ciphertexts: the node never holds an
 * opening.
 *
 * Period key k, operator at consortium index i, base b = (k << 32) + (i << 3):
 * b+0 the proposal's attempt the opening is for, b+1..b+3 the opening sealed to the operator
 * (96 bytes, three words), b+4..b+6 sealed to the settlement bank. A later attempt overwrites them.
 */
export const DISCLOSURES_ID = systemContractId('settlement-disclosure');
const SEALED_WORDS = 3;

function base(key: bigint, index: number): bigint {
  return (key << 32n) + (BigInt(index) << 3n);
}

function toWords(bytes: Uint8Array): bigint[] {
  return Array.from({ length: SEALED_WORDS }, (_, w) => BigInt(`0x${Buffer.from(bytes.subarray(32 * w, 32 * w + 32)).toString('hex')}`));
}

function fromWords(words: readonly bigint[]): Uint8Array {
  return new Uint8Array(Buffer.from(words.map((w) => w.toString(16).padStart(64, '0')).join(''), 'hex'));
}

export interface StoredDisclosure {
  readonly attempt: number;
  readonly toOperator: Uint8Array;
  readonly toBank: Uint8Array;
}

/** The disclosure of the operator at consortium index `index`, if any (of whichever attempt). */
export function readDisclosure(state: SlotReader, key: bigint, index: number): StoredDisclosure | undefined {
  const b = base(key, index);
  const attempt = state.slot(DISCLOSURES_ID, b);
  if (attempt === 0n) return undefined;
  const words = (from: bigint): bigint[] => Array.from({ length: SEALED_WORDS }, (_, w) => state.slot(DISCLOSURES_ID, b + from + BigInt(w)));
  return { attempt: Number(attempt), toOperator: fromWords(words(1n)), toBank: fromWords(words(4n)) };
}

export function disclosureWrites(key: bigint, index: number, d: StoredDisclosure): [bigint, bigint][] {
  const b = base(key, index);
  const out: [bigint, bigint][] = [[b, BigInt(d.attempt)]];
  toWords(d.toOperator).forEach((w, i) => out.push([b + 1n + BigInt(i), w]));
  toWords(d.toBank).forEach((w, i) => out.push([b + 4n + BigInt(i), w]));
  return out;
}

/** GET /settlement/{period}/disclosures/{plmn}: an involved operator's sealed transfer opening (its audience: the operator and the settlement bank). */
export interface SettlementDisclosureView {
  period: string;
  operator: number;
  /** The proposal the opening is for (hex id, attempt) and the T_k it opens (x, y hex). */
  proposalId: string;
  attempt: number;
  transfer: { x: string; y: string };
  /** Where the proposal stands: a disclosure of an expired proposal opens nothing that settles. */
  settlement: 'proposed' | 'final' | 'expired';
  /** HPKE-sealed openings (hex, 96 bytes each): to the operator's genesis privacy key, to the settlement bank's key. */
  toOperator: string;
  toBank: string;
}
