// The state transition on real chains (LMDB, verification workers, the WASM VM): blocks one node
// builds are checked and applied by another that admitted the same transactions, and every way a
// block can be wrong is refused before anything is written.
import { afterEach, describe, expect, it } from 'vitest';
import { Operator } from '../client/operator.js';
import { signCall, signDeploy } from '../client/contract-tx.js';
import { BLOCK_VERSION_CONSENSUS, BlockKind, type BlockHeaderFields } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { BLOCK_VERSION } from '../codec/limits.js';
import { sha256MerkleRoot } from '../crypto/hash.js';
import { candidateOf, idleSchedule, openTestChain } from '../test-helpers/chain.js';
import { sumContract, words } from '../test-helpers/contracts.js';
import { ORANGE_FR, TELEKOM_DE, tempDataDir, traffic, VODAFONE_UK } from '../test-helpers/devnet.js';
import { StaleBlockError } from './block-committer.js';
import type { Chain } from './chain.js';
import { devnetBatchSeed } from './genesis.js';
import type { MempoolEntry } from './mempool.js';
import { InvalidBlockError, type BlockCandidate } from './state-transition.js';
import { TxKind } from './tx-kinds/tx-kind.js';

const telekom = Operator.devnet(TELEKOM_DE);
const vodafone = Operator.devnet(VODAFONE_UK);
const orange = devnetBatchSeed(ORANGE_FR);

describe('state transition', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function open(producer: Parameters<typeof openTestChain>[1] = {}): Promise<Chain> {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const chain = await openTestChain(data.dir, { deps: { schedule: idleSchedule }, ...producer });
    cleanups.push(() => chain.close());
    return chain;
  }

  /** The same signed frames, admitted by each chain in the same order. */
  async function admitAll(chains: readonly Chain[], frames: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const ids: Uint8Array[] = [];
    for (const frame of frames) {
      for (const chain of chains) {
        const accepted = await chain.submitTx(frame.slice(), chain.httpSource);
        if (chain === chains[0]) ids.push(accepted.id);
      }
    }
    return ids;
  }

  /** A block over `entries` on top of `chain`'s head, with header fields overridable. */
  function candidate(chain: Chain, entries: readonly MempoolEntry[], override: Partial<BlockHeaderFields> = {}): BlockCandidate {
    const head = chain.committed.head;
    const txIds = entries.map((e) => e.id);
    const header: BlockHeaderFields = {
      version: BLOCK_VERSION, kind: BlockKind.Micro, height: BigInt(head.height + 1), prevHash: head.hash,
      timestampMs: chain.committed.headTimestampMs + 1n, producer: TELEKOM_DE, txRoot: sha256MerkleRoot(txIds),
      txCount: txIds.length, cdrCount: entries.reduce((n, e) => n + e.cdrCount, 0), ...override,
    };
    return { header, txIds };
  }

  function refusal(f: () => unknown): InvalidBlockError {
    try {
      f();
    } catch (err) {
      if (err instanceof InvalidBlockError) return err;
      throw err;
    }
    throw new Error('the block was accepted');
  }

  it('a block one node builds is applied by another that admitted the same transactions: same hash, state root and receipts', async () => {
    const [a, b] = [await open(), await open()];
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1_000n, container: sumContract(), seed: orange });
    const call = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 100_000n, contract: deploy.contractId!, calldata: words(40n, 2n), seed: orange });
    const frames = [
      telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 40, 'st-1'), 1n).frame,
      deploy.frame,
      vodafone.batch(traffic(VODAFONE_UK, TELEKOM_DE, 30, 'st-2'), 1n).frame,
      telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 20, 'st-3'), 2n).frame,
      call.frame,
    ];
    const ids = await admitAll([a, b], frames);

    const built = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1_000n })!;
    expect(built.writes.txIds.map(toHex)).toEqual(ids.map(toHex));
    const checked = b.transition.apply(candidateOf(built.bytes), built.writes.stateRoot);
    expect(toHex(checked.hash)).toBe(toHex(built.writes.hash));
    expect(toHex(checked.stateRoot)).toBe(toHex(built.writes.stateRoot));
    expect(checked.receipts.map((r) => r.receipt)).toEqual(built.writes.receipts.map((r) => r.receipt));
    expect(BigInt(`0x${checked.receipts[1]!.receipt.output}`)).toBe(42n);
    expect(checked.sequences).toEqual([
      { space: TxKind.CdrBatch, submitter: VODAFONE_UK, sequence: 1n },
      { space: TxKind.CdrBatch, submitter: TELEKOM_DE, sequence: 2n },
      { space: TxKind.ContractTx, submitter: ORANGE_FR, sequence: 2n },
    ]);
    // Checking wrote nothing: the peer's block is still only a candidate at b.
    expect(b.committed.head.height).toBe(0);
    expect(b.mempool.size).toBe(5);

    await a.committer.commit(built);
    await b.committer.commit({ bytes: built.bytes, writes: checked });
    for (const chain of [a, b]) {
      expect(chain.committed.head.height).toBe(1);
      expect(toHex(chain.committed.head.hash)).toBe(toHex(built.writes.hash));
      expect(chain.committed.head.cdrCount).toBe(90);
      expect(chain.mempool.size).toBe(0);
      expect(chain.committed.committedSequence(TxKind.CdrBatch, TELEKOM_DE)).toBe(2n);
      expect(chain.committed.committedSequence(TxKind.ContractTx, ORANGE_FR)).toBe(2n);
      expect(chain.queries.batch(ids[3]!)?.view.status).toBe('committed');
      expect(chain.queries.receipt(call.hash)?.output).toBe(built.writes.receipts[1]!.receipt.output);
    }
    // The same writes again are stale: the head moved.
    await expect(b.committer.commit({ bytes: built.bytes, writes: checked })).rejects.toBeInstanceOf(StaleBlockError);
    // And the block itself is now refused: its transactions are committed.
    expect(refusal(() => b.transition.apply(candidateOf(built.bytes))).reason).toBe('height');
    const again = candidateOf(built.bytes);
    const replayed = { ...again, header: { ...again.header, height: 2n, prevHash: built.writes.hash, timestampMs: again.header.timestampMs + 1n } };
    expect(refusal(() => b.transition.apply(replayed)).reason).toBe('already_committed');
  });

  it('refuses a block naming a transaction not admitted here (retryable: fetch it, admit it, check again)', async () => {
    const [a, b] = [await open(), await open()];
    await admitAll([a], [telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 10, 'na-1'), 1n).frame]);
    const built = a.builder.build({ producer: TELEKOM_DE, timestampMs: a.committed.headTimestampMs + 1n })!;
    const err = refusal(() => b.transition.apply(candidateOf(built.bytes)));
    expect(err.reason).toBe('not_admitted');
    expect(err.retryable).toBe(true);
  });

  it('takes batches in any sequence order; refuses blocks over the limits, or whose header does not follow from the parent and contents', async () => {
    const chain = await open({ producer: { maxBlockTxs: 2 } });
    await admitAll([chain], [1n, 2n, 3n].map((seq) => telekom.batch(traffic(TELEKOM_DE, VODAFONE_UK, 10, `lim-${seq}`), seq).frame));
    const [e1, e2, e3] = chain.mempool.ready({ maxBlockTxs: 10, maxBlockCdrs: 1_000, maxBlockGas: 1 }) as [MempoolEntry, MempoolEntry, MempoolEntry];
    const apply = (c: BlockCandidate) => refusal(() => chain.transition.apply(c)).reason;

    // Batches are independent: a later one may go first (contract transactions keep their order).
    expect(() => chain.transition.apply(candidate(chain, [e2, e1]))).not.toThrow();
    expect(apply(candidate(chain, [e1, e1]))).toBe('duplicate_tx');
    expect(apply(candidate(chain, [e1, e2, e3]))).toBe('limits');
    expect(apply(candidate(chain, [e1], { height: 2n }))).toBe('height');
    expect(apply(candidate(chain, [e1], { prevHash: new Uint8Array(32).fill(7) }))).toBe('parent');
    expect(apply(candidate(chain, [e1], { timestampMs: chain.committed.headTimestampMs }))).toBe('timestamp');
    expect(apply(candidate(chain, [e1], { txRoot: new Uint8Array(32) }))).toBe('tx_root');
    expect(apply(candidate(chain, [e1], { txCount: 2 }))).toBe('tx_count');
    expect(apply(candidate(chain, [e1], { cdrCount: 11 }))).toBe('cdr_count');
    // A gap is allowed (admission allows sequence jumps); order within a submitter is what counts.
    expect(chain.transition.apply(candidate(chain, [e1, e3])).sequences).toEqual([{ space: TxKind.CdrBatch, submitter: TELEKOM_DE, sequence: 3n }]);
    // The builder fills to the same limits.
    expect(chain.builder.build({ producer: TELEKOM_DE, timestampMs: chain.committed.headTimestampMs + 1n })!.writes.txIds).toHaveLength(2);
  });

  it('refuses a block whose state root differs from what executing it here gives', async () => {
    const chain = await open();
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1_000n, container: sumContract(), seed: orange });
    await admitAll([chain], [deploy.frame]);
    const built = chain.builder.build({ producer: TELEKOM_DE, timestampMs: chain.committed.headTimestampMs + 1n })!;
    const other = Uint8Array.from(built.writes.stateRoot);
    other[0]! ^= 1;
    expect(refusal(() => chain.transition.apply(candidateOf(built.bytes), other)).reason).toBe('state_root');
    expect(toHex(chain.transition.apply(candidateOf(built.bytes), built.writes.stateRoot).stateRoot)).toBe(toHex(built.writes.stateRoot));
  });

  it('puts the state root in a version 2 header when consensus proposes, and checks it there', async () => {
    const chain = await open();
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 1_000n, container: sumContract(), seed: orange });
    await admitAll([chain], [deploy.frame]);
    const consensus = { round: 0, seed: new Uint8Array(96).fill(3), forkProofsRoot: new Uint8Array(32), validatorsHash: new Uint8Array(32) };
    const built = chain.builder.build({ producer: TELEKOM_DE, timestampMs: chain.committed.headTimestampMs + 1n, consensus })!;
    expect(built.writes.header.version).toBe(BLOCK_VERSION_CONSENSUS);
    expect(toHex(built.writes.header.consensus!.stateRoot)).toBe(toHex(built.writes.stateRoot));
    const received = candidateOf(built.bytes);
    expect(toHex(chain.transition.apply(received).hash)).toBe(toHex(built.writes.hash));
    const forged = Uint8Array.from(built.writes.stateRoot);
    forged[31]! ^= 1;
    const tampered = { ...received, header: { ...received.header, consensus: { ...received.header.consensus!, stateRoot: forged } } };
    expect(refusal(() => chain.transition.apply(tampered)).reason).toBe('state_root');
  });
});
