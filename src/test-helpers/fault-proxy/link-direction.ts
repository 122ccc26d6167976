import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction, DirectionFaults } from './link-faults.js';

/** What a direction reports to its connection. */
export interface LinkDirectionEvents {
  forwarded(direction: Direction, bytes: number): void;
  /** A chunk drew a drop: the connection is to be reset now. */
  dropped(direction: Direction): void;
  /** The source's reset reached the destination, in order after the bytes sent before it. */
  resetReached(direction: Direction): void;
}

export interface WindowLimits {
  readonly windowBytes: number;
  readonly windowChunks: number;
}

/** A byte chunk, the source's FIN, or the source's abrupt close, with the time it may be forwarded. */
interface Item {
  readonly at: number;
  readonly what: Buffer | 'end' | 'reset';
}

/**
 * One way of one proxied connection: reads the source, holds each chunk until its release time
 * (delay, jitter, blackhole) and writes it to the destination in arrival order. FIN and abrupt
 * close travel in the same queue, so they never overtake bytes. What is held is bounded by the
 * window: at the mark the source is paused (the sender's TCP sees a full window), not cut.
 */
export class LinkDirection {
  private items: Item[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sourcePaused = false;
  private closed = false;

  constructor(
    readonly name: Direction,
    private readonly source: Socket,
    private readonly dest: Socket,
    private readonly faults: () => DirectionFaults,
    private readonly random: () => number,
    private readonly limits: WindowLimits,
    private readonly events: LinkDirectionEvents,
  ) {
    dest.on('drain', () => this.pump());
  }

  /** Bytes held: waiting here plus in the destination socket's buffer. */
  get heldBytes(): number {
    return this.queuedBytes + (this.dest.destroyed ? 0 : this.dest.writableLength);
  }

  push(chunk: Buffer): void {
    if (this.closed) return;
    const f = this.faults();
    if (f.dropRate > 0 && this.random() < f.dropRate) {
      this.events.dropped(this.name);
      return;
    }
    this.enqueue(chunk, f);
  }

  pushEnd(): void {
    if (!this.closed) this.enqueue('end', this.faults());
  }

  pushReset(): void {
    if (!this.closed) this.enqueue('reset', this.faults());
  }

  /** Forwards what is due; called on every change of faults, on timers and on drain. */
  pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.faults().blackholed) {
      const now = performance.now();
      while (this.head < this.items.length) {
        const item = this.items[this.head]!;
        if (item.at > now) {
          // Timers may fire a little early against performance.now(): pump re-arms until due.
          this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(item.at - now)));
          break;
        }
        this.head += 1;
        this.release(item);
        if (this.closed) return;
      }
      if (this.head > 1_024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
    this.applyWindow();
  }

  /** Stops for good: timers cleared, whatever is held dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private enqueue(what: Item['what'], f: DirectionFaults): void {
    const now = performance.now();
    const jitter = f.jitterMs > 0 ? this.random() * f.jitterMs : 0;
    // The queue is FIFO (an item leaves only after the one before it), so a lowered delay or a
    // smaller jitter draw never reorders bytes: it only leaves right behind its predecessor.
    this.items.push({ at: now + f.delayMs + jitter, what });
    if (Buffer.isBuffer(what)) this.queuedBytes += what.length;
    this.pump();
  }

  private release(item: Item): void {
    const { what } = item;
    if (what === 'reset') {
      this.events.resetReached(this.name);
      return;
    }
    if (Buffer.isBuffer(what)) this.queuedBytes -= what.length;
    // A destination already gone (reset, or closed after its own FIN) takes nothing more.
    if (this.dest.destroyed || this.dest.writableEnded) return;
    if (what === 'end') {
      this.dest.end();
      return;
    }
    this.dest.write(what);
    this.events.forwarded(this.name, what.length);
  }

  private applyWindow(): void {
    if (this.closed || this.source.destroyed) return;
    const held = this.heldBytes;
    const chunks = this.items.length - this.head;
    const { windowBytes, windowChunks } = this.limits;
    if (!this.sourcePaused && (held >= windowBytes || chunks >= windowChunks)) {
      this.sourcePaused = true;
      this.source.pause();
    } else if (this.sourcePaused && held <= windowBytes / 2 && chunks <= windowChunks / 2) {
      this.sourcePaused = false;
      this.source.resume();
    }
  }
}
