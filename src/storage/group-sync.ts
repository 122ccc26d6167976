/**
 * Group commit for a flush: every caller waits for a flush that *began after* its call, and all
 * callers that arrive while one flush runs share the next one. One flush in flight at a time, so
 * under load each flush covers everything written meanwhile (like LMDB's own group commit).
 */
export class GroupSync {
  private running = false;
  private next: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once a flush started after this call has completed; rejects with that flush's error. */
  request(): Promise<void> {
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
    }
    const { promise } = this.next;
    if (!this.running) this.start();
    return promise;
  }

  /** Whether a flush runs or waits to run. */
  get busy(): boolean {
    return this.running || this.next !== undefined;
  }

  private start(): void {
    const group = this.next;
    if (!group) return;
    this.next = undefined;
    this.running = true;
    let flushed: Promise<void>;
    try {
      flushed = this.flush();
    } catch (err) {
      flushed = Promise.reject(err);
    }
    flushed.then(group.resolve, group.reject).finally(() => {
      this.running = false;
      this.start();
    });
  }
}
