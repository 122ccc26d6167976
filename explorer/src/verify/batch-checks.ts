import { sha256 } from '@noble/hashes/sha2.js';
import { ApiError, type Batch, type NodeClient } from '../api.js';
import { num } from '../format.js';
import { batchIdOf, signatureValid } from './batch-header.js';
import { bytesToHex, equalBytes, hexToBytes } from './hex.js';
import { fieldFromHex, fieldToHex, poseidonPathValid, poseidonTree } from './poseidon-merkle.js';
import { sha256PathValid, sha256Tree, type Sha256Step } from './sha256-merkle.js';

/**
 * Everything the browser can check about a batch from what the node serves, without trusting the
 * node's word: the id is the hash of the header on this chain, the submitter signed that header,
 * the records are the ones its digest and Merkle root bind, one record's inclusion path folds to the
 * signed root, and the batch's id folds to its block's transaction root.
 */

export type CheckId = 'id' | 'signature' | 'digest' | 'root' | 'inclusion' | 'block';
export type CheckState = 'waiting' | 'running' | 'pass' | 'fail' | 'skipped';

export interface Check {
  readonly id: CheckId;
  readonly label: string;
  state: CheckState;
  detail: string;
}

export interface InclusionProof {
  readonly index: number;
  readonly commitment: string;
  readonly siblings: readonly string[];
  readonly root: string;
}

/** Records fetched per request: the node's largest page. */
const PAGE = 1000;

export function initialChecks(): Check[] {
  const c = (id: CheckId, label: string): Check => ({ id, label, state: 'waiting', detail: '' });
  return [
    c('id', 'Batch id is the SHA-256 of its header on this chain'),
    c('signature', "Submitter's Ed25519 signature over the header"),
    c('digest', 'Records digest (SHA-256 of every record)'),
    c('root', 'Poseidon Merkle root recomputed from the commitments'),
    c('inclusion', 'Inclusion proof of one record'),
    c('block', "Batch is in its block's transaction root"),
  ];
}

export async function runBatchChecks(args: {
  readonly api: NodeClient;
  readonly batch: Batch;
  readonly genesisHash: string;
  readonly recordIndex: number;
  readonly checks: Check[];
  readonly onChange: (proof?: InclusionProof) => void;
  readonly signal: AbortSignal;
}): Promise<void> {
  const { api, batch, genesisHash, checks, onChange, signal } = args;
  const check = (id: CheckId) => checks.find((c) => c.id === id)!;
  const set = (id: CheckId, state: CheckState, detail: string) => {
    Object.assign(check(id), { state, detail });
    onChange();
  };
  for (const c of checks) Object.assign(c, { state: 'waiting', detail: '' });

  // 1. The id.
  const id = bytesToHex(batchIdOf(batch, genesisHash));
  set('id', id === batch.id ? 'pass' : 'fail', id === batch.id ? `SHA-256 of the canonical header and genesis ${genesisHash.slice(0, 8)}… = ${id}` : `the header hashes to ${id}, not the id the node gave`);

  // 2. The signature, under the key the node lists for the submitter.
  set('signature', 'running', 'fetching the operator key…');
  try {
    const op = await api.operator(batch.submitter, signal);
    const ok = signatureValid(batch, genesisHash, batch.signature, op.batchKey);
    set('signature', ok ? 'pass' : 'fail', ok ? `valid under ${op.name}'s batch key ${op.batchKey.slice(0, 16)}…` : `does not verify under ${op.name}'s batch key`);
  } catch (err) {
    if (signal.aborted) throw err;
    set('signature', 'fail', err instanceof Error ? err.message : String(err));
  }

  // 3-5. The records: digest, root, one record's path.
  const n = batch.recordCount;
  const index = args.recordIndex;
  if (batch.pruned) {
    const why = 'the node pruned the records (retention); the operator keeps its own copy';
    set('digest', 'skipped', why);
    set('root', 'skipped', why);
    set('inclusion', 'skipped', why);
  } else if (!Number.isInteger(index) || index < 0 || index >= n) {
    set('digest', 'skipped', '');
    set('root', 'skipped', '');
    set('inclusion', 'fail', `record ${index} is outside 0..${n - 1}`);
  } else {
    await recordChecks();
  }

  async function recordChecks(): Promise<void> {
    set('digest', 'running', `fetching ${num(n)} records…`);
    const digest = sha256.create();
    const commitments: string[] = [];
    try {
      for (let offset = 0; offset < n; offset += PAGE) {
        const page = await api.batchRecords(batch.id, offset, PAGE, signal);
        for (const r of page.records) {
          for (const f of [r.eventKeyHash, r.commitment, r.nullifier, r.payloadHash]) digest.update(hexToBytes(f, 32));
          commitments.push(r.commitment);
        }
        set('digest', 'running', `fetched ${num(commitments.length)} of ${num(n)} records…`);
        if (page.records.length === 0) break;
      }
    } catch (err) {
      if (signal.aborted) throw err;
      const msg = err instanceof ApiError && err.code === 'records_pruned' ? 'the node pruned the records (retention)' : err instanceof Error ? err.message : String(err);
      for (const c of ['digest', 'root', 'inclusion'] as const) set(c, c === 'digest' ? 'fail' : 'skipped', msg);
      return;
    }
    if (commitments.length !== n) {
      set('digest', 'fail', `the node served ${commitments.length} records, the header says ${n}`);
      set('root', 'skipped', '');
      set('inclusion', 'skipped', '');
      return;
    }
    const d = bytesToHex(digest.digest());
    set('digest', d === batch.recordsDigest ? 'pass' : 'fail', d === batch.recordsDigest ? `${num(n)} records hash to ${d}` : `the records hash to ${d}, the header says ${batch.recordsDigest}`);

    set('root', 'running', 'hashing…');
    let tree: { root: bigint; siblings: bigint[] };
    let leaves: bigint[];
    try {
      leaves = commitments.map(fieldFromHex);
      tree = await poseidonTree(leaves, index, {
        signal,
        onProgress: (p) => set('root', 'running', `Poseidon: ${num(p.hashed)} of ${num(p.total)} hashes`),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      set('root', 'fail', err instanceof Error ? err.message : String(err));
      set('inclusion', 'skipped', '');
      return;
    }
    const root = fieldToHex(tree.root);
    set('root', root === batch.merkleRoot ? 'pass' : 'fail', root === batch.merkleRoot ? `poseidon-lite gives ${root}, the signed root` : `poseidon-lite gives ${root}, the header says ${batch.merkleRoot}`);

    const signedRoot = fieldFromHex(batch.merkleRoot);
    const ok = poseidonPathValid(leaves[index]!, index, tree.siblings, signedRoot);
    const proof: InclusionProof = { index, commitment: commitments[index]!, siblings: tree.siblings.map(fieldToHex), root: batch.merkleRoot };
    Object.assign(check('inclusion'), {
      state: ok ? 'pass' : 'fail',
      detail: ok
        ? `record ${num(index)}'s commitment folds through ${tree.siblings.length} siblings to the signed Merkle root`
        : `record ${num(index)}'s path does not reach the signed Merkle root`,
    });
    onChange(proof);
  }

  // 6. The block.
  if (batch.status !== 'committed' || batch.height === undefined || batch.index === undefined) {
    set('block', 'skipped', 'not in a block yet (pending)');
    return;
  }
  set('block', 'running', `fetching block ${batch.height}…`);
  try {
    const block = await api.block(batch.height, signal);
    const idBytes = hexToBytes(batch.id, 32);
    let path: Sha256Step[];
    if (batch.txPath) {
      path = batch.txPath.map((s) => ({ sibling: hexToBytes(s.sibling, 32), siblingOnLeft: s.left }));
    } else if (block.txIds) {
      if (block.txIds[batch.index] !== batch.id) {
        set('block', 'fail', `block ${block.height} lists another transaction at index ${batch.index}`);
        return;
      }
      const tree = sha256Tree(block.txIds.map((t) => hexToBytes(t, 32)), batch.index);
      if (!equalBytes(tree.root, hexToBytes(block.txRoot, 32))) {
        set('block', 'fail', `block ${block.height}'s transaction ids do not hash to its txRoot`);
        return;
      }
      path = tree.path;
    } else {
      set('block', 'skipped', `block ${block.height}'s body was pruned and the batch carries no path`);
      return;
    }
    const ok = sha256PathValid(idBytes, path, hexToBytes(block.txRoot, 32));
    set('block', ok ? 'pass' : 'fail', ok ? `transaction ${batch.index} of block ${num(block.height)}: ${path.length === 0 ? 'its only transaction, whose leaf hash is' : `a ${path.length}-step path to`} txRoot ${block.txRoot.slice(0, 16)}…` : `the id does not fold to block ${block.height}'s txRoot`);
  } catch (err) {
    if (signal.aborted) throw err;
    set('block', 'fail', err instanceof Error ? err.message : String(err));
  }
}
