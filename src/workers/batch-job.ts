import { performance } from 'node:perf_hooks';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { decodeBatch } from '../codec/batch.js';
import { RejectCode } from '../codec/ingest-reply.js';
import { PublicKeyCache } from '../crypto/ed25519.js';
import { PoseidonWasm } from '../wasm/poseidon.js';
import { checkBatchCryptography } from './batch-checks.js';
import { checkSealedSection } from './sealed-checks.js';
import type { SealedRecipients } from '../codec/sealed-section.js';

/** The `batch` job: the expensive checks of one batch. The frame arrives and leaves as a transferred buffer. */
export interface VerifyBatchTask {
  readonly frame: ArrayBuffer;
  readonly publicKey: Uint8Array;
  /** The keys a sealed section must be wrapped for (genesis privacy section); absent: the frame has none. */
  readonly sealedRecipients?: SealedRecipients;
}

export interface VerifyBatchOutcome {
  readonly frame: ArrayBuffer;
  readonly code: RejectCode;
  readonly detail: string;
  readonly taskMs: number;
}

/** The handler a worker runs for `batch` jobs, bound to the node's chain identity (32 bytes). */
export function createBatchJob(chain: Uint8Array): (task: VerifyBatchTask) => unknown {
  if (!(chain instanceof Uint8Array) || chain.length !== 32) throw new TypeError('the batch job needs the chain identity (32 bytes)');
  const poseidon = PoseidonWasm.load();
  const keys = new PublicKeyCache();
  return (task) => {
    const started = performance.now();
    let code = RejectCode.None;
    let detail = '';
    try {
      const batch = decodeBatch(new Uint8Array(task.frame));
      const key = keys.get(task.publicKey);
      let verdict = checkBatchCryptography(batch, key, poseidon, chain);
      if (verdict.code === RejectCode.None && batch.sealed !== undefined) {
        // Admission sends the recipients whenever the frame carries a section it may carry.
        verdict = task.sealedRecipients
          ? checkSealedSection(batch, batch.sealed, task.sealedRecipients, key, chain)
          : { code: RejectCode.BadSealedSection, detail: 'this node takes no sealed section for this batch' };
      }
      code = verdict.code;
      detail = verdict.detail;
    } catch (err) {
      // The main thread decoded this frame already: anything thrown here is a fault, not bad input.
      code = RejectCode.Internal;
      detail = err instanceof Error ? err.message : String(err);
    }
    const outcome: VerifyBatchOutcome = { frame: task.frame, code, detail, taskMs: performance.now() - started };
    // The frame goes back moved, not cloned (a nested `move` would not be: piscina moves the top level).
    return move({
      get [transferableSymbol]() {
        return [outcome.frame];
      },
      get [valueSymbol]() {
        return outcome;
      },
    });
  };
}
