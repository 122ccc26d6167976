// WS /events (src/api/events.ts): JSON text frames, one per accepted batch, committed block,
// accepted contract transaction and contract receipt. Frames are checked before use; the socket
// reconnects with back-off, and listeners hear `resync` after a gap so they can refetch.

export interface BatchAcceptedEvent {
  readonly type: 'batch_accepted';
  readonly id: string;
  readonly submitter: number;
  readonly counterparty: number;
  readonly sequence: string;
  readonly cdrCount: number;
}

export interface BlockCommittedEvent {
  readonly type: 'block_committed';
  readonly height: number;
  readonly hash: string;
  readonly timestampMs: string;
  readonly txCount: number;
  readonly cdrCount: number;
  readonly commitMs: number;
  readonly txIds: readonly string[];
}

/** Validators only: a block joined the head's branch (not final yet; block_committed follows once it is). */
export interface BlockConfirmedEvent {
  readonly type: 'block_confirmed';
  readonly height: number;
  readonly hash: string;
  readonly txCount: number;
  readonly cdrCount: number;
  readonly txIds: readonly string[];
}

export interface ContractTxAcceptedEvent {
  readonly type: 'contract_tx_accepted';
  readonly id: string;
  readonly kind: string;
  readonly sender: number;
  readonly sequence: string;
}

export interface ContractReceiptEvent {
  readonly type: 'contract_receipt';
  readonly id: string;
  readonly height: number;
  readonly status: number;
  readonly statusName: string;
}

export type ChainEvent = BatchAcceptedEvent | BlockCommittedEvent | BlockConfirmedEvent | ContractTxAcceptedEvent | ContractReceiptEvent;
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

interface Listeners {
  batch_accepted: (e: BatchAcceptedEvent) => void;
  block_committed: (e: BlockCommittedEvent) => void;
  block_confirmed: (e: BlockConfirmedEvent) => void;
  contract_tx_accepted: (e: ContractTxAcceptedEvent) => void;
  contract_receipt: (e: ContractReceiptEvent) => void;
  /** The stream came back after a gap: events may have been missed. */
  resync: () => void;
  state: (s: ConnectionState) => void;
}

const HASH = /^[0-9a-f]{64}$/;
/** Frames are small (a block's tx ids at most); anything larger is not from this node's stream. */
const MAX_FRAME_CHARS = 4 * 1024 * 1024;

/** Parses one frame; undefined for anything that is not a well-formed event. */
export function parseEvent(data: unknown): ChainEvent | undefined {
  if (typeof data !== 'string' || data.length > MAX_FRAME_CHARS) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  switch (e['type']) {
    case 'batch_accepted':
      return HASH.test(String(e['id'])) && Number.isSafeInteger(e['submitter']) && Number.isSafeInteger(e['cdrCount']) && typeof e['sequence'] === 'string'
        ? (e as unknown as BatchAcceptedEvent)
        : undefined;
    case 'block_committed':
      return Number.isSafeInteger(e['height']) && HASH.test(String(e['hash'])) && typeof e['timestampMs'] === 'string' && Array.isArray(e['txIds']) &&
        (e['txIds'] as unknown[]).every((t) => HASH.test(String(t)))
        ? (e as unknown as BlockCommittedEvent)
        : undefined;
    case 'block_confirmed':
      return Number.isSafeInteger(e['height']) && HASH.test(String(e['hash'])) && Array.isArray(e['txIds']) ? (e as unknown as BlockConfirmedEvent) : undefined;
    case 'contract_tx_accepted':
      return HASH.test(String(e['id'])) ? (e as unknown as ContractTxAcceptedEvent) : undefined;
    case 'contract_receipt':
      return HASH.test(String(e['id'])) && Number.isSafeInteger(e['height']) ? (e as unknown as ContractReceiptEvent) : undefined;
    default:
      return undefined;
  }
}

export class EventStream {
  private ws: WebSocket | undefined;
  private readonly listeners = new Map<keyof Listeners, Set<(arg: never) => void>>();
  private retryMs = 500;
  private everOpen = false;
  state: ConnectionState = 'connecting';

  constructor(private readonly url: string) {}

  start(): void {
    this.connect();
  }

  /** Adds a listener until `signal` aborts (views pass the signal the router aborts on navigation). */
  on<K extends keyof Listeners>(type: K, fn: Listeners[K], signal: AbortSignal): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const f = fn as (arg: never) => void;
    set.add(f);
    signal.addEventListener('abort', () => set.delete(f), { once: true });
  }

  private emit<K extends keyof Listeners>(type: K, ...arg: Parameters<Listeners[K]>): void {
    for (const f of this.listeners.get(type) ?? []) {
      try {
        (f as unknown as (...a: Parameters<Listeners[K]>) => void)(...arg);
      } catch (err) {
        // One broken view must not stop the others from hearing the chain.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.emit('state', s);
  }

  private connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setState('live');
      if (this.everOpen) this.emit('resync');
      this.everOpen = true;
    };
    ws.onmessage = (m: MessageEvent) => {
      const e = parseEvent(m.data);
      if (!e) return;
      switch (e.type) {
        case 'batch_accepted':
          this.emit('batch_accepted', e);
          break;
        case 'block_committed':
          this.emit('block_committed', e);
          break;
        case 'block_confirmed':
          this.emit('block_confirmed', e);
          break;
        case 'contract_tx_accepted':
          this.emit('contract_tx_accepted', e);
          break;
        case 'contract_receipt':
          this.emit('contract_receipt', e);
          break;
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.setState('reconnecting');
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
    // onerror is always followed by onclose, which retries.
    ws.onerror = () => undefined;
  }
}

/** ws:// or wss:// URL of WS /events on the page's origin (`location`). */
export function eventsUrl(loc: { readonly protocol: string; readonly host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/events?topics=batches,blocks,contracts`;
}
