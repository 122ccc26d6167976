import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { type BatchContext, batchContext } from './context.js';
import { type EncryptionKeyPair, generateEncryptionKeyPair } from './encryption-key-file.js';
import { InsufficientPartialsError, KeyWrapError, OrderScopeError, PayloadOpenError, PrivacyInputError } from './errors.js';
import { dayOf, lawfulTag } from './lawful-tag.js';
import { openBatchAsRecipient, openGroupRecords, openRecord } from './open-batch.js';
import { type GroupInput, type RecordInput, type SealBatchResult, sealBatch } from './seal-batch.js';
import { deal } from './threshold/feldman.js';
import { type HolderShare, LawfulAccessSetup } from './threshold/lawful-access-setup.js';
import { ValidatedOrder, type WrapRequest, openOrderedWrap, releasePartial } from './threshold/lawful-order.js';
import { lawfulWrapLabel } from './threshold/lawful-wrap.js';

// The end-to-end property of issue 13 P2: a quorum of share holders, acting on an order that names one
// subscriber on one day, opens exactly that subscriber's records of that day, in every batch, and
// nothing else; a smaller coalition opens nothing; the two operators of the pair read everything.

const CHAIN = new Uint8Array(32).fill(0xc7);
const SUB = 26201;
const CP = 23415;
const DAY0 = 20_425; // 2025-12-03
const pairSecret = new Uint8Array(randomBytes(32));

interface Cdr {
  readonly subscriber: number;
  readonly pseudonym: Uint8Array;
  readonly startTime: number;
  readonly payload: Uint8Array;
}

// Three subscribers over two days, several calls each; the payload is recognisable text.
const pseudonyms = new Map<string, Uint8Array>();
function pseudonym(subscriber: number, day: number): Uint8Array {
  const k = `${subscriber}/${day}`;
  if (!pseudonyms.has(k)) pseudonyms.set(k, new Uint8Array(randomBytes(32)));
  return pseudonyms.get(k)!;
}
function cdrs(seed: number): Cdr[] {
  const out: Cdr[] = [];
  for (let i = 0; i < 14; i++) {
    const subscriber = (i * 7 + seed) % 3;
    const day = DAY0 + ((i + seed) % 2);
    const startTime = day * 86_400 + 3_600 * (i % 20);
    out.push({ subscriber, pseudonym: pseudonym(subscriber, day), startTime, payload: Buffer.from(`subscriber ${subscriber} start ${startTime} charge ${100 + i} seed ${seed}`) });
  }
  return out;
}

/** Groups records by (pseudonym, day) as the operator's client would, reusing keys a cache holds. */
function grouping(records: readonly Cdr[], cache: Map<string, { groupKey: Uint8Array; lawfulWrap: Uint8Array }>) {
  const groups: GroupInput[] = [];
  const index = new Map<string, number>();
  const inputs: RecordInput[] = records.map((r) => {
    const tag = lawfulTag(pairSecret, r.pseudonym, dayOf(r.startTime));
    const k = toHex(tag);
    if (!index.has(k)) {
      index.set(k, groups.length);
      const reuse = cache.get(k);
      groups.push(reuse ? { tag, reuse } : { tag });
    }
    return { group: index.get(k)!, payload: r.payload };
  });
  return { groups, records: inputs };
}

let setup: LawfulAccessSetup;
let shares: HolderShare[];
let sub: EncryptionKeyPair;
let cp: EncryptionKeyPair;
let third: EncryptionKeyPair;
const batches: { ctx: BatchContext; cdrs: Cdr[]; result: SealBatchResult }[] = [];

beforeAll(async () => {
  // Dealer-based 3-of-5 (the dealerless set-up is exercised in threshold-decryption.test.ts).
  const dealing = deal({ threshold: 3, holders: 5 }, 1);
  setup = LawfulAccessSetup.fromCommitments({ threshold: 3, holders: 5 }, dealing.commitments);
  shares = [...dealing.shares].map(([holder, share]) => ({ holder, share }));
  [sub, cp, third] = await Promise.all([generateEncryptionKeyPair(SUB), generateEncryptionKeyPair(CP), generateEncryptionKeyPair(20801)]);
  const cache = new Map<string, { groupKey: Uint8Array; lawfulWrap: Uint8Array }>();
  for (const [seq, seed] of [
    [1n, 0],
    [2n, 1],
  ] as const) {
    const ctx = batchContext({ chainId: CHAIN, submitter: SUB, counterparty: CP, sequence: seq });
    const list = cdrs(seed);
    const result = await sealBatch({ ctx, submitterPublicKey: sub.publicKey, counterpartyPublicKey: cp.publicKey, lawfulAccess: setup, ...grouping(list, cache) });
    for (const g of result.groupKeys) cache.set(toHex(g.tag), { groupKey: g.groupKey, lawfulWrap: g.lawfulWrap });
    batches.push({ ctx, cdrs: list, result });
  }
});

function requestsFor(b: (typeof batches)[number]): WrapRequest[] {
  return b.result.sealed.groups.map((g) => ({ pair: b.ctx, tag: g.tag, wrap: g.lawfulWrap }));
}

describe('sealed batches: who reads what', () => {
  it('the submitter and the counterparty read every record back', async () => {
    for (const b of batches) {
      const expected = b.cdrs.map((c) => toHex(c.payload));
      for (const [recipient, key] of [
        [SUB, sub],
        [CP, cp],
      ] as const) {
        const got = await openBatchAsRecipient({ ctx: b.ctx, sealed: b.result.sealed, recipient, privateKey: key.privateKey });
        expect(got.map(toHex)).toEqual(expected);
      }
    }
  });

  it('a third operator reads nothing: not with its key, not posing as either party', async () => {
    const b = batches[0]!;
    for (const recipient of [SUB, CP]) {
      await expect(openBatchAsRecipient({ ctx: b.ctx, sealed: b.result.sealed, recipient, privateKey: third.privateKey })).rejects.toBeInstanceOf(KeyWrapError);
    }
    await expect(openBatchAsRecipient({ ctx: b.ctx, sealed: b.result.sealed, recipient: 20801, privateKey: third.privateKey })).rejects.toBeInstanceOf(PrivacyInputError);
  });

  it('groups are one per (pseudonym, day), and a later batch reuses the earlier wrap for the same tag', () => {
    const [b1, b2] = batches as [(typeof batches)[number], (typeof batches)[number]];
    expect(b1.result.sealed.groups.length).toBe(new Set(b1.cdrs.map((c) => `${toHex(c.pseudonym)}`)).size);
    const wraps1 = new Map(b1.result.sealed.groups.map((g) => [toHex(g.tag), toHex(g.lawfulWrap)]));
    const shared = b2.result.sealed.groups.filter((g) => wraps1.has(toHex(g.tag)));
    expect(shared.length).toBeGreaterThan(0);
    for (const g of shared) expect(toHex(g.lawfulWrap)).toBe(wraps1.get(toHex(g.tag)));
    // Reused group keys still give fresh record keys: same payload, same index, other batch → other bytes.
    expect(toHex(b1.result.sealed.batchNonce)).not.toBe(toHex(b2.result.sealed.batchNonce));
  });

  it('re-sealing the same batch (same sequence, same group keys) gives different ciphertexts', async () => {
    const b = batches[0]!;
    const cache = new Map(b.result.groupKeys.map((g) => [toHex(g.tag), { groupKey: g.groupKey, lawfulWrap: g.lawfulWrap }]));
    const again = await sealBatch({ ctx: b.ctx, submitterPublicKey: sub.publicKey, counterpartyPublicKey: cp.publicKey, lawfulAccess: setup, ...grouping(b.cdrs, cache) });
    b.result.sealed.records.forEach((r, i) => expect(toHex(again.sealed.records[i]!.ciphertext)).not.toBe(toHex(r.ciphertext)));
  });
});

describe('lawful access by order', () => {
  const targetSubscriber = 1;
  const targetDay = DAY0 + 1;

  function order(): ValidatedOrder {
    return ValidatedOrder.of({
      orderId: new Uint8Array(randomBytes(32)),
      targets: [{ chainId: CHAIN, submitter: SUB, counterparty: CP, tag: lawfulTag(pairSecret, pseudonym(targetSubscriber, targetDay), targetDay) }],
    });
  }

  it('a quorum of t opens exactly the targeted subscriber-day, across batches, and nothing else', () => {
    const o = order();
    const quorum = [shares[0]!, shares[2]!, shares[4]!];
    const opened = new Set<string>();
    const openedKeys: Uint8Array[] = [];
    let refused = 0;
    for (const b of batches) {
      for (const [j, request] of requestsFor(b).entries()) {
        let partials;
        try {
          partials = quorum.map((s) => releasePartial(setup, s, o, request));
        } catch (err) {
          expect(err).toBeInstanceOf(OrderScopeError);
          refused++;
          continue;
        }
        const { groupKey } = openOrderedWrap(setup, o, request, partials);
        openedKeys.push(groupKey);
        for (const { index, payload } of openGroupRecords(b.ctx, b.result.sealed, j, groupKey)) {
          opened.add(`${b.ctx.sequence}/${index}`);
          expect(toHex(payload)).toBe(toHex(b.cdrs[index]!.payload));
        }
      }
    }
    const expected = new Set<string>();
    for (const b of batches) {
      b.cdrs.forEach((c, i) => {
        if (c.subscriber === targetSubscriber && dayOf(c.startTime) === targetDay) expected.add(`${b.ctx.sequence}/${i}`);
      });
    }
    expect(expected.size).toBeGreaterThan(1);
    expect([...opened].sort()).toEqual([...expected].sort());
    expect(refused).toBeGreaterThan(0);
    // The opened keys open no other record of either batch.
    for (const b of batches) {
      b.result.sealed.records.forEach((_, i) => {
        if (expected.has(`${b.ctx.sequence}/${i}`)) return;
        for (const k of openedKeys) expect(() => openRecord(b.ctx, b.result.sealed, i, k)).toThrow(PayloadOpenError);
      });
    }
  });

  it('t − 1 holders open nothing', () => {
    const o = order();
    const b = batches.find((x) => requestsFor(x).some((r) => o.names(lawfulTagLabel(r))))!;
    const request = requestsFor(b).find((r) => o.names(lawfulTagLabel(r)))!;
    const partials = [shares[1]!, shares[3]!].map((s) => releasePartial(setup, s, o, request));
    expect(() => openOrderedWrap(setup, o, request, partials)).toThrow(InsufficientPartialsError);
  });

  it('a wrap presented under the targeted tag but belonging to another group is refused by every holder', () => {
    const o = order();
    const b = batches[0]!;
    const targeted = o.order.targets[0]!.tag;
    const other = requestsFor(b).find((r) => toHex(r.tag) !== toHex(targeted))!;
    // Relabel: claim another subscriber's wrap is the target's.
    expect(() => releasePartial(setup, shares[0]!, o, { ...other, tag: targeted })).toThrow(expect.objectContaining({ name: 'LawfulWrapError', reason: 'proof' }));
    expect(() => releasePartial(setup, shares[0]!, o, other)).toThrow(OrderScopeError);
  });
});

// The label check the order uses, from a request.
function lawfulTagLabel(r: WrapRequest): Uint8Array {
  return lawfulWrapLabel(r.pair, r.tag);
}
