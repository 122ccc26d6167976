import { performance } from 'node:perf_hooks';
import { contractTxHash, ContractTxKind, decodeContractTx, MAX_CONTRACT_TX_FRAME_BYTES, canonicalContractTx, type DecodedContractTx } from '../codec/contract-tx.js';
import { ed25519Verify, PublicKeyCache } from '../crypto/ed25519.js';
import type { Logger } from '../log.js';
import type { Stores } from '../storage/index.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { unwrapCode } from '../vm/container.js';
import { InvalidCodeError } from '../vm/execution.js';
import type { AdmissionBudget, AdmissionSource, BudgetTicket } from './admission-budget.js';
import type { Mempool, MempoolEntry } from './mempool.js';
import type { OperatorDirectory } from './operators.js';
import { assertNextSequence, BatchRejectedError, decodeOrReject, RejectCode } from './reject.js';
import { TxKind } from './tx-kinds/tx-kind.js';
import { writePending } from './pending-write.js';

export interface ContractLimits {
  /** Highest gas limit one transaction may ask for. */
  readonly maxTxGas: bigint;
}

export const DEFAULT_CONTRACT_LIMITS: ContractLimits = { maxTxGas: 10_000_000n };

export interface AcceptedContractTx {
  readonly id: Uint8Array;
  readonly kind: ContractTxKind;
  readonly sender: number;
  readonly sequence: bigint;
}

/**
 * Admits contract transactions (deploy, call). Everything runs on the main thread — one Ed25519
 * verification (~0.16 ms) is cheaper than a worker round trip — and in arrival order, so each
 * sender's sequence check needs no lane. Like a batch, a transaction is acknowledged only once
 * its bytes and pending marker are on disk.
 */
export class ContractAdmission {
  /** Highest contract sequence accepted per sender (committed or pending). */
  private readonly lastSequence = new Map<number, bigint>();
  private readonly keys = new PublicKeyCache();

  constructor(
    private readonly deps: {
      readonly limits: ContractLimits;
      /** This node's chain identity: signatures and hashes are bound to it. */
      readonly chain: Uint8Array;
      /** Largest step of a sender's sequence above its last accepted one (the admission limit maxSequenceJump). */
      readonly maxSequenceJump: number;
      readonly operators: OperatorDirectory;
      readonly stores: Stores;
      /** Whether the data directory takes writes: new work is refused (StorageFull) while it does not. */
      readonly storage: StorageHealth;
      readonly mempool: Mempool;
      /** Admission order, shared with batch admission. */
      readonly allocateOrder: () => number;
      /** In-flight budgets, shared with batch admission (Busy). */
      readonly budget: AdmissionBudget;
      readonly log: Logger;
    },
  ) {}

  /** Called once on start with committed sequences raised by pending transactions. */
  restore(sequences: ReadonlyMap<number, bigint>): void {
    for (const [sender, seq] of sequences) this.noteSequence(sender, seq);
  }

  lastAcceptedSequence(sender: number): bigint | undefined {
    return this.lastSequence.get(sender);
  }

  /**
   * Resolves once the transaction is durable; rejects with BatchRejectedError and records nothing otherwise.
   * `source`'s budget is charged from the checks to the durable write.
   */
  async submit(frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedContractTx> {
    const held: BudgetTicket[] = [];
    try {
      return await this.admit(frame, source, onWellFormed, (tx) => held.push(this.deps.budget.acquire(source, tx.sender, frame.length, tx.sequence)));
    } finally {
      for (const ticket of held) ticket.release();
    }
  }

  private async admit(frame: Uint8Array, source: AdmissionSource, onWellFormed: (() => void) | undefined, charge: (tx: DecodedContractTx) => void): Promise<AcceptedContractTx> {
    const receivedAt = performance.now();
    if (frame.length > MAX_CONTRACT_TX_FRAME_BYTES) {
      throw new BatchRejectedError(RejectCode.TooLarge, `${frame.length} bytes exceeds the ${MAX_CONTRACT_TX_FRAME_BYTES}-byte contract transaction limit`);
    }
    const tx = decodeOrReject(frame, decodeContractTx);
    onWellFormed?.();
    this.check(tx, source);
    if (!this.deps.storage.writable) {
      throw new BatchRejectedError(RejectCode.StorageFull, `node storage is not writable (${this.deps.storage.status().reason ?? 'unknown'}); nothing was recorded, retry later`, tx.sequence);
    }
    charge(tx); // Busy (src/chain/admission-budget.ts): after the signature, so only verified senders are charged
    // Synchronously from here to push: the sequence is claimed before any other frame is judged.
    const previousSequence = this.lastSequence.get(tx.sender);
    this.noteSequence(tx.sender, tx.sequence);
    const id = contractTxHash(tx, this.deps.chain);
    const entry: MempoolEntry = {
      order: this.deps.allocateOrder(),
      id,
      submitter: tx.sender,
      sequence: tx.sequence,
      cdrCount: 0,
      kind: TxKind.ContractTx,
      gasLimit: tx.gasLimit,
      receivedAt,
      durable: false,
    };
    await writePending(this.deps, entry, frame, {
      what: 'contract transaction write',
      sequence: tx.sequence,
      // Release the sequence unless a later transaction of the sender already claimed one above it,
      // so the same signed transaction can be resent at once.
      onFailure: () => {
        if (this.lastSequence.get(tx.sender) === tx.sequence) {
          if (previousSequence === undefined) this.lastSequence.delete(tx.sender);
          else this.lastSequence.set(tx.sender, previousSequence);
        }
      },
    });
    return { id, kind: tx.kind, sender: tx.sender, sequence: tx.sequence };
  }

  /** Every check before the transaction joins the mempool, cheapest first. */
  private check(tx: DecodedContractTx, source: AdmissionSource): void {
    const { operators, limits } = this.deps;
    const operator = operators.get(tx.sender);
    if (!operator) throw new BatchRejectedError(RejectCode.UnknownOperator, `sender ${tx.sender} is not a consortium operator`, tx.sequence);
    if (tx.sequence === 0n) throw new BatchRejectedError(RejectCode.OutOfRange, 'sequence numbers start at 1', tx.sequence);
    if (tx.gasLimit < 1n || tx.gasLimit > limits.maxTxGas) {
      throw new BatchRejectedError(RejectCode.OutOfRange, `gas limit ${tx.gasLimit} outside 1..${limits.maxTxGas}`, tx.sequence);
    }
    if (tx.kind === ContractTxKind.Deploy) {
      try {
        unwrapCode(tx.code);
      } catch (err) {
        if (err instanceof InvalidCodeError) throw new BatchRejectedError(RejectCode.OutOfRange, `invalid bytecode container: ${err.message}`, tx.sequence);
        throw err;
      }
    }
    if (!ed25519Verify(canonicalContractTx(tx, this.deps.chain), tx.signature, this.keys.get(operator.batchKey))) {
      throw new BatchRejectedError(RejectCode.BadSignature, 'signature does not verify with the sender\'s batch key for this chain', tx.sequence);
    }
    // A relayed one below the last accepted here may be what a peer's block names (see
    // AdmissionSource.relayed); one a final block superseded is discarded at the next commit.
    if (!source.relayed) assertNextSequence(tx.sequence, this.lastSequence.get(tx.sender), this.deps.maxSequenceJump, `contract transaction of ${tx.sender}`);
  }

  private noteSequence(sender: number, seq: bigint): void {
    const last = this.lastSequence.get(sender);
    if (last === undefined || seq > last) this.lastSequence.set(sender, seq);
  }
}
