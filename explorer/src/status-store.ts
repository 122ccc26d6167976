import type { NodeClient, Status } from './api.js';
import type { EventStream } from './event-stream.js';

/**
 * The node's GET /status, refreshed every 10 s and moved forward by every committed block, so the
 * header's chain head is live. Listeners hear each change.
 */
export class StatusStore {
  private value: Status | undefined;
  private first: Promise<Status> | undefined;
  private readonly listeners = new Set<(s: Status) => void>();
  private names = new Map<number, string>();

  constructor(
    private readonly api: NodeClient,
    private readonly events: EventStream,
  ) {}

  async start(): Promise<Status> {
    const forever = new AbortController().signal;
    this.events.on('block_committed', (e) => {
      if (this.value && e.height > this.value.height) this.set({ ...this.value, height: e.height, headHash: e.hash });
    }, forever);
    this.events.on('resync', () => void this.refresh().catch(() => undefined), forever);
    setInterval(() => void this.refresh().catch(() => undefined), 10_000);
    return (this.first = this.refresh());
  }

  /** The status once the first answer is in (undefined if that failed): for what depends on the node's settings. */
  async loaded(): Promise<Status | undefined> {
    return this.value ?? (await this.first?.catch(() => undefined));
  }

  get current(): Status | undefined {
    return this.value;
  }

  /** "Orange France" for 20801, or the bare PLMN id when the node does not know it. */
  operatorName(plmn: number): string {
    return this.names.get(plmn) ?? `PLMN ${plmn}`;
  }

  onChange(fn: (s: Status) => void, signal: AbortSignal): void {
    this.listeners.add(fn);
    signal.addEventListener('abort', () => this.listeners.delete(fn), { once: true });
  }

  private async refresh(): Promise<Status> {
    const s = await this.api.status();
    // A block event may have moved the head past what this (older) answer says.
    const height = Math.max(s.height, this.value?.height ?? -1);
    this.set(height === s.height ? s : { ...s, height, headHash: this.value!.headHash });
    return this.value!;
  }

  private set(s: Status): void {
    this.value = s;
    this.names = new Map(s.operators.map((o) => [o.plmn, o.name]));
    for (const f of this.listeners) f(s);
  }
}
