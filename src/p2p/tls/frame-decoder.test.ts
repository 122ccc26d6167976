import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, MessageKind } from '../peer-network.js';
import { encodeFrame, frameLimits, HELLO_KIND } from './frame.js';
import { type DecodedFrame, FrameDecoder, type FrameViolation, isViolation } from './frame-decoder.js';
import { PeerScores, DEFAULT_SCORING } from './peer-scores.js';
import { TokenBucket } from './token-bucket.js';

const limits = frameLimits({ [MessageKind.Batch]: 4096 });

function drain(d: FrameDecoder): Array<DecodedFrame | FrameViolation> {
  const out: Array<DecodedFrame | FrameViolation> = [];
  for (let r = d.next(); r !== null; r = d.next()) {
    out.push(isViolation(r) ? r : { kind: r.kind, payload: Buffer.from(r.payload) });
    if (isViolation(r)) break;
  }
  return out;
}

describe('FrameDecoder', () => {
  it('returns the same frames however the stream is cut into chunks', () => {
    const kinds = [HELLO_KIND, ...Object.values(MessageKind).filter((v): v is MessageKind => typeof v === 'number')];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 64 })), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map(([k, p]) => encodeFrame(k, p)));
          const d = new FrameDecoder(limits);
          const got: Array<DecodedFrame | FrameViolation> = [];
          let off = 0;
          for (let i = 0; off < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            d.push(stream.subarray(off, off + n));
            off += n;
            got.push(...drain(d));
          }
          expect(got.map((f) => ('violation' in f ? f : [f.kind, Buffer.from(f.payload).toString('hex')]))).toEqual(
            frames.map(([k, p]) => [k, Buffer.from(p).toString('hex')]),
          );
          expect(d.midFrame).toBe(false);
        },
      ),
    );
  });

  it('rejects an unknown kind or an oversized length from the header alone, before any payload byte', () => {
    const d = new FrameDecoder(limits);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(4097, 0);
    header[4] = MessageKind.Batch; // lowered to 4096 here
    d.push(header);
    expect(d.next()).toEqual({ violation: 'oversized', kind: MessageKind.Batch, length: 4097 });
    const u = new FrameDecoder(limits);
    u.push(Buffer.from([0, 0, 0, 0, 99]));
    expect(u.next()).toEqual({ violation: 'unknown_kind', kind: 99, length: 0 });
    const v = new FrameDecoder(limits);
    v.push(Buffer.from([0xff, 0xff, 0xff, 0xff, MessageKind.BlockResponse]));
    expect(v.next()).toMatchObject({ violation: 'oversized' });
    expect(() => frameLimits({ [MessageKind.Vote]: MAX_PAYLOAD_BYTES[MessageKind.Vote] + 1 })).toThrow(RangeError);
  });

  it('holds no more than what arrived: a frame announced large is not allocated up front', () => {
    const d = new FrameDecoder(limits);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(4000, 0);
    header[4] = MessageKind.Batch;
    d.push(header);
    d.push(Buffer.alloc(10));
    expect(d.next()).toBeNull();
    expect(d.bufferedBytes).toBe(10);
    expect(d.pendingPayloadBytes).toBe(4000);
    expect(d.midFrame).toBe(true);
  });
});

describe('TokenBucket and PeerScores', () => {
  it('a bucket lends one frame past empty, then waits for the refill', () => {
    let now = 0;
    const clock = { now: () => now };
    const b = new TokenBucket(1000, 100, clock);
    expect(b.take(250)).toBe(true); // debt: -150
    expect(b.take(1)).toBe(false);
    expect(b.msUntilAvailable()).toBe(151);
    now += 151;
    expect(b.take(1)).toBe(true);
  });

  it('scores recover towards zero, and a ban doubles each time', () => {
    let now = 0;
    const s = new PeerScores({ ...DEFAULT_SCORING, banBaseMs: 1000 }, { now: () => now });
    expect(s.adjust(1, -60)).toEqual({ score: -60, banMs: 0 });
    now += 10_000;
    expect(s.score(1)).toBe(-50);
    expect(s.adjust(1, -50)).toEqual({ score: -100, banMs: 1000 });
    expect(s.bannedForMs(1)).toBe(1000);
    now += 1000;
    expect(s.bannedForMs(1)).toBe(0);
    expect(s.adjust(1, -100).banMs).toBe(2000);
    for (let i = 0; i < 500; i++) s.adjust(2, 1);
    expect(s.score(2)).toBe(DEFAULT_SCORING.max);
  });
});
