import { FRAME_HEADER_BYTES, type FrameLimits } from './frame.js';

export interface DecodedFrame {
  readonly kind: number;
  /** A view of the received bytes: valid until the next `next()` or `push()`. */
  readonly payload: Buffer;
}

/** A header that ends the connection: the payload is never buffered. */
export interface FrameViolation {
  readonly violation: 'unknown_kind' | 'oversized';
  readonly kind: number;
  readonly length: number;
}

/**
 * Incremental, pull-based decoder of `[u32 length][u8 kind][payload]` frames. It keeps the chunks as
 * they arrive (no up-front allocation from a peer's announced length) and copies only when a payload
 * spans chunks, once all of its bytes are there. The connection bounds `bufferedBytes`: it stops
 * reading the socket while it does not pull.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private offset = 0; // read position in chunks[0]
  private buffered = 0;
  private header: { kind: number; length: number } | null = null;

  constructor(private readonly limits: FrameLimits) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The payload length of the frame being received (its header read), else 0. */
  get pendingPayloadBytes(): number {
    return this.header?.length ?? 0;
  }

  /** True if bytes of an incomplete frame are held: a close now truncates a frame. */
  get midFrame(): boolean {
    return this.buffered > 0 || this.header !== null;
  }

  /** The next complete frame, a violation (the connection must be dropped), or null (need more bytes). */
  next(): DecodedFrame | FrameViolation | null {
    if (this.header === null) {
      if (this.buffered < FRAME_HEADER_BYTES) return null;
      const h = this.take(FRAME_HEADER_BYTES);
      const length = h.readUInt32BE(0);
      const kind = h[4]!;
      const limit = this.limits.get(kind);
      if (limit === undefined) return { violation: 'unknown_kind', kind, length };
      if (length > limit) return { violation: 'oversized', kind, length };
      this.header = { kind, length };
    }
    if (this.buffered < this.header.length) return null;
    const frame = { kind: this.header.kind, payload: this.take(this.header.length) };
    this.header = null;
    return frame;
  }

  /** `n` bytes off the front: a view when they sit in one chunk, else one copy. Requires n ≤ buffered. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return Buffer.alloc(0);
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const m = Math.min(n - filled, c.length - this.offset);
      c.copy(out, filled, this.offset, this.offset + m);
      filled += m;
      this.offset += m;
      if (this.offset === c.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    }
    return out;
  }
}

export function isViolation(r: DecodedFrame | FrameViolation): r is FrameViolation {
  return 'violation' in r;
}
