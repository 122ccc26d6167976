/**
 * The validators' network, as consensus and gossip see it: authenticated peers exchanging typed,
 * size-limited messages. Two implementations: TLS 1.3 with mutual authentication between processes
 * (src/p2p/tls/), and an in-process one with configurable latency, jitter and loss for the
 * simulator and deterministic tests (src/p2p/in-process-network.ts). Payloads are opaque bytes here:
 * each layer above owns its encoding (flatbuffers, schemas/), the network only frames, limits and
 * routes them.
 */

/** A peer's identity as its certificate names it: the validator's (or observer's) PLMN id. */
export type PeerId = number;

/** What travels between peers. Values are wire tags: append, never renumber. */
export enum MessageKind {
  /** Gossip: an admitted batch frame (schemas/batch.fbs), relayed so every validator admits it. */
  Batch = 1,
  /** Gossip: an admitted contract transaction frame (schemas/contract-tx.fbs). */
  ContractTx = 2,
  /** Gossip: a block (micro, skip or macro) as produced. */
  Block = 3,
  /** Consensus: a vote (skip-block, prevote, precommit), BLS-signed. */
  Vote = 4,
  /** Consensus: a macro-block proposal for a round. */
  Proposal = 5,
  /** Sync: a range request for blocks, and its answer. */
  BlockRequest = 6,
  BlockResponse = 7,
  /** A transaction body a block names and the receiver lacks, and its answer. */
  TxRequest = 8,
  TxResponse = 9,
  /** Gossip: an admitted batch proof transaction frame (schemas/batch-proof-tx.fbs). */
  BatchProof = 10,
  /** Gossip: an admitted settlement transaction frame (schemas/settlement-tx.fbs). */
  Settlement = 11,
  /** Gossip: an admitted reconciliation verdict frame (schemas/verdict-tx.fbs). */
  Verdict = 12,
}

/** Largest payload accepted per kind; a bigger frame is dropped unread and the sender penalised. */
export const MAX_PAYLOAD_BYTES: Readonly<Record<MessageKind, number>> = Object.freeze({
  [MessageKind.Batch]: 16 * 2 ** 20,
  [MessageKind.ContractTx]: 129 * 2 ** 10,
  [MessageKind.Block]: 1 * 2 ** 20,
  [MessageKind.Vote]: 4 * 2 ** 10,
  [MessageKind.Proposal]: 1 * 2 ** 20,
  [MessageKind.BlockRequest]: 256,
  [MessageKind.BlockResponse]: 32 * 2 ** 20,
  [MessageKind.TxRequest]: 32 * 1024 + 64,
  [MessageKind.TxResponse]: 32 * 2 ** 20,
  [MessageKind.BatchProof]: 16 * 2 ** 20,
  [MessageKind.Settlement]: 64 * 2 ** 10,
  [MessageKind.Verdict]: 1 * 2 ** 10,
});

/**
 * What a receiver tells the network about a message it handled (Lodestar's gossip actions):
 * `accept` it was useful; `ignore` harmless but useless (duplicate, stale); `reject` invalid, the
 * sender's score drops; `penalise` provably malicious (bad signature, equivocation), a heavy drop.
 * A peer whose score falls below the network's threshold is disconnected and backed off.
 */
export type MessageVerdict = 'accept' | 'ignore' | 'reject' | 'penalise';

export interface PeerMessage {
  readonly from: PeerId;
  readonly kind: MessageKind;
  /** The payload; valid only during the handler call unless copied. */
  readonly payload: Uint8Array;
}

export type MessageHandler = (msg: PeerMessage) => void;

/**
 * What a peer may do, as its certificate and the genesis/state register it: validators vote and
 * produce; observers receive and may request, and the layers above decide what to accept from them.
 */
export type PeerRole = 'validator' | 'observer';

export interface PeerEvent {
  readonly peer: PeerId;
  readonly connected: boolean;
  /** The peer's role (set on connect by implementations that authenticate roles). */
  readonly role?: PeerRole;
}

export interface PeerNetwork {
  /** This node's own id. */
  readonly self: PeerId;
  /** Peers currently connected and authenticated. */
  connectedPeers(): readonly PeerId[];
  /** Sends to one peer; false if it is not connected or its send budget is exhausted (dropped). */
  send(to: PeerId, kind: MessageKind, payload: Uint8Array): boolean;
  /** Sends to every connected peer. */
  broadcast(kind: MessageKind, payload: Uint8Array): void;
  /** Registers the handler for incoming messages; returns a function that removes it. */
  onMessage(handler: MessageHandler): () => void;
  onPeer(handler: (event: PeerEvent) => void): () => void;
  /** Reports what a peer's message was worth (drives scoring and disconnection). */
  report(peer: PeerId, verdict: MessageVerdict, reason: string): void;
  close(): Promise<void>;
}
