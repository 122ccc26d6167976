// Real Groth16 proofs on the 4-record test circuit (built once by scripts/build-circuits.mjs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf } from '../cdr/batch-builder.js';
import { CdrDeriver } from '../cdr/derive.js';
import type { Cdr } from '../cdr/model.js';
import { devnetSecrets } from '../cdr/operator-secrets.js';
import { generateTraffic } from '../cdr/synthetic.js';
import { PUBLIC_RECORD_BYTES, RECORD_OFFSET } from '../codec/limits.js';
import { PoseidonWasm, bytesToField, fieldToBytes } from '../wasm/poseidon.js';
import type { ChunkArtifacts } from './artifacts.js';
import { decodeBatchProof, encodeBatchProof, proveBatch, verifyBatchProof, type BatchProof, type BatchProofHeader } from './batch-proof.js';
import { curveCheck } from './test-helpers/noble-groth16.js';
import { releaseProofCurve, useSingleThreadProofCurve } from './curve.js';
import { ProofEncodingError, ProofInputError, WitnessError } from './errors.js';
import { PROOF_BYTES, decodeProof, encodeProof } from './proof-codec.js';
import { chunkWitness, proveChunk } from './prove.js';
import { openingOfCdr, type RecordOpening } from './record-opening.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits } from './test-helpers/built-circuits.js';
import { chargeCommitment, chargeSalt, totalsCommitment, totalsOf, totalsSalt } from './totals.js';
import { verifyChunkProof, verifyChunkProofBytes } from './verify.js';
import { encodeVerificationKey } from './verification-key.js';
import { commitTotals, currencyGenerator } from '../settlement/commitment/currency-generators.js';
import { JUBJUB_P, JubjubPoint, PEDERSEN_H, toAffine } from '../settlement/commitment/pedersen.js';

const poseidon = PoseidonWasm.load();
const hash2 = (l: bigint, r: bigint): bigint => poseidon.hash([l, r]);
const [A, B] = [26201, 23410];
const secrets = devnetSecrets(A);
const context = { chainId: new Uint8Array(32).fill(0xc4), submitter: A, counterparty: B, sequence: 42n };

function batchOf(cdrs: readonly Cdr[]): { header: BatchProofHeader; openings: RecordOpening[] } {
  const records = new CdrDeriver(secrets, poseidon).publicRecords(cdrs);
  const header = {
    merkleRoot: poseidon.merkleRootStrided(records, cdrs.length, PUBLIC_RECORD_BYTES, RECORD_OFFSET.commitment),
    recordCount: cdrs.length,
    ...periodOf(cdrs.map((c) => c.startTime)),
  };
  return { header, openings: cdrs.map((c) => openingOfCdr(c, secrets, poseidon)) };
}

const cdrs = [...generateTraffic({ seed: 'proofs-batch', submitter: A, counterparty: B, count: 6, startTime: 1_764_000_000, periodSeconds: 3_600 })];
const { header, openings } = batchOf(cdrs);
const claim = {
  periodStart: header.periodStart, periodEnd: header.periodEnd,
  totalsSalt: (k: number) => totalsSalt(secrets.pairSecret(B), context, k),
  chargeSalt: (k: number) => chargeSalt(secrets.pairSecret(B), context, k),
};

let artifacts: ChunkArtifacts;
let proof: BatchProof;

beforeAll(async () => {
  artifacts = await builtTestCircuits();
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await releaseProofCurve();
});

const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;
// Proving takes seconds per chunk here, more while the rest of the suite runs on the same two cores.
const PROOF_TEST = { timeout: 300_000 };

describe('a valid batch', PROOF_TEST, () => {
  it('proves (6 records: two chunks of 4) and verifies against the batch header', async () => {
    const t = process.hrtime.bigint();
    const made = await proveBatch(artifacts, openings, claim, poseidon);
    const proveMs = ms(t);
    proof = made.proof;
    expect(proof.chunks).toHaveLength(2);
    const v = process.hrtime.bigint();
    expect(await verifyBatchProof(artifacts.verificationKey, header, proof, hash2)).toBe(true);
    const verifyMs = ms(v);
    // The figures docs/proofs.md records (tiny circuit; run on a shared 2-core machine).
    console.log(`batch_chunk_4 (${artifacts.constraints} constraints): prove ${(proveMs / 2).toFixed(0)} ms/chunk, verify ${(verifyMs / 2).toFixed(1)} ms/chunk (first, includes curve build)`);

    // The committed totals are the sums, and the pair can open them (it derives the salt).
    const sum = made.totals.reduce((s, x) => s + x.charge, 0n);
    expect(sum).toBe(cdrs.reduce((s, c) => s + c.charge, 0n));
    made.totals.forEach((totals, k) => {
      expect(proof.chunks[k]!.totalsCommitment).toBe(totalsCommitment(totals, totalsSalt(devnetSecrets(B).pairSecret(A), context, k), poseidon));
    });
  });

  it('proves in seconds and verifies in milliseconds once the curve is built (3 proofs, 9 verifications)', async () => {
    const w = chunkWitness(openings.slice(0, 4), 4, { periodStart: header.periodStart, periodEnd: header.periodEnd, totalsSalt: claim.totalsSalt(0), chargeSalt: claim.chargeSalt(0) }, poseidon);
    const median = async (runs: number, f: () => Promise<unknown>): Promise<string> => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = process.hrtime.bigint();
        await f();
        times.push(ms(t));
      }
      times.sort((a, b) => a - b);
      return `median ${times[runs >> 1]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms`;
    };
    const prove = await median(3, async () => expect((await proveChunk(artifacts, w)).statement).toEqual(w.statement));
    const verify = await median(9, async () => expect(await verifyChunkProof(artifacts.verificationKey, w.statement, proof.chunks[0]!.proof)).toBe(true));
    console.log(`batch_chunk_4 (${artifacts.constraints} constraints): prove ${prove}; verify ${verify}`);
  });

  it('verifies on a single-threaded curve, as a pool worker would, and releases it', async () => {
    await useSingleThreadProofCurve();
    const c = proof.chunks[0]!;
    const statement = { root: c.root, count: 4, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: c.totalsCommitment, chargeCommitment: c.chargeCommitment };
    expect(await verifyChunkProof(artifacts.verificationKey, statement, c.proof)).toBe(true);
    expect(await verifyChunkProof(artifacts.verificationKey, { ...statement, count: 3 }, c.proof)).toBe(false);
    await releaseProofCurve();
    expect((globalThis as { curve_bn128?: unknown }).curve_bn128).toBeNull();
  });

  it('round-trips through its byte encoding, and verifies from bytes', async () => {
    const bytes = encodeBatchProof(proof);
    expect(bytes.length).toBe(9 + 2 * (128 + PROOF_BYTES));
    const back = decodeBatchProof(bytes);
    expect(back).toEqual(proof);
    expect(await verifyBatchProof(artifacts.verificationKey, header, back, hash2)).toBe(true);
    const c = back.chunks[1]!;
    const statement = { root: c.root, count: 2, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: c.totalsCommitment, chargeCommitment: c.chargeCommitment };
    expect(await verifyChunkProofBytes(encodeVerificationKey(artifacts.verificationKey), statement, encodeProof(c.proof))).toBe(true);
  });

  it('is a standard Groth16 proof: an independent pairing check (@noble/curves bn254) accepts it', () => {
    const c = proof.chunks[1]!;
    const { x, y } = c.chargeCommitment;
    const good = [c.root, 2n, header.periodStart, header.periodEnd, c.totalsCommitment, x, y];
    expect(curveCheck(artifacts.verificationKey, good, c.proof)).toBe(true);
    expect(curveCheck(artifacts.verificationKey, [c.root, 3n, header.periodStart, header.periodEnd, c.totalsCommitment, x, y], c.proof)).toBe(false);
  });
});

describe('what fails verification (a proof exists, the statement is another)', PROOF_TEST, () => {
  const chunk = (k: number) => proof.chunks[k]!;

  it('a tampered public input of one chunk', async () => {
    const c = chunk(1);
    const base = { root: c.root, count: 2, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: c.totalsCommitment, chargeCommitment: c.chargeCommitment };
    expect(await verifyChunkProof(artifacts.verificationKey, base, c.proof)).toBe(true);
    for (const tampered of [
      { ...base, root: base.root + 1n },
      { ...base, count: 3 },
      { ...base, periodStart: base.periodStart - 1n },
      { ...base, periodEnd: base.periodEnd + 1n },
      { ...base, totalsCommitment: base.totalsCommitment + 1n },
      { ...base, chargeCommitment: { ...base.chargeCommitment, x: base.chargeCommitment.x + 1n } },
      { ...base, chargeCommitment: { x: JUBJUB_P - base.chargeCommitment.x, y: base.chargeCommitment.y } }, // −P
    ]) {
      expect(await verifyChunkProof(artifacts.verificationKey, tampered, c.proof)).toBe(false);
    }
  });

  it('another record count or period in the header (count and period come from the header, not the prover)', async () => {
    // 5 records have the same tree depth as 6, so the roots still compose: the proofs' `count` refuses it.
    expect(await verifyBatchProof(artifacts.verificationKey, { ...header, recordCount: 5 }, proof, hash2)).toBe(false);
    expect(await verifyBatchProof(artifacts.verificationKey, { ...header, periodEnd: header.periodEnd + 60n }, proof, hash2)).toBe(false);
  });

  it('a wrong total: the commitment of another charge total', async () => {
    const c = chunk(0);
    const totals = totalsOf(openings.slice(0, 4));
    const salt = claim.totalsSalt(0);
    expect(totalsCommitment(totals, salt, poseidon)).toBe(c.totalsCommitment);
    for (const wrong of [{ ...totals, charge: totals.charge + 1n }, { ...totals, durationSec: totals.durationSec - 1n }, { ...totals, currency: 826 }]) {
      const statement = { root: c.root, count: 4, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: totalsCommitment(wrong, salt, poseidon), chargeCommitment: c.chargeCommitment };
      expect(await verifyChunkProof(artifacts.verificationKey, statement, c.proof)).toBe(false);
    }
  });

  it('a wrong root: the proof checked against another batch header', async () => {
    const other = batchOf([...generateTraffic({ seed: 'proofs-other', submitter: A, counterparty: B, count: 6, startTime: 1_764_000_000, periodSeconds: 3_600 })]).header;
    expect(await verifyBatchProof(artifacts.verificationKey, { ...header, merkleRoot: other.merkleRoot }, proof, hash2)).toBe(false);
    expect(await verifyBatchProof(artifacts.verificationKey, { ...header, merkleRoot: fieldToBytes(bytesToField(header.merkleRoot) ^ 1n) }, proof, hash2)).toBe(false);
  });

  it('swapped records: the chunk proofs in the wrong order, or a batch whose records were reordered', async () => {
    expect(await verifyBatchProof(artifacts.verificationKey, header, { ...proof, chunks: [chunk(1), chunk(0)] }, hash2)).toBe(false);
    // Records 0 and 4 swapped between chunks (same counts): a valid proof of the reordered batch, not of this one.
    const swapped = [...openings];
    [swapped[0], swapped[4]] = [swapped[4]!, swapped[0]!];
    const reordered = await proveBatch(artifacts, swapped, claim, poseidon);
    expect(await verifyBatchProof(artifacts.verificationKey, header, reordered.proof, hash2)).toBe(false);
  });

  it('altered proof bytes: refused by the decoder or by verification, never accepted', async () => {
    const c = chunk(0);
    const statement = { root: c.root, count: 4, periodStart: header.periodStart, periodEnd: header.periodEnd, totalsCommitment: c.totalsCommitment, chargeCommitment: c.chargeCommitment };
    const bytes = encodeProof(c.proof);
    for (const at of [0, 31, 63, 64, 100, 191, 192, 255]) {
      const bad = Uint8Array.from(bytes);
      bad[at]! ^= 0x01;
      let accepted = false;
      try {
        accepted = await verifyChunkProof(artifacts.verificationKey, statement, decodeProof(bad));
      } catch (e) {
        expect(e).toBeInstanceOf(ProofEncodingError);
      }
      expect(accepted).toBe(false);
    }
    expect(() => decodeProof(bytes.subarray(1))).toThrow(ProofEncodingError);
    expect(() => decodeBatchProof(encodeBatchProof(proof).subarray(0, 100))).toThrow(ProofEncodingError);
  });
});

describe('what fails to produce a witness (no proof exists)', PROOF_TEST, () => {
  const chunkClaim = { periodStart: header.periodStart, periodEnd: header.periodEnd, totalsSalt: claim.totalsSalt(0), chargeSalt: claim.chargeSalt(0) };

  it('a statement with a wrong total', async () => {
    const w = chunkWitness(openings.slice(0, 4), 4, chunkClaim, poseidon);
    const wrong = totalsCommitment({ ...w.totals, charge: w.totals.charge + 1n }, w.totalsSalt, poseidon);
    await expect(proveChunk(artifacts, { ...w, statement: { ...w.statement, totalsCommitment: wrong } })).rejects.toThrow(WitnessError);
    // The sums are computed in the circuit, not taken from the prover; the chunk's currency is every
    // record's currency, so another one changes each commitment.
    await expect(proveChunk(artifacts, { ...w, totals: { ...w.totals, currency: w.totals.currency === 978 ? 826 : 978 } })).rejects.toThrow(WitnessError);
  });

  it('a statement with a wrong root, or a record swapped for another', async () => {
    const w = chunkWitness(openings.slice(0, 4), 4, chunkClaim, poseidon);
    await expect(proveChunk(artifacts, { ...w, statement: { ...w.statement, root: w.statement.root + 1n } })).rejects.toThrow(WitnessError);
    const swapped = [openings[1]!, openings[0]!, openings[2]!, openings[3]!];
    await expect(proveChunk(artifacts, { ...w, openings: swapped })).rejects.toThrow(WitnessError);
    const foreign = [...openings.slice(0, 3), openings[5]!];
    await expect(proveChunk(artifacts, { ...w, openings: foreign })).rejects.toThrow(WitnessError);
    // An altered field of one record (its charge) changes its commitment: no witness either.
    const altered = [{ ...openings[0]!, charge: openings[0]!.charge + 1n }, ...openings.slice(1, 4)];
    await expect(proveChunk(artifacts, { ...w, openings: altered })).rejects.toThrow(WitnessError);
  });

  it('out-of-range, out-of-period or mixed-currency records are refused before proving, naming the record', () => {
    const bad = (change: Partial<RecordOpening>, reason: string): void => {
      const records = [...openings.slice(0, 4)];
      records[2] = { ...records[2]!, ...change };
      expect(() => chunkWitness(records, 4, chunkClaim, poseidon)).toThrow(expect.objectContaining({ reason, index: 2 }) as ProofInputError);
    };
    bad({ charge: 10n ** 12n + 1n }, 'range');
    bad({ startTime: Number(header.periodEnd) }, 'period');
    bad({ startTime: Number(header.periodStart) - 1 }, 'period');
    bad({ currency: openings[0]!.currency === 978 ? 826 : 978 }, 'currency');
    expect(() => chunkWitness(openings.slice(0, 5), 4, chunkClaim, poseidon)).toThrow(ProofInputError);
  });

  it('a charge beyond the limit fails in the circuit too, not only in TypeScript', async () => {
    const w = chunkWitness(openings.slice(0, 4), 4, chunkClaim, poseidon);
    const over = [{ ...openings[0]!, charge: 10n ** 12n + 1n }, ...openings.slice(1, 4)];
    // A statement computed honestly for the over-limit record (root and totals match it): only the range check can refuse.
    const leaves = over.map((o) => poseidon.hash([o.pseudonym, BigInt(o.service) | (BigInt(o.startTime) << 3n) | (BigInt(o.durationSec) << 40n) | (o.volumeBytes << 57n), o.charge, BigInt(o.currency) | (BigInt(o.tariffId) << 16n), o.salt]));
    const root = hash2(hash2(leaves[0]!, leaves[1]!), hash2(leaves[2]!, leaves[3]!));
    const totals = { ...w.totals, charge: w.totals.charge + (over[0]!.charge - openings[0]!.charge) };
    const statement = { ...w.statement, root, totalsCommitment: totalsCommitment(totals, w.totalsSalt, poseidon) };
    await expect(proveChunk(artifacts, { ...w, openings: over, totals, statement })).rejects.toThrow(WitnessError);
  });
});

describe('the Pedersen charge commitment (Σ charge)·G_currency + s·H', PROOF_TEST, () => {
  const chunkClaim = { periodStart: header.periodStart, periodEnd: header.periodEnd, totalsSalt: claim.totalsSalt(0), chargeSalt: claim.chargeSalt(0) };

  it('each proven chunk carries it, and the pair opens it from its salt (the other side derives the same one)', () => {
    const salt = chargeSalt(devnetSecrets(B).pairSecret(A), context, 0);
    expect(salt).toBe(claim.chargeSalt(0));
    const totals = totalsOf(openings.slice(0, 4));
    const p = currencyGenerator(totals.currency).multiply(totals.charge).add(PEDERSEN_H.multiply(salt));
    expect(proof.chunks[0]!.chargeCommitment).toEqual(toAffine(p));
    expect(chargeCommitment(totals, salt)).toEqual(toAffine(p));
    // Two chunks add up to the commitment of the batch's total under the sum of the salts.
    const sum = commitTotals(new Map([[totals.currency, cdrs.reduce((a, c) => a + c.charge, 0n)]]), claim.chargeSalt(0) + claim.chargeSalt(1));
    const [c0, c1] = proof.chunks.map((c) => c.chargeCommitment);
    expect(JubjubPoint.fromAffine(c0!).add(JubjubPoint.fromAffine(c1!)).equals(sum)).toBe(true);
  });

  it('a wrong currency generator, a wrong total or a wrong blinding: no witness, and the real proof does not verify it', async () => {
    const w = chunkWitness(openings.slice(0, 4), 4, chunkClaim, poseidon);
    const other = w.totals.currency === 978 ? 826 : 978;
    const wrongs = [
      toAffine(currencyGenerator(other).multiply(w.totals.charge).add(PEDERSEN_H.multiply(w.chargeSalt))), // another currency's generator
      chargeCommitment({ ...w.totals, charge: w.totals.charge + 1n }, w.chargeSalt), // another total
      toAffine(commitTotals(new Map([[w.totals.currency, w.totals.charge]]), w.chargeSalt + 1n)), // another blinding
    ];
    for (const wrong of wrongs) {
      await expect(proveChunk(artifacts, { ...w, statement: { ...w.statement, chargeCommitment: wrong } })).rejects.toThrow(WitnessError);
      expect(await verifyChunkProof(artifacts.verificationKey, { ...w.statement, chargeCommitment: wrong }, proof.chunks[0]!.proof)).toBe(false);
    }
  });

  it('a currency without a generator is refused before proving, and has no witness in the circuit either', async () => {
    const jpy = openings.slice(0, 4).map((o) => ({ ...o, currency: 392 }));
    expect(() => chunkWitness(jpy, 4, chunkClaim, poseidon)).toThrow(expect.objectContaining({ reason: 'currency' }) as ProofInputError);
    // An honest statement for the JPY records (root and Poseidon totals), with any point: the table refuses the currency.
    const w = chunkWitness(openings.slice(0, 4), 4, chunkClaim, poseidon);
    const totals = totalsOf(jpy);
    const leaves = jpy.map((o) => poseidon.hash([o.pseudonym, BigInt(o.service) | (BigInt(o.startTime) << 3n) | (BigInt(o.durationSec) << 40n) | (o.volumeBytes << 57n), o.charge, BigInt(o.currency) | (BigInt(o.tariffId) << 16n), o.salt]));
    const root = hash2(hash2(leaves[0]!, leaves[1]!), hash2(leaves[2]!, leaves[3]!));
    const statement = { ...w.statement, root, totalsCommitment: totalsCommitment(totals, w.totalsSalt, poseidon) };
    await expect(proveChunk(artifacts, { ...w, openings: jpy, totals, statement })).rejects.toThrow(WitnessError);
  });

  it('a zero total (free records) proves: s·H alone', async () => {
    const free = openings.slice(0, 3).map((o) => ({ ...o, charge: 0n }));
    const w = chunkWitness(free, 4, chunkClaim, poseidon);
    expect(w.statement.chargeCommitment).toEqual(toAffine(PEDERSEN_H.multiply(chunkClaim.chargeSalt)));
    const made = await proveChunk(artifacts, w);
    expect(await verifyChunkProof(artifacts.verificationKey, w.statement, made.proof)).toBe(true);
  });
});
