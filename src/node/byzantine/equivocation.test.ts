import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestClient } from '../../client/ingest-client.js';
import { Operator } from '../../client/operator.js';
import { batchId } from '../../codec/batch.js';
import { toHex } from '../../codec/bytes.js';
import { decodeForkProof, encodeForkProof } from '../../consensus/fork-proof.js';
import { BLOCK_VERSION_CONSENSUS, BlockKind, FORK_PROOF_RECORD_BYTES, blockHash } from '../../codec/block.js';
import { microSigningBytes } from '../../codec/consensus-signing.js';
import { blockFromParts } from '../../consensus/consensus-block.js';
import { MessageKind } from '../../p2p/peer-network.js';
import { traffic } from '../../test-helpers/devnet.js';
import { forge } from '../../test-helpers/forge.js';
import { waitUntil } from '../../test-helpers/rogue-validator.js';
import { FinalChains } from '../faults/final-chains.js';
import { OperatorStream } from '../faults/operator-stream.js';
import { expectFinalizing, logLines, metricOf, startRogueCluster, waitLogged, waitMetricAbove, type RogueCluster } from './rogue-cluster.js';

/**
 * Byzantine blocks (issue 12 item 9) against three honest validator processes: the rogue is the fourth
 * genesis validator, with its real TLS certificate and BLS key, so every block it signs passes the
 * producer and seed checks; what it signs is wrong. The honest chain must catch or drop each, keep
 * finalizing, and finalize every acknowledged batch exactly once with identical final chains.
 */
describe('byzantine producer: equivocation and blocks naming bad batches', () => {
  let r: RogueCluster;
  let streams: OperatorStream[];
  const extraFinal: string[] = [];

  beforeAll(async () => {
    r = await startRogueCluster();
    streams = r.honest.map((i) => new OperatorStream(r.c, r.c.plmn(i), r.c.plmn((i + 1) % 3)));
  }, 90_000);

  afterAll(async () => {
    await r?.close();
  });

  it('two different micro blocks signed for the rogue\'s slot are caught by a fork proof that a later final block carries', async () => {
    const { c, rogue, honest } = r;
    await Promise.all(streams.map((s, k) => s.submit(honest[k]!, 4)));
    const proofsBefore = await metricOf(c, honest, 'cdrchain_consensus_fork_proofs_total');

    // One of the two blocks names a batch of the rogue's own operator, sent with it: whichever
    // branch wins, that batch must end up final exactly once.
    const op = Operator.devnet(rogue.plmn, c.chain);
    const x = op.batch(traffic(rogue.plmn, c.plmn(0), 20, 'rogue-equivocation'), 1n);
    const parent = await rogue.ownSlotParent();
    const height = parent.height + 1;
    const a = rogue.micro(parent, { txIds: [x.id], sequences: [{ submitter: rogue.plmn, sequence: 1n }], cdrCount: 20 });
    const b = rogue.micro(parent, { timestampOffsetMs: 1 });
    expect(a.hashHex).not.toBe(b.hashHex);
    rogue.send(MessageKind.Batch, x.frame);
    rogue.sendBlock(a, [0]);
    rogue.sendBlock(b, [1, 2]);
    extraFinal.push(toHex(x.id));

    // Every honest validator sees both (they relay what they accept) and counts the proof when a block carries it.
    await waitMetricAbove(c, honest, 'cdrchain_consensus_fork_proofs_total', proofsBefore, 1, 30_000);
    await waitLogged(c, honest, 'fork proofs recorded: producers signed two blocks for one slot', (l) => JSON.stringify(l['locators']).includes(`${rogue.plmn}:${height}`));
    expect(honest.some((i) => logLines(c, i, 'equivocation: fork proof made', (l) => l['producer'] === rogue.plmn && l['height'] === height).length > 0)).toBe(true);

    // The proof is in exactly one final block above the slot, read back as final blocks over P2P (range request).
    const locator = `${rogue.plmn}:${height}`;
    await expectFinalizing(r, 1);
    const status = await c.consensus(0);
    for (let from = height + 1; from <= status.final.height; from += 64) rogue.requestFinal(0, from, Math.min(64, status.final.height - from + 1));
    const finalHashes = await c.finalHashes(0);
    await waitUntil('the final blocks from the range request', () => finalHashes.slice(height + 1, status.final.height + 1).every((h) => rogue.block(h) !== undefined), 10_000);
    const carriers = finalHashes.slice(height + 1, status.final.height + 1).map((h) => rogue.block(h)!).filter((blk) => {
      for (let at = 0; at < blk.forkProofs.length; at += FORK_PROOF_RECORD_BYTES) {
        if (decodeForkProof(blk.forkProofs.subarray(at, at + FORK_PROOF_RECORD_BYTES)).locator === locator) return true;
      }
      return false;
    });
    expect(carriers.map((blk) => blk.height), `final blocks carrying ${locator}`).toHaveLength(1);
    // At the slot itself the final chain has one of the two, or a skip block (both came too late).
    const atSlot = (await c.finalBlocks(0, height))[0]!;
    expect(atSlot.hash === a.hashHex || atSlot.hash === b.hashHex || atSlot.kind === 'skip', `final block ${height}: ${atSlot.kind} ${atSlot.hash}`).toBe(true);

    const acked = [...streams.flatMap((s) => s.acked.map((x) => x.id)), ...extraFinal];
    await new FinalChains(c).expectAllFinal(honest, acked, 30_000);
  }, 90_000);

  it('a micro block naming a batch id nobody admitted is dropped after its body could not be fetched, with a logged reason', async () => {
    const { c, rogue, honest } = r;
    const ghost = randomBytes(32);
    const parent = await rogue.ownSlotParent();
    const blk = rogue.micro(parent, { txIds: [ghost], sequences: [{ submitter: rogue.plmn, sequence: 99n }], cdrCount: 1 });
    rogue.sendBlock(blk);
    // Each honest validator asks its peers (the rogue among them) for the body ...
    await waitUntil('TxRequests for the ghost batch from every honest validator', () => honest.every((i) => rogue.txRequestsSeen().some((q) => q.from === c.plmn(i) && q.ids.includes(toHex(ghost)))), 10_000);
    // ... and drops the block when its retries run out (25 × 200 ms), logging why.
    await waitLogged(c, honest, 'block dropped: it names transactions this node could not get', (l) => l['hash'] === blk.hashHex, 20_000);
    await expectFinalizing(r, 1);
    const hashes = await c.finalHashes(0);
    expect(hashes[blk.height]).not.toBe(blk.hashHex);
  }, 60_000);

  it('a micro block naming a batch whose frame is invalid: the frame is refused (the sender penalised), the block dropped', async () => {
    const { c, rogue, honest } = r;
    const op = Operator.devnet(rogue.plmn, c.chain);
    const records = op.publicRecords(traffic(rogue.plmn, c.plmn(1), 10, 'rogue-bad-frame'));
    // A well-formed frame of the rogue's operator whose signature is not the operator's.
    const bad = forge(records, { sequence: 5n, submitter: rogue.plmn, counterparty: c.plmn(1), chain: c.chain, signature: randomBytes(64) });
    const id = batchId(bad.header, c.chain);
    rogue.answerTxRequestsWith(new Map([[toHex(id), bad.frame]]));
    const refusedBefore = await metricOf(c, honest, 'cdrchain_relay_received_total{kind="batch",outcome="bad_signature"}');
    const parent = await rogue.ownSlotParent();
    const blk = rogue.micro(parent, { txIds: [id], sequences: [{ submitter: rogue.plmn, sequence: 5n }], cdrCount: 10 });
    rogue.sendBlock(blk);
    await waitMetricAbove(c, honest, 'cdrchain_relay_received_total{kind="batch",outcome="bad_signature"}', refusedBefore, 1, 15_000);
    await waitLogged(c, honest, 'relayed transaction refused', (l) => l['from'] === rogue.plmn);
    await waitLogged(c, honest, 'peer penalised', (l) => l['peer'] === rogue.plmn && String(l['reason']).includes('bad_signature'));
    await waitLogged(c, honest, 'block dropped: it names transactions this node could not get', (l) => l['hash'] === blk.hashHex, 20_000);
    const scores = await Promise.all(honest.map((i) => c.consensus(i)));
    for (const s of scores) expect(s.validators.find((v) => v.plmn === rogue.plmn)!.score!).toBeLessThan(0);
    rogue.answerTxRequestsWith(new Map());
    await expectFinalizing(r, 1);
    expect((await c.finalHashes(0))[blk.height]).not.toBe(blk.hashHex);
  }, 60_000);

  it('a micro block naming a batch that is already final is rejected by the state transition', async () => {
    const { c, rogue, honest } = r;
    const done = streams[0]!.acked[0]!;
    const rejectsBefore = await metricOf(c, honest, 'cdrchain_consensus_messages_total{kind="Block",verdict="reject"}');
    const parent = await rogue.ownSlotParent();
    const blk = rogue.micro(parent, { txIds: [Buffer.from(done.id, 'hex')], sequences: [{ submitter: streams[0]!.plmn, sequence: done.sequence }], cdrCount: 20 });
    rogue.sendBlock(blk);
    await waitLogged(c, honest, 'block rejected', (l) => l['hash'] === blk.hashHex && String(l['reason']).includes('already_committed'));
    await waitMetricAbove(c, honest, 'cdrchain_consensus_messages_total{kind="Block",verdict="reject"}', rejectsBefore);

    // Nothing accepted before is lost: more traffic, and every batch acknowledged so far is final once.
    await Promise.all(streams.map((s, k) => s.submit(honest[k]!, 3)));
    const acked = [...streams.flatMap((s) => s.acked.map((x) => x.id)), ...extraFinal];
    await new FinalChains(c).expectAllFinal(honest, acked, 40_000);
  }, 90_000);

  it('a block carrying a fork proof that frames an honest validator (headers it never signed) is penalised, and nothing is recorded', async () => {
    const { c, rogue } = r;
    const victim = c.plmn(0);
    const parent = await rogue.ownSlotParent();
    // Two "micro headers" of the victim at an earlier height of this batch, one seed: signed by the rogue, not the victim.
    const seed = randomBytes(96);
    const fake = (ts: bigint) => blockFromParts({
      header: {
        version: BLOCK_VERSION_CONSENSUS, kind: BlockKind.Micro, height: BigInt(parent.height), prevHash: randomBytes(32), timestampMs: ts,
        producer: victim, txRoot: new Uint8Array(32), txCount: 0, cdrCount: 0,
        consensus: { round: 0, seed, stateRoot: randomBytes(32), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) },
      },
    }).header;
    const [h1, h2] = [fake(1n), fake(2n)];
    const record = encodeForkProof(
      { header: h1, signature: rogue.sign(microSigningBytes(rogue.chain, blockHash(h1))) },
      { header: h2, signature: rogue.sign(microSigningBytes(rogue.chain, blockHash(h2))) },
    );
    const before = await metricOf(c, [0], 'cdrchain_consensus_messages_total{kind="Block",verdict="penalise"}');
    const blk = rogue.micro(parent, { forkProofs: record });
    rogue.sendBlock(blk, [0]);
    await waitLogged(c, [0], 'block rejected', (l) => l['hash'] === blk.hashHex && String(l['reason']).includes('invalid fork proof (bad_signature)'));
    // A proof whose signatures do not verify is provably malicious (docs/consensus.md §11): penalised, not merely rejected.
    await waitMetricAbove(c, [0], 'cdrchain_consensus_messages_total{kind="Block",verdict="penalise"}', before);
    expect(logLines(c, 0, 'fork proofs recorded: producers signed two blocks for one slot', (l) => JSON.stringify(l['locators']).includes(`${victim}:`))).toEqual([]);
  }, 60_000);

  it('a block from the future (timestamp an hour ahead) is rejected', async () => {
    const { c, rogue } = r;
    const parent = await rogue.ownSlotParent();
    const blk = rogue.micro(parent, { timestampMs: BigInt(Date.now() + 3_600_000) });
    rogue.sendBlock(blk, [1]);
    await waitLogged(c, [1], 'block rejected', (l) => l['hash'] === blk.hashHex && String(l['reason']).includes('is ahead of local time'));
    await expectFinalizing(r, 1);
    expect((await c.finalHashes(1))[blk.height]).not.toBe(blk.hashHex);
  }, 60_000);

  /**
   * Sequences may have gaps (admission allows jumps up to maxSequenceJump), so a byzantine producer can
   * put an operator's later batch X2 in its block before the earlier X1. Blocks take CDR batches in any
   * sequence order (BlockApplication.noteSequence; docs/consensus.md "In the node"), so X1, acknowledged
   * and durable on every validator, is still included by the next honest producers and becomes final.
   */
  const gap: { x1?: string; x2?: string } = {};

  it('a producer that puts an operator\'s later batch before its earlier one gets that block final (setup of the next test)', async () => {
    const { c, rogue } = r;
    const op = Operator.devnet(rogue.plmn, c.chain);
    for (let attempt = 0, seq = 10n; attempt < 3 && gap.x1 === undefined; attempt++, seq += 2n) {
      const [x1, x2] = [...op.batches(traffic(rogue.plmn, c.plmn(2), 40, `rogue-gap-${attempt}`), 20, seq)];
      const parent = await rogue.ownSlotParent();
      const client = await IngestClient.connect(c.ingestUrl(0));
      try {
        const acks = await Promise.all([x1!, x2!].map((b) => client.submit(b.frame, b.header.sequence, b.id)));
        expect(acks).toHaveLength(2);
      } finally {
        await client.close().catch(() => undefined);
      }
      const blk = rogue.micro(parent, { txIds: [x2!.id], sequences: [{ submitter: rogue.plmn, sequence: x2!.header.sequence }], cdrCount: 20 });
      rogue.sendBlock(blk);
      await Promise.all(r.honest.map((i) => c.waitFinal(i, blk.height, 30_000)));
      if ((await c.finalHashes(0))[blk.height] === blk.hashHex) {
        gap.x1 = toHex(x1!.id);
        gap.x2 = toHex(x2!.id);
      }
      // else: a skip block or X1 first beat it to the slot; try the next slot with fresh batches
    }
    expect(gap.x1, 'the rogue\'s block with the later batch became final in one of 3 slots').toBeDefined();
  }, 90_000);

  it('... and the earlier acknowledged batch still becomes final, exactly once, on every honest validator', async () => {
    expect(gap.x1, 'setup (the previous test)').toBeDefined();
    const chains = new FinalChains(r.c);
    await chains.expectAllFinal(r.honest, [gap.x2!, gap.x1!], 30_000);
  }, 60_000);
});
