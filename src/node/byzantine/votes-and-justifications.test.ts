import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockKind } from '../../codec/block.js';
import { VoteKind, encodeProposal } from '../../codec/consensus-messages.js';
import { proposalSigningBytes, skipSigningBytes, tendermintVoteSigningBytes } from '../../codec/consensus-signing.js';
import { withJustification } from '../../consensus/consensus-block.js';
import { seedEntropy } from '../../consensus/validator-set.js';
import { MessageKind } from '../../p2p/peer-network.js';
import { RogueValidator, waitUntil } from '../../test-helpers/rogue-validator.js';
import { FinalChains } from '../faults/final-chains.js';
import { OperatorStream } from '../faults/operator-stream.js';
import { expectFinalizing, logLines, metricOf, startRogueCluster, waitLogged, waitMetricAbove, type RogueCluster } from './rogue-cluster.js';

/** A PLMN id of a real operator that is not a validator of the 4-validator devnet. */
const NOT_A_VALIDATOR = 52501;
const VOTE_REJECTS = 'cdrchain_consensus_messages_total{kind="Vote",verdict="reject"}';
const VOTE_IGNORES = 'cdrchain_consensus_messages_total{kind="Vote",verdict="ignore"}';
const VOTE_PENALTIES = 'cdrchain_consensus_messages_total{kind="Vote",verdict="penalise"}';
const BLOCK_PENALTIES = 'cdrchain_consensus_messages_total{kind="Block",verdict="penalise"}';

/**
 * Byzantine votes and justifications (issue 12 items 9 and 11) against three honest validator
 * processes. Scores: each honest validator is sent at most one penalised message (−50) and two
 * rejected ones (−10 each) before the last test, so the rogue stays connected (a ban is at −100)
 * until that test bans it on purpose.
 */
describe('byzantine validator: votes, skip and macro justifications', () => {
  let r: RogueCluster;
  let streams: OperatorStream[];

  beforeAll(async () => {
    r = await startRogueCluster();
    streams = r.honest.map((i) => new OperatorStream(r.c, r.c.plmn(i), r.c.plmn((i + 1) % 3)));
    await Promise.all(streams.map((s, k) => s.submit(r.honest[k]!, 3)));
  }, 90_000);

  afterAll(async () => {
    await r?.close();
  });

  /** A fresh micro block from the honest validators, well inside a batch (the next macro height is a while away). */
  async function midBatch() {
    const { rogue } = r;
    return rogue.nextBlock((b) => b.header.kind !== BlockKind.Macro && rogue.heights.macroAtOrAfter(b.height) - b.height >= 3 && b.height > rogue.lastFinal.height);
  }

  it('votes naming a validator that is not in the set are rejected (logged, scored) before any signature check', async () => {
    const { c, rogue, honest } = r;
    const before = await metricOf(c, honest, VOTE_REJECTS);
    const head = await midBatch();
    const outsider = RogueValidator.outsiderKey();
    const skip = rogue.vote({ kind: VoteKind.Skip, height: head.height + 1, value: seedEntropy(head.header.consensus.seed), validator: NOT_A_VALIDATOR, secretKey: outsider });
    const macroHeight = rogue.heights.macroAtOrAfter(head.height);
    const prevote = rogue.vote({ kind: VoteKind.Prevote, height: macroHeight, round: 0, value: randomBytes(32), validator: NOT_A_VALIDATOR, secretKey: outsider });
    rogue.send(MessageKind.Vote, skip, [0, 1]);
    rogue.send(MessageKind.Vote, prevote, [2]);
    await waitMetricAbove(c, honest, VOTE_REJECTS, before, 1);
    await waitLogged(c, honest, 'peer message rejected', (l) => l['peer'] === rogue.plmn && String(l['reason']).includes(`(unknown_validator): ${NOT_A_VALIDATOR} is not a validator`));
    const scores = await Promise.all(honest.map((i) => c.consensus(i)));
    for (const s of scores) expect(s.validators.find((v) => v.plmn === rogue.plmn)!.score!).toBeLessThan(0);
  });

  it('a vote naming an honest validator but signed by a key outside the set is penalised, and counts for nothing', async () => {
    const { c, rogue } = r;
    const before = await metricOf(c, [0], VOTE_PENALTIES);
    const head = await midBatch();
    // A skip vote "from" validator 1 for the slot after the head: if it counted, it would push towards skipping an honest slot.
    const forged = rogue.vote({ kind: VoteKind.Skip, height: head.height + 1, value: seedEntropy(head.header.consensus.seed), validator: c.plmn(1), secretKey: RogueValidator.outsiderKey() });
    rogue.send(MessageKind.Vote, forged, [0]);
    await waitMetricAbove(c, [0], VOTE_PENALTIES, before);
    await waitLogged(c, [0], 'peer penalised', (l) => l['peer'] === rogue.plmn && String(l['reason']).includes(`(bad_signature): signature of ${c.plmn(1)} does not verify`));
  });

  it('replayed votes (honest validators\' own, resent by the rogue) are ignored: not counted twice, not scored', async () => {
    const { c, rogue, honest } = r;
    await expectFinalizing(r, 1);
    const honestVotesSeen = () => rogue.votes.filter((v) => v.from !== rogue.plmn && v.vote.validator !== rogue.plmn);
    // How many votes the rogue has seen depends on how many macro rounds ran before this test: wait for a few more.
    for (const deadline = Date.now() + 30_000; honestVotesSeen().length <= 10 && Date.now() < deadline; ) await new Promise((res) => setTimeout(res, 250));
    const honestVotes = honestVotesSeen();
    expect(honestVotes.length).toBeGreaterThan(10);
    const before = await metricOf(c, honest, VOTE_IGNORES);
    const scoresBefore = (await Promise.all(honest.map((i) => c.consensus(i)))).map((s) => s.validators.find((v) => v.plmn === rogue.plmn)!.score!);
    // Old ones (stale: their heights are final) ...
    const old = honestVotes.slice(0, 20);
    for (const v of old) rogue.send(MessageKind.Vote, v.payload);
    // ... and the newest ones, while their height may still be open (duplicates of what the validators took).
    const head = await midBatch();
    const fresh = rogue.votes.filter((v) => v.from !== rogue.plmn && Number(v.vote.height) > head.height - 3).slice(-10);
    for (const v of fresh) rogue.send(MessageKind.Vote, v.payload);
    // The old ones are stale everywhere; the fresh ones are duplicates (or stale by now): all ignored.
    await waitMetricAbove(c, honest, VOTE_IGNORES, before, old.length + fresh.length);
    const scoresAfter = (await Promise.all(honest.map((i) => c.consensus(i)))).map((s) => s.validators.find((v) => v.plmn === rogue.plmn)!.score!);
    // Ignored messages cost nothing (scores only recover meanwhile), and nothing was logged as rejected for them.
    for (const [k, s] of scoresAfter.entries()) expect(s).toBeGreaterThanOrEqual(scoresBefore[k]!);
    await expectFinalizing(r, 1);
  });

  it('future-round votes and proposals beyond the round window are rejected; votes for later heights are ignored', async () => {
    const { c, rogue, honest } = r;
    const rejects = await metricOf(c, honest, VOTE_REJECTS);
    const ignores = await metricOf(c, honest, VOTE_IGNORES);
    const head = await midBatch();
    const macroHeight = rogue.heights.macroAtOrAfter(head.height);
    const farRound = 5_000; // within the wire's 2^16, far beyond maxRoundsAhead (32)
    rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Prevote, height: macroHeight, round: farRound, value: randomBytes(32) }));
    rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Precommit, height: macroHeight + rogue.policy.blocksPerBatch, round: 0, value: randomBytes(32) }));
    await waitMetricAbove(c, honest, VOTE_REJECTS, rejects);
    await waitMetricAbove(c, honest, VOTE_IGNORES, ignores);
    await waitLogged(c, honest, 'peer message rejected', (l) => l['peer'] === rogue.plmn && String(l['reason']).includes(`(far_future_round): round ${farRound}`));

    // A proposal for a far round is refused at the round gate, before its block is looked at.
    const proposalRejects = await metricOf(c, [1], 'cdrchain_consensus_messages_total{kind="Proposal",verdict="reject"}');
    // A block at the macro height (the proposal's height must match it); the round gate comes before it is judged.
    const block = rogue.macro({ ...head, height: macroHeight - 1 }, { round: 0, signers: new Uint8Array(0), signature: new Uint8Array(96) }, farRound);
    const signature = rogue.sign(proposalSigningBytes(rogue.chain, BigInt(macroHeight), farRound, undefined, block.hash));
    rogue.send(MessageKind.Proposal, encodeProposal({ height: BigInt(macroHeight), round: farRound, validRound: undefined, proposer: rogue.plmn, block: block.frame, signature }), [1]);
    await waitMetricAbove(c, [1], 'cdrchain_consensus_messages_total{kind="Proposal",verdict="reject"}', proposalRejects);
    await waitLogged(c, [1], 'peer message rejected', (l) => l['peer'] === rogue.plmn && String(l['reason']).includes(`round ${farRound} too far ahead`));
  });

  it('a skip block whose aggregate signature does not verify is penalised and never applied', async () => {
    const { c, rogue } = r;
    const before = await metricOf(c, [1], BLOCK_PENALTIES);
    // The skip block is canonical (its hash does not cover the justification): after a parent whose next slot is
    // the rogue's, the honest validators skip that slot themselves with a block of the same hash. Pick a slot an
    // honest validator produces, so the block final at that height is its micro block.
    const parent = await r.rogue.nextBlock((b) => b.header.kind !== BlockKind.Macro && r.rogue.heights.macroAtOrAfter(b.height) - b.height >= 3
      && b.height > r.rogue.lastFinal.height && r.rogue.producerOf(b.height + 1) !== r.rogue.plmn);
    const height = parent.height + 1;
    const everyone = rogue.set.validators.map((v) => v.id);
    // Claims all four signed; the signature is the rogue's alone.
    const ownSig = rogue.sign(skipSigningBytes(rogue.chain, BigInt(height), seedEntropy(parent.header.consensus.seed)));
    const forged = rogue.skip(parent, { round: 0, signers: rogue.signers(everyone), signature: ownSig });
    rogue.sendBlock(forged, [1]);
    await waitMetricAbove(c, [1], BLOCK_PENALTIES, before);
    await waitLogged(c, [1], 'block rejected', (l) => l['hash'] === forged.hashHex && String(l['reason']).includes('skip_proof: aggregate signature does not verify'));
    await expectFinalizing(r, 1);
    expect((await c.finalHashes(1))[height]).not.toBe(forged.hashHex);
  });

  it('a macro block whose precommit aggregate does not verify is penalised; the honest validators decide their own', async () => {
    const { c, rogue } = r;
    const before = await metricOf(c, [2], BLOCK_PENALTIES);
    let forgedHash = '';
    // The forged block must arrive while its height is open: on the block just below a macro height.
    for (let attempt = 0; attempt < 3 && forgedHash === ''; attempt++) {
      const parent = await rogue.nextBlock((b) => rogue.heights.isMacro(b.height + 1) && b.height > rogue.lastFinal.height);
      const everyone = rogue.set.validators.map((v) => v.id);
      const unsigned = rogue.macro(parent, { round: 0, signers: rogue.signers(everyone), signature: new Uint8Array(96) });
      const precommit = rogue.sign(tendermintVoteSigningBytes('precommit', rogue.chain, unsigned.header.height, 0, unsigned.hash));
      const forged = withJustification(unsigned, { round: 0, signers: rogue.signers(everyone), signature: precommit });
      rogue.sendBlock(forged, [2]);
      try {
        await waitLogged(c, [2], 'block rejected', (l) => l['hash'] === forged.hashHex, 5_000);
        forgedHash = forged.hashHex;
      } catch {
        // decided before it arrived ("at or below the last final block"): try at the next macro height
      }
    }
    expect(forgedHash, 'the forged macro block reached validator 2 while its height was open').not.toBe('');
    expect(logLines(c, 2, 'block rejected', (l) => l['hash'] === forgedHash)[0]!['reason']).toContain('macro_justification: aggregate signature does not verify');
    await waitMetricAbove(c, [2], BLOCK_PENALTIES, before);
    await expectFinalizing(r, 1);
    expect(new Set(await c.finalHashes(2)).has(forgedHash)).toBe(false);
  });

  it('an equivocating proposer (two valid proposals for its round, split 1|2) and double voter: one macro block is final, the same everywhere', async () => {
    const { c, rogue, honest } = r;
    // Wait for a batch whose macro height the rogue proposes in round 0 (a quarter of the batches).
    const parent = await rogue.nextBlock((b) => rogue.heights.isMacro(b.height + 1) && rogue.producerOf(b.height + 1, 0) === rogue.plmn && b.height > rogue.lastFinal.height, 60_000);
    const height = parent.height + 1;
    const accepted = await metricOf(c, honest, 'cdrchain_consensus_messages_total{kind="Proposal",verdict="accept"}');
    const v1 = rogue.macroProposal(parent, 0, 0);
    const v2 = rogue.macroProposal(parent, 0, 1);
    expect(v1.block.hashHex).not.toBe(v2.block.hashHex);
    rogue.send(MessageKind.Proposal, v1.payload, [0]);
    rogue.send(MessageKind.Proposal, v2.payload, [1, 2]);
    // And it votes for each value where it proposed that value.
    for (const [value, to] of [[v1.block.hash, [0]], [v2.block.hash, [1, 2]]] as const) {
      rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Prevote, height, round: 0, value }), to);
      rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Precommit, height, round: 0, value }), to);
    }
    await waitMetricAbove(c, honest, 'cdrchain_consensus_messages_total{kind="Proposal",verdict="accept"}', accepted);
    const finals = await Promise.all(honest.map((i) => c.waitFinal(i, height, 30_000)));
    const hashes = await Promise.all(honest.map(async (i) => (await c.finalHashes(i))[height]));
    expect(new Set(hashes).size, `final blocks at ${height}: ${hashes.join(', ')}`).toBe(1);
    expect(finals.every((f) => f.final.height >= height)).toBe(true);
    for (const i of honest) {
      expect(logLines(c, i, 'consensus task failed')).toEqual([]);
      // Both proposals were valid blocks (so the split was real): nobody judged one invalid.
      expect(logLines(c, i, 'invalid proposal', (l) => l['height'] === height)).toEqual([]);
    }
    await expectFinalizing(r, 1);
    await new FinalChains(c).expectAllFinal(honest, streams.flatMap((s) => s.acked.map((a) => a.id)), 30_000);
  }, 120_000);

  it('a validator that keeps misbehaving (double votes, a skip block without a quorum) is disconnected, banned and refused; the chain goes on', async () => {
    const { c, rogue, honest } = r;
    // Two different prevotes for one round: the first counts, the second is an equivocation.
    const head = await midBatch();
    const macroHeight = rogue.heights.macroAtOrAfter(head.height);
    rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Prevote, height: macroHeight, round: 0, value: randomBytes(32) }), [1]);
    rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Prevote, height: macroHeight, round: 0, value: randomBytes(32) }), [1]);
    await waitLogged(c, [1], 'equivocation: two different votes for one round and step', (l) => l['validator'] === rogue.plmn);
    // A skip block signed by the rogue alone (its real skip vote, a quarter of the power).
    const parent = await midBatch();
    const mine = rogue.sign(skipSigningBytes(rogue.chain, BigInt(parent.height + 1), seedEntropy(parent.header.consensus.seed)));
    const lonely = rogue.skip(parent, { round: 0, signers: rogue.signers([rogue.plmn]), signature: mine });
    rogue.sendBlock(lonely, [2]);
    await waitLogged(c, [2], 'block rejected', (l) => l['hash'] === lonely.hashHex && String(l['reason']).includes('skip_proof: signers hold 1 of 4 power, a quorum is 3'));
    // Each of those cost 50 points on top of earlier tests' (these may already have banned it at 1 or 2).
    // Whatever score recovered meanwhile, forged votes finish it off.
    for (let k = 0; k < 10 && logLines(c, 0, 'peer score below threshold: disconnected and banned', (l) => l['peer'] === rogue.plmn).length === 0; k++) {
      const h = await midBatch();
      rogue.send(MessageKind.Vote, rogue.vote({ kind: VoteKind.Skip, height: h.height + 1, value: randomBytes(32), validator: c.plmn(1), secretKey: RogueValidator.outsiderKey() }), [0]);
      await new Promise((res) => setTimeout(res, 300));
    }
    await waitLogged(c, [0], 'peer score below threshold: disconnected and banned', (l) => l['peer'] === rogue.plmn && l['score'] === -100 && l['banMs'] === 60_000);
    expect(await c.metric(0, `cdrchain_p2p_peer_score{peer="${rogue.plmn}"}`)).toBeLessThanOrEqual(0);
    // The rogue dials again and again: refused while banned; validator 0 shows it disconnected.
    await waitMetricAbove(c, [0], 'cdrchain_p2p_connections_refused_total{reason="banned"}', [0]);
    const status = await c.consensus(0);
    expect(status.validators.find((v) => v.plmn === rogue.plmn)!.connected).toBe(false);
    expect(rogue.net.connectedPeers()).not.toContain(c.plmn(0));

    // The honest three go on, and every batch acknowledged is final once on each.
    await Promise.all(streams.map((s, k) => s.submit(honest[k]!, 3)));
    await expectFinalizing(r, 1);
    await new FinalChains(c).expectAllFinal(honest, streams.flatMap((s) => s.acked.map((a) => a.id)), 40_000);
    await waitUntil('validator 0 still refuses the rogue', async () => (await c.consensus(0)).validators.find((v) => v.plmn === rogue.plmn)!.connected === false, 1_000);
  }, 90_000);
});
