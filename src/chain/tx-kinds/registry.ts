import { MalformedFrameError } from '../../codec/errors.js';
import { batchProofCodec } from './batch-proof.js';
import { cdrBatchCodec } from './cdr-batch.js';
import { contractTxCodec } from './contract-tx.js';
import { verdictCodec } from './verdict.js';
import { settlementCodec } from './settlement.js';
import type { AcceptedTx, TxAdmitter, TxCodec, TxKind, TxKindHandler } from './tx-kind.js';
import type { AdmissionSource } from '../admission-budget.js';

/** Every kind's pure half, by kind. A new kind adds its codec here and its admitter where the chain is composed. */
const CODECS: readonly TxCodec[] = [cdrBatchCodec, contractTxCodec, batchProofCodec, verdictCodec, settlementCodec];

const BY_KIND = new Map<TxKind, TxCodec>(CODECS.map((c) => [c.kind, c]));
const BY_IDENTIFIER = new Map<string, TxCodec>(CODECS.flatMap((c) => c.fileIdentifiers.map((id) => [id, c] as const)));

/** A frame whose file identifier names no transaction kind. */
export class UnknownTxKindError extends MalformedFrameError {}

/**
 * The one place a frame's kind is read: its flatbuffers file identifier (bytes 4..8). Undefined
 * when it names no kind this node knows (or the frame is too short to have one).
 */
export function txCodecOf(bytes: Uint8Array): TxCodec | undefined {
  if (bytes.length < 8) return undefined;
  return BY_IDENTIFIER.get(String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!));
}

/** The codec of `kind`. */
export function txCodec(kind: TxKind): TxCodec {
  const codec = BY_KIND.get(kind);
  if (!codec) throw new RangeError(`no transaction kind ${String(kind)}`);
  return codec;
}

/** Every kind, in tag order. */
export function txCodecs(): readonly TxCodec[] {
  return [...CODECS].sort((a, b) => a.kind - b.kind);
}

/** Each kind's handler: its codec plus the admitter the composed node gives it. */
export class TxKindRegistry {
  private readonly handlers = new Map<TxKind, TxKindHandler>();

  constructor(admitters: ReadonlyMap<TxKind, TxAdmitter>) {
    for (const codec of CODECS) {
      const admitter = admitters.get(codec.kind);
      if (!admitter) throw new RangeError(`transaction kind ${codec.name} has no admitter`);
      this.handlers.set(codec.kind, {
        ...codec,
        admit: (frame: Uint8Array, source: AdmissionSource, onWellFormed?: () => void): Promise<AcceptedTx> => admitter.admit(frame, source, onWellFormed),
      });
    }
  }

  get(kind: TxKind): TxKindHandler {
    const handler = this.handlers.get(kind);
    if (!handler) throw new RangeError(`no transaction kind ${String(kind)}`);
    return handler;
  }

  /** The handler of a frame's kind; throws UnknownTxKindError (a malformed frame) when it names none. */
  handlerOf(frame: Uint8Array): TxKindHandler {
    const codec = txCodecOf(frame);
    if (!codec) {
      const id = frame.length >= 8 ? JSON.stringify(String.fromCharCode(frame[4]!, frame[5]!, frame[6]!, frame[7]!)) : 'none';
      throw new UnknownTxKindError(`file identifier ${id} names no transaction kind (${CODECS.flatMap((c) => c.fileIdentifiers).join(', ')})`);
    }
    return this.get(codec.kind);
  }
}
