import { MAX_PAYLOAD_BYTES, MessageKind } from '../peer-network.js';

/**
 * Wire framing of the TLS network: `[u32 length, big-endian][u8 kind][payload]`, where `length` counts
 * the payload only. Kinds are the `MessageKind` tags, plus the network's own control kind 0 (`HELLO`),
 * which the layers above never see. A receiver checks the kind and the length against the kind's
 * limit from the 5-byte header, before it buffers a single payload byte.
 */
export const FRAME_HEADER_BYTES = 5;

/** Control: the first frame each side sends after the TLS handshake (see hello.ts). */
export const HELLO_KIND = 0;
export const HELLO_MAX_BYTES = 64;

/** The largest payload of each kind this end accepts: `MAX_PAYLOAD_BYTES`, optionally lowered. */
export type FrameLimits = ReadonlyMap<number, number>;

export function frameLimits(lower: Partial<Record<MessageKind, number>> = {}): FrameLimits {
  const limits = new Map<number, number>([[HELLO_KIND, HELLO_MAX_BYTES]]);
  for (const [k, max] of Object.entries(MAX_PAYLOAD_BYTES)) {
    const kind = Number(k) as MessageKind;
    const wanted = lower[kind];
    if (wanted !== undefined && (!Number.isSafeInteger(wanted) || wanted < 0 || wanted > max)) {
      throw new RangeError(`limit of ${MessageKind[kind]} must be 0..${max} (it may only be lowered), got ${wanted}`);
    }
    limits.set(kind, wanted ?? max);
  }
  return limits;
}

/** Is `kind` a message kind the layers above handle (not control, not unknown)? */
export function isMessageKind(kind: number): kind is MessageKind {
  return kind !== HELLO_KIND && Object.prototype.hasOwnProperty.call(MAX_PAYLOAD_BYTES, kind);
}

/** A metrics/log label for a kind. */
export function kindLabel(kind: number): string {
  if (kind === HELLO_KIND) return 'hello';
  return isMessageKind(kind) ? MessageKind[kind] : 'unknown';
}

/** One frame, as a new buffer (the payload is copied: the caller may reuse its array). */
export function encodeFrame(kind: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(kind) || kind < 0 || kind > 255) throw new RangeError(`frame kind ${kind} is not a u8`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
  frame.writeUInt32BE(payload.byteLength, 0);
  frame[4] = kind;
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
