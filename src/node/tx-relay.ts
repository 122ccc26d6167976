import type { AdmissionSource } from '../chain/admission-budget.js';
import type { Chain } from '../chain/chain.js';
import { BatchRejectedError, RejectCode } from '../chain/reject.js';
import { TxKind } from '../chain/tx-kinds/tx-kind.js';
import { toHex } from '../codec/bytes.js';
import type { Logger } from '../log.js';
import { MessageKind, type MessageVerdict, type PeerId, type PeerMessage, type PeerNetwork } from '../p2p/peer-network.js';
import { PeerAdmissionQueue, type AdmissionOutcome } from './peer-admission-queue.js';

/** Ids per TxRequest (32 bytes each): bounded by the request's payload limit. */
export const MAX_IDS_PER_TX_REQUEST = 1024;
/** Do not ask for the same body again within this long (the answer may be on its way). */
const REQUEST_AGAIN_MS = 500;
/** ... doubling per request of the same id up to this: a body still queued here behind the workers is not asked again and again. */
const MAX_REQUEST_AGAIN_MS = 8_000;
/** Remembered requests; beyond it the memory is cleared (a few repeated requests at worst). */
const MAX_REMEMBERED_REQUESTS = 65_536;

export interface TxRelayMetrics {
  relayed(kind: RelayLabel, bytes: number): void;
  received(kind: RelayLabel, outcome: string): void;
  bodiesRequested(count: number): void;
  bodiesServed(count: number): void;
}

/**
 * Transactions between validators (docs/consensus.md §7): a transaction admitted from a client here
 * is relayed once to every peer, which admits it through the same `Chain.submitTx` (every check,
 * durable before anything names it); a validator that lacks a body a block names asks its peers for
 * it (TxRequest) and admits the answer the same way. There is no second, lighter path for peers.
 */
export class TxRelay {
  private readonly sources = new Map<PeerId, AdmissionSource>();
  /** Per peer, the same source marked `expedite`: its answers to body requests, which a held block waits for. */
  private readonly answerSources = new Map<PeerId, AdmissionSource>();
  /** Per peer, its relayed frames in arrival order (a burst waits there instead of being refused Busy and lost). */
  private readonly queues = new Map<PeerId, PeerAdmissionQueue<{ readonly kind: MessageKind; readonly frame: Uint8Array }>>();
  /** Per id: when it was last asked for, and how long to wait before asking again. */
  private readonly requested = new Map<string, { at: number; againMs: number }>();
  private readonly unsubscribe: () => void;
  private readonly unsubscribePeers: () => void;

  constructor(
    private readonly network: PeerNetwork,
    private readonly chain: Chain,
    private readonly log: Logger,
    private readonly metrics?: TxRelayMetrics,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.unsubscribe = network.onMessage((m) => this.onMessage(m));
    this.unsubscribePeers = network.onPeer((e) => {
      if (e.connected) this.resend(e.peer);
    });
  }

  /**
   * A peer that (re)connects gets every pending transaction here, in admission order, before any
   * new relay on that connection: what was relayed while it was down or cut off would otherwise
   * reach it only if a block names it, and a later sequence of the same submitter, relayed after
   * the reconnect, could be included first and make the earlier, acknowledged one unincludable.
   */
  private resend(peer: PeerId): void {
    let sent = 0;
    for (const e of this.chain.mempool.durablePrefix()) {
      const frame = this.chain.relayFrame(e.id);
      if (frame === undefined) continue;
      if (!this.network.send(peer, messageKindOf(e.kind), frame)) {
        this.log.warn({ peer, sent }, 'pending transactions not all re-sent to a reconnected peer: its send budget is spent');
        return;
      }
      sent++;
    }
    if (sent > 0) this.log.debug({ peer, sent }, 'pending transactions re-sent to a reconnected peer');
  }

  /** A copy of `frame` goes to every peer (call before admission transfers the frame's buffer to a worker). */
  relay(kind: TxKind, frame: Uint8Array): void {
    if (this.network.connectedPeers().length === 0) return;
    this.network.broadcast(messageKindOf(kind), frame);
    this.metrics?.relayed(labelOf(messageKindOf(kind)), frame.length);
  }

  /**
   * Asks every connected peer for the bodies of `ids`, each at most once per 0.5 s, doubling to 8 s
   * while the same id is asked for again (its answer may be queued here behind the workers: every
   * copy costs a peer the frame and this node a duplicate check).
   */
  request(ids: readonly Uint8Array[]): void {
    const t = this.now();
    const ask: Uint8Array[] = [];
    for (const id of ids) {
      const hex = toHex(id);
      const last = this.requested.get(hex);
      if (last !== undefined && last.at + last.againMs > t) continue;
      if (this.requested.size >= MAX_REMEMBERED_REQUESTS) this.requested.clear();
      this.requested.set(hex, { at: t, againMs: last === undefined ? REQUEST_AGAIN_MS : Math.min(MAX_REQUEST_AGAIN_MS, last.againMs * 2) });
      ask.push(id);
    }
    for (let at = 0; at < ask.length; at += MAX_IDS_PER_TX_REQUEST) {
      const part = ask.slice(at, at + MAX_IDS_PER_TX_REQUEST);
      const payload = new Uint8Array(part.length * 32);
      part.forEach((id, i) => payload.set(id, i * 32));
      this.network.broadcast(MessageKind.TxRequest, payload);
    }
    if (ask.length > 0) this.metrics?.bodiesRequested(ask.length);
  }

  close(): void {
    this.unsubscribe();
    this.unsubscribePeers();
    for (const q of this.queues.values()) q.close();
  }

  private onMessage(m: PeerMessage): void {
    switch (m.kind) {
      case MessageKind.Batch:
      case MessageKind.ContractTx:
      case MessageKind.BatchProof:
      case MessageKind.Settlement:
      case MessageKind.Verdict:
        this.queueOf(m.from).push({ kind: m.kind, frame: Uint8Array.from(m.payload) }, m.payload.length);
        return;
      case MessageKind.TxResponse:
        // A body this node asked for because a block waits for it: ahead of the peer's plain relays.
        this.queueOf(m.from).push({ kind: m.kind, frame: Uint8Array.from(m.payload) }, m.payload.length, true);
        return;
      case MessageKind.TxRequest:
        this.answer(m.from, m.payload);
        return;
      default:
        return; // consensus messages: the validator's
    }
  }

  private queueOf(peer: PeerId): PeerAdmissionQueue<{ readonly kind: MessageKind; readonly frame: Uint8Array }> {
    let q = this.queues.get(peer);
    if (!q) {
      q = new PeerAdmissionQueue(
        ({ kind, frame }) => this.admit(peer, kind, frame),
        ({ kind }, why) => {
          this.metrics?.received(labelOf(kind), why);
          this.log.warn({ from: peer, why }, 'relayed transaction dropped unadmitted');
        },
      );
      this.queues.set(peer, q);
    }
    return q;
  }

  /** Admits one relayed frame (a copy: admission hands its buffer to a worker, and a Busy one is retried). */
  private admit(from: PeerId, kind: MessageKind, frame: Uint8Array): Promise<AdmissionOutcome> {
    const expected = TX_KIND_OF.get(kind);
    const label = labelOf(kind);
    const source = kind === MessageKind.TxResponse ? this.answerSourceOf(from) : this.sourceOf(from);
    return this.chain.submitTx(frame.slice(), source, expected === undefined ? {} : { kind: expected }).then(
      (): AdmissionOutcome => {
        this.metrics?.received(label, 'accepted');
        this.network.report(from, 'accept', 'transaction admitted');
        return 'done';
      },
      (err: unknown): AdmissionOutcome => {
        if (!(err instanceof BatchRejectedError)) {
          this.log.error({ err, from }, 'relayed transaction failed with an internal error');
          return 'done';
        }
        this.metrics?.received(label, err.reason);
        if (err.code === RejectCode.Busy) return 'busy';
        const verdict = verdictFor(err.code);
        if (verdict !== 'ignore') this.log.warn({ from, reason: err.message }, 'relayed transaction refused');
        this.network.report(from, verdict, `transaction refused: ${err.reason}`);
        return 'done';
      },
    );
  }

  private answer(from: PeerId, payload: Uint8Array): void {
    if (payload.length === 0 || payload.length % 32 !== 0 || payload.length / 32 > MAX_IDS_PER_TX_REQUEST) {
      this.network.report(from, 'reject', `TxRequest of ${payload.length} bytes is not 1..${MAX_IDS_PER_TX_REQUEST} ids`);
      return;
    }
    let served = 0;
    for (let at = 0; at < payload.length; at += 32) {
      const frame = this.chain.relayFrame(payload.subarray(at, at + 32));
      if (frame === undefined) continue;
      if (!this.network.send(from, MessageKind.TxResponse, frame)) break; // its budget is spent: it asks again
      served++;
    }
    if (served > 0) this.metrics?.bodiesServed(served);
  }

  private sourceOf(peer: PeerId): AdmissionSource {
    let s = this.sources.get(peer);
    if (!s) this.sources.set(peer, (s = this.chain.connectionSource(`peer ${peer}`, { relayed: true })));
    return s;
  }

  private answerSourceOf(peer: PeerId): AdmissionSource {
    let s = this.answerSources.get(peer);
    if (!s) this.answerSources.set(peer, (s = { ...this.sourceOf(peer), expedite: true }));
    return s;
  }
}

/** How a refusal reflects on the peer that relayed it. */
function verdictFor(code: RejectCode): MessageVerdict {
  switch (code) {
    // Already here (relayed twice, or fetched and relayed), or this node is saturated: not the peer's fault.
    case RejectCode.Replay:
    case RejectCode.DuplicateRecord:
    case RejectCode.Busy:
    case RejectCode.StorageFull:
    case RejectCode.Internal:
    // A batch proof can overtake its batch (another peer's relay, a body fetched for a block): not the peer's fault.
    case RejectCode.UnknownBatch:
    // Settlement rules judged against the chain's state, which the relayer may see at another head.
    case RejectCode.PeriodClosed:
    case RejectCode.PeriodNotEnded:
    case RejectCode.AlreadyNetted:
    case RejectCode.DuplicateStatement:
    case RejectCode.RateMoveTooLarge:
    case RejectCode.BadRate:
    // A link proof is verified against the aggregates and rates at this node's head.
    case RejectCode.BadLinkProof:
    // A verdict revision judged against the committed one (or one being admitted here): the relayer may be behind or ahead.
    case RejectCode.VerdictConflict:
      return 'ignore';
    // A validator relays only what it admitted with the same checks: a forged or broken frame is on the relayer.
    case RejectCode.BadSignature:
    case RejectCode.BadMerkleRoot:
    case RejectCode.BadRecordsDigest:
    // The sealed section is checked the same way on every validator (and signed by the submitter).
    case RejectCode.BadSealedSection:
    case RejectCode.BadPayloadHash:
    // Groth16 verification is a pure function of the frame, the stored batch and the genesis key.
    case RejectCode.BadProof:
    // A statement's commitment and its pair are pure functions of the frame.
    case RejectCode.BadCommitment:
    case RejectCode.NotParty:
      return 'penalise';
    default:
      return 'reject';
  }
}

type RelayLabel = 'batch' | 'contract_tx' | 'batch_proof' | 'settlement' | 'verdict';

/** Each transaction kind's gossip message and metrics label. */
const GOSSIP: readonly { readonly tx: TxKind; readonly message: MessageKind; readonly label: RelayLabel }[] = [
  { tx: TxKind.CdrBatch, message: MessageKind.Batch, label: 'batch' },
  { tx: TxKind.ContractTx, message: MessageKind.ContractTx, label: 'contract_tx' },
  { tx: TxKind.BatchProof, message: MessageKind.BatchProof, label: 'batch_proof' },
  { tx: TxKind.Settlement, message: MessageKind.Settlement, label: 'settlement' },
  { tx: TxKind.Verdict, message: MessageKind.Verdict, label: 'verdict' },
];
const MESSAGE_OF = new Map(GOSSIP.map((g) => [g.tx, g.message]));
const TX_KIND_OF = new Map(GOSSIP.map((g) => [g.message, g.tx]));
const LABEL_OF = new Map(GOSSIP.map((g) => [g.message, g.label]));

/** The gossip message a transaction kind travels in. */
function messageKindOf(kind: TxKind): MessageKind {
  return MESSAGE_OF.get(kind) ?? MessageKind.Batch;
}

function labelOf(kind: MessageKind): RelayLabel {
  return LABEL_OF.get(kind) ?? 'batch';
}
