import { describe, expect, it } from 'vitest';
import { BlockKind } from '../codec/block.js';
import { VoteKind, decodeVote, encodeVote } from '../codec/consensus-messages.js';
import { microSigningBytes } from '../codec/consensus-signing.js';
import { sha256 } from '../crypto/hash.js';
import { MessageKind } from '../p2p/peer-network.js';
import { BlsSigner } from './bls-crypto.js';
import { blockFromFrame, blockFromParts, withJustification } from './consensus-block.js';
import { InProcessConsortium, memberKey, txId } from './in-process-consortium.js';
import { drawProducer } from './producer-draw.js';
import { ValidatorSet } from './validator-set.js';
import { voteSigningBytes } from './vote-validation.js';

/**
 * Four validators of equal power (quorum 3) running the real consensus code, real BLS and an
 * in-memory ledger on the in-process network and virtual time. Every test ends with the safety
 * check: all finalized chains are one chain, and no transaction is final twice.
 */
const IDS = [10_001, 10_002, 10_003, 10_004];

function consortium(over: Partial<ConstructorParameters<typeof InProcessConsortium>[0]> = {}) {
  return new InProcessConsortium({ powers: [1, 1, 1, 1], verifierCache: 200_000, ...over });
}

function kinds(c: InProcessConsortium): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of c.longestFinalChain()) out[BlockKind[b.kind] ?? String(b.kind)] = (out[BlockKind[b.kind] ?? String(b.kind)] ?? 0) + 1;
  return out;
}

describe('consensus among 4 validators (in-process network, virtual time)', () => {
  it('finalizes macro blocks and every submitted transaction exactly once', async () => {
    const c = consortium();
    c.start();
    for (let i = 0; i < 60; i++) c.submit(txId(i), 100);
    await c.runUntil(() => c.minFinalHeight() >= 32, 60_000);
    for (let i = 60; i < 120; i++) c.submit(txId(i), 100);
    expect(await c.runUntil(() => c.minFinalHeight() >= 96 && c.members.every((m) => m.ledger.finalizedTxs.length === 120), 120_000)).toBe(true);
    c.assertSafety();
    for (const m of c.members) expect(new Set(m.ledger.finalizedTxs.map((t) => t.id)).size).toBe(120);
    expect(kinds(c)['Skip'] ?? 0).toBe(0);
    expect(c.members.every((m) => m.votes.refused === 0)).toBe(true);
    await c.stop();
  });

  it('a lone batch is final within seconds: after one idle interval the rest of its Albatross batch follows at the minimum separation', async () => {
    const c = consortium();
    c.start();
    expect(await c.runUntil(() => c.minFinalHeight() >= 32, 60_000)).toBe(true); // idle: an empty block every 500 ms
    const start = c.clock.now();
    c.submit(txId(1));
    expect(await c.runUntil(() => c.members.every((m) => m.ledger.finalizedTxs.length === 1), 60_000)).toBe(true);
    // At the idle cadence its batch's remaining ~30 blocks would take ~15 s; one interval plus ~30 short steps here.
    expect(c.clock.now() - start).toBeLessThan(5_000);
    // With nothing waiting any more, the next batch ticks at the idle cadence again.
    const headHeight = (): number => Math.max(...c.members.map((m) => m.validator.head.height));
    const before = headHeight();
    await c.runUntil(() => false, 5_000);
    expect(headHeight() - before).toBeLessThanOrEqual(12); // ~10 empty blocks in 5 s, not ~100
    c.assertSafety();
    await c.stop();
  });

  it('one validator down: its slots become skip blocks and the chain still finalizes', async () => {
    const c = consortium();
    c.start();
    await c.crash(IDS[3]!);
    for (let i = 0; i < 30; i++) c.submit(txId(i));
    const up = IDS.slice(0, 3);
    expect(await c.runUntil(() => c.minFinalHeight(up) >= 96, 300_000)).toBe(true);
    c.assertSafety();
    const chain = c.longestFinalChain();
    const skips = chain.filter((b) => b.kind === BlockKind.Skip);
    expect(skips.length).toBeGreaterThan(0);
    // Exactly the slots of the down validator were skipped.
    const down = chain.filter((b) => b.height > 0 && b.height % 32 !== 0 && drawProducerOf(c, b.height) === IDS[3]);
    expect(skips.map((b) => b.height)).toEqual(down.map((b) => b.height));
    for (const m of c.members.slice(0, 3)) expect(m.ledger.finalizedTxs.length).toBe(30);
    await c.stop();
  });

  it('two of four down: no finality and no fork; it resumes when one returns', async () => {
    const c = consortium();
    c.start();
    expect(await c.runUntil(() => c.minFinalHeight() >= 32, 60_000)).toBe(true);
    await c.crash(IDS[2]!);
    await c.crash(IDS[3]!);
    const stuckAt = Math.max(c.finalHeight(IDS[0]!), c.finalHeight(IDS[1]!));
    await c.clock.advance(90_000);
    expect(c.finalHeight(IDS[0]!)).toBe(stuckAt);
    expect(c.finalHeight(IDS[1]!)).toBe(stuckAt);
    c.assertSafety();
    c.restart(IDS[2]!);
    const up = IDS.slice(0, 3);
    expect(await c.runUntil(() => c.minFinalHeight(up) >= stuckAt + 64, 300_000)).toBe(true);
    c.assertSafety();
    expect(c.members.every((m) => m.votes.refused === 0)).toBe(true);
    await c.stop();
  });

  it('a 2|2 partition finalizes nothing and, once healed, finalizes one chain', async () => {
    const c = consortium({ network: { latencyMs: 5, jitterMs: 10 } });
    c.start();
    expect(await c.runUntil(() => c.minFinalHeight() >= 32, 60_000)).toBe(true);
    c.hub.partition([IDS.slice(0, 2), IDS.slice(2)]);
    const before = Math.max(...IDS.map((id) => c.finalHeight(id)));
    for (let i = 0; i < 20; i++) c.submit(txId(i));
    await c.clock.advance(60_000);
    expect(Math.max(...IDS.map((id) => c.finalHeight(id)))).toBe(before);
    c.assertSafety();
    c.hub.heal();
    expect(await c.runUntil(() => c.minFinalHeight() >= before + 64 && c.members.every((m) => m.ledger.finalizedTxs.length === 20), 300_000)).toBe(true);
    c.assertSafety();
    await c.stop();
  });

  it('an equivocating producer is caught: a fork proof lands in a later final block', async () => {
    const c = consortium();
    const cheat = IDS[1]!;
    const signer = new BlsSigner(cheat, memberKey(cheat));
    let twinHeight = 0;
    c.hub.tap((from, _to, kind, payload) => {
      if (from !== cheat || kind !== MessageKind.Block || twinHeight !== 0 || c.clock.now() < c.genesis.header.timestampMs + 3_000n) return;
      const block = blockFromFrame(payload);
      if (block.header.kind !== BlockKind.Micro || block.header.producer !== cheat) return;
      twinHeight = block.height;
      // The same slot, signed again with another timestamp: a second block for one (height, seed).
      const twin = blockFromParts({ header: { ...block.header, timestampMs: block.header.timestampMs + 1n }, txIds: block.txIds, forkProofs: block.forkProofs });
      const signed = withJustification(twin, { round: 0, signature: signer.sign(microSigningBytes(c.chain, twin.hash)), signers: new Uint8Array(0) });
      for (const to of IDS) if (to !== cheat) c.member(cheat).network.send(to, MessageKind.Block, signed.frame);
    });
    c.start();
    const proven = () => c.members.every((m) => m.ledger.finalChain.some((b) => b.forkProofs > 0));
    expect(await c.runUntil(proven, 200_000)).toBe(true);
    expect(twinHeight).toBeGreaterThan(0);
    const withProof = c.longestFinalChain().find((b) => b.forkProofs > 0)!;
    expect(withProof.height).toBeGreaterThan(twinHeight);
    expect(c.members[0]!.forkProofsSeen).toContain(`${cheat}:${twinHeight}`);
    c.assertSafety();
    await c.stop();
  });

  it('rejects votes from non-validators, forged and far-future votes, and ignores replays; finality goes on', async () => {
    const c = consortium();
    const rogue = c.hub.join(99_999);
    const captured: Uint8Array[] = [];
    c.hub.tap((from, _to, kind, payload) => {
      if (from === IDS[0] && kind === MessageKind.Vote && captured.length < 50) captured.push(Uint8Array.from(payload));
    });
    c.start();
    expect(await c.runUntil(() => c.minFinalHeight() >= 32 && captured.length > 0, 60_000)).toBe(true);
    const outsider = new BlsSigner(99_999, memberKey(99_999));
    const prevote = (signer: BlsSigner, validator: number, round: number) => {
      const v = { kind: VoteKind.Prevote, height: 64n, round, value: sha256(Uint8Array.of(1)), validator, signature: new Uint8Array(96) };
      return encodeVote({ ...v, signature: signer.sign(voteSigningBytes(c.chain, v)) });
    };
    rogue.broadcast(MessageKind.Vote, prevote(outsider, 99_999, 0)); // not a validator
    rogue.broadcast(MessageKind.Vote, prevote(outsider, IDS[0]!, 0)); // forged: claims a validator, wrong key
    rogue.broadcast(MessageKind.Vote, prevote(new BlsSigner(IDS[0]!, memberKey(IDS[0]!)), IDS[0]!, 10_000)); // far-future round
    for (const old of captured) rogue.broadcast(MessageKind.Vote, old); // replays of votes for final heights
    rogue.broadcast(MessageKind.Vote, new Uint8Array([1, 2, 3])); // garbage
    expect(await c.runUntil(() => c.minFinalHeight() >= 64, 60_000)).toBe(true);
    const fromRogue = c.members[1]!.verdicts.filter((v) => v.from === 99_999);
    const reasons = fromRogue.map((v) => `${v.verdict}:${/\((\w+)\)/.exec(v.reason)?.[1] ?? v.reason.split(':')[0]}`);
    expect(reasons).toContain('reject:unknown_validator');
    expect(reasons).toContain('penalise:bad_signature');
    expect(reasons).toContain('reject:far_future_round');
    expect(reasons).toContain('ignore:stale');
    expect(reasons).toContain('reject:malformed vote');
    expect(fromRogue.some((v) => v.verdict === 'accept')).toBe(false);
    expect(c.hub.reports.some((r) => r.peer === 99_999 && r.verdict === 'penalise')).toBe(true);
    // A replay of a current vote is a duplicate.
    const current = captured.filter((p) => decodeVote(p).height > BigInt(c.finalHeight(IDS[1]!)));
    if (current.length > 0) expect(reasons).toContain('ignore:duplicate');
    c.assertSafety();
    await c.stop();
  });

  it('finalizes over a lossy, jittery network', async () => {
    const c = consortium({ network: { latencyMs: 20, jitterMs: 40, lossRate: 0.1, seed: 7 } });
    c.start();
    for (let i = 0; i < 40; i++) c.submit(txId(i));
    expect(await c.runUntil(() => c.minFinalHeight() >= 96 && c.members.every((m) => m.ledger.finalizedTxs.length === 40), 400_000)).toBe(true);
    c.assertSafety();
    await c.stop();
  });

  it('a block waiting for a transaction applies as soon as the transaction is admitted, not at the next retry tick', async () => {
    const c = consortium();
    c.start();
    const headOf = (m: (typeof c.members)[number]) => Math.max(0, ...m.headAt.keys());
    expect(await c.runUntil(() => c.members.every((m) => headOf(m) >= 3), 10_000)).toBe(true);
    const late = c.member(IDS[3]!);
    const others = c.members.filter((m) => m !== late);
    // A transaction the other three admitted and put in a block; the late validator has not got it yet.
    const x = txId(4_242);
    for (const m of others) m.ledger.admit(x, 1);
    expect(await c.runUntil(() => others.every((m) => headOf(m) >= headOf(late) + 3), 10_000)).toBe(true);
    const stuck = headOf(late);
    // Stuck for a while (several retry ticks) on the block that names x ...
    await c.runUntil(() => false, 450);
    expect(headOf(late)).toBe(stuck);
    // ... and unstuck by the transaction's admission, well inside one 200 ms retry tick (virtual time).
    const admittedAt = c.clock.now();
    late.ledger.admit(x, 1);
    expect(await c.runUntil(() => headOf(late) > stuck, 1_000)).toBe(true);
    expect(late.headAt.get(stuck + 1)! - admittedAt).toBeLessThan(20);
    expect(await c.runUntil(() => c.minFinalHeight() >= 32, 60_000)).toBe(true);
    c.assertSafety();
    await c.stop();
  });

  it('a validator restarted in the middle of a macro round re-sends what it signed and never signs twice', async () => {
    const c = consortium();
    c.start();
    const victim = IDS[0]!;
    // Crash it right after it sent a precommit at height 32.
    let crashed = false;
    c.hub.tap((from, _to, kind, payload) => {
      if (!crashed && from === victim && kind === MessageKind.Vote && decodeVote(payload).kind === VoteKind.Precommit) {
        crashed = true;
        void c.crash(victim);
      }
    });
    expect(await c.runUntil(() => crashed, 60_000)).toBe(true);
    await c.clock.advance(3_000);
    c.restart(victim);
    expect(await c.runUntil(() => c.minFinalHeight() >= 64, 200_000)).toBe(true);
    c.assertSafety();
    expect(c.member(victim).votes.refused).toBe(0);
    await c.stop();
  });
});

describe('consensus under churn', () => {
  it('random partitions, crashes, restarts and loss never fork; once healed, everyone finalizes everything', async () => {
    for (const seed of [1, 5, 8]) {
      const n = 4 + (seed % 4);
      const c = new InProcessConsortium({
        powers: Array.from({ length: n }, (_, i) => 1 + ((i * seed) % 3)), verifierCache: 200_000,
        network: { latencyMs: 10, jitterMs: 30, lossRate: 0.05 * (seed % 3), seed },
      });
      c.start();
      let rng = seed * 7919;
      const rand = (k: number) => {
        rng = (rng * 1103515245 + 12345) % 2147483648;
        return rng % k;
      };
      let tx = 0;
      for (let step = 0; step < 12; step++) {
        for (let i = 0; i < 5; i++) c.submit(txId(tx++));
        const ids = c.members.map((m) => m.id);
        const action = rand(4);
        if (action === 0) {
          const cut = 1 + rand(n - 1);
          c.hub.partition([ids.slice(0, cut), ids.slice(cut)]);
        } else if (action === 1) c.hub.heal();
        else if (action === 2) {
          const m = c.members[rand(n)]!;
          if (m.up) await c.crash(m.id);
          else c.restart(m.id);
        } else for (const m of c.members) if (!m.up) c.restart(m.id);
        await c.clock.advance(5_000 + rand(20_000));
        c.assertSafety();
      }
      c.hub.heal();
      for (const m of c.members) if (!m.up) c.restart(m.id);
      const before = Math.max(...c.members.map((m) => c.finalHeight(m.id)));
      const done = await c.runUntil(() => c.minFinalHeight() >= before + 64 && c.members.every((m) => m.ledger.finalizedTxs.length === tx), 2_000_000);
      expect(done, `seed ${seed}`).toBe(true);
      c.assertSafety();
      expect(c.members.every((m) => m.votes.refused === 0)).toBe(true);
      await c.stop();
    }
  });

  it('a validator down for several batches catches up by range requests and verifies what it receives', async () => {
    const c = consortium();
    c.start();
    await c.crash(IDS[3]!);
    const up = IDS.slice(0, 3);
    expect(await c.runUntil(() => c.minFinalHeight(up) >= 256, 600_000)).toBe(true);
    expect(c.finalHeight(IDS[3]!)).toBe(0);
    c.restart(IDS[3]!);
    const target = c.minFinalHeight(up) + 32;
    expect(await c.runUntil(() => c.minFinalHeight() >= target, 300_000)).toBe(true);
    c.assertSafety();
    // It applied every final block itself: its ledger holds the whole chain.
    expect(c.member(IDS[3]!).ledger.finalChain.length).toBe(c.longestFinalChain().length);
    await c.stop();
  });

  it('an election block fixes the next validator set: a validator leaves and another gains power', async () => {
    const c = consortium({
      policy: { batchesPerEpoch: 2 },
      election: (height, current) => ValidatorSet.create(current.validators.filter((v) => v.id !== IDS[3]).map((v) => ({ ...v, power: v.id === IDS[0] ? 2 : v.power }))),
    });
    c.start();
    expect(await c.runUntil(() => c.minFinalHeight() >= 64 + 96, 300_000)).toBe(true);
    c.assertSafety();
    for (const m of c.members) {
      expect(m.validator.validators.validators.map((v) => `${v.id}:${v.power}`)).toEqual([`${IDS[0]}:2`, `${IDS[1]}:1`, `${IDS[2]}:1`]);
    }
    // After the election the one that left produced nothing: its slots are not drawn any more.
    const after = c.longestFinalChain().filter((b) => b.height > 64 && b.height % 32 !== 0);
    expect(after.every((b) => b.kind === BlockKind.Micro)).toBe(true);
    await c.stop();
  });
});

/** The producer of a micro height on the final chain: drawn from the batch seed of the macro block before it. */
function drawProducerOf(c: InProcessConsortium, height: number): number {
  const macro = c.longestFinalChain().filter((b) => b.height % 32 === 0 && b.height < height).pop()!;
  return drawProducer(c.set, c.chain, c.macroSeedEntropy(macro.hash), height, 0).id;
}

describe('the safety check itself', () => {
  it('fails when two members finalized different blocks at one height', () => {
    const c = consortium();
    c.assertSafety();
    c.members[0]!.ledger.finalChain.push({ height: 1, hash: 'aa', kind: 0, txs: 0, forkProofs: 0 });
    c.members[1]!.ledger.finalChain.push({ height: 1, hash: 'bb', kind: 0, txs: 0, forkProofs: 0 });
    expect(() => c.assertSafety()).toThrow(/differ at index 1/);
  });
});
