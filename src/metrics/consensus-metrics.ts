import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The consensus and P2P metrics of a validator (issue 12, "Metrics"), on the node's registry: the
 * head and final heights, batch and epoch, macro rounds, skip blocks, fork proofs, finality time,
 * peers and their scores, gossip bytes, relayed transactions and body fetches, and sync progress.
 * Vote verification counts and time are the job pool's (`cdrchain_bls_signature_sets_total`,
 * `cdrchain_pool_job_seconds{kind="bls"}`).
 */
export class ConsensusMetrics {
  readonly headHeight: Gauge;
  readonly finalHeight: Gauge;
  readonly batch: Gauge;
  readonly epoch: Gauge;
  readonly macroRound: Gauge;
  readonly blocks: Counter<'kind'>;
  readonly forkProofs: Counter;
  readonly finalitySeconds: Histogram;
  readonly messages: Counter<'kind' | 'verdict'>;
  readonly peers: Gauge;
  readonly peerScore: Gauge<'peer'>;
  readonly gossipBytes: Counter<'direction' | 'kind'>;
  readonly framesDropped: Counter<'reason'>;
  readonly connectionsRefused: Counter<'reason'>;
  readonly relayedTxs: Counter<'kind'>;
  readonly relayedBytes: Counter;
  readonly receivedTxs: Counter<'kind' | 'outcome'>;
  readonly bodiesRequested: Counter;
  readonly bodiesServed: Counter;
  readonly syncBehind: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.headHeight = new Gauge({ name: 'cdrchain_consensus_head_height', help: 'Height of the head of the block tree (micro blocks included, not final)', registers });
    this.finalHeight = new Gauge({ name: 'cdrchain_consensus_final_height', help: 'Height of the last final (macro) block', registers });
    this.batch = new Gauge({ name: 'cdrchain_consensus_batch', help: 'Current batch (blocks between two macro blocks)', registers });
    this.epoch = new Gauge({ name: 'cdrchain_consensus_epoch', help: 'Current epoch (batches between two election blocks)', registers });
    this.macroRound = new Gauge({ name: 'cdrchain_consensus_macro_round', help: 'Tendermint round of the next macro block (-1 before it starts)', registers });
    this.blocks = new Counter({ name: 'cdrchain_consensus_blocks_total', help: 'Blocks that joined the head branch or became final, by kind (micro, skip, macro)', labelNames: ['kind'] as const, registers });
    this.forkProofs = new Counter({ name: 'cdrchain_consensus_fork_proofs_total', help: 'Fork proofs carried by accepted blocks (a producer signed two blocks for one slot)', registers });
    this.finalitySeconds = new Histogram({
      name: 'cdrchain_consensus_finality_seconds', help: 'From a block joining the head branch here to it becoming final',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers,
    });
    this.messages = new Counter({ name: 'cdrchain_consensus_messages_total', help: 'Consensus messages judged, by kind and verdict (accept, ignore, reject, penalise)', labelNames: ['kind', 'verdict'] as const, registers });
    this.peers = new Gauge({ name: 'cdrchain_p2p_peers', help: 'Peers connected and authenticated', registers });
    this.peerScore = new Gauge({ name: 'cdrchain_p2p_peer_score', help: 'Score of each peer (below the threshold: disconnected and backed off)', labelNames: ['peer'] as const, registers });
    this.gossipBytes = new Counter({ name: 'cdrchain_p2p_bytes_total', help: 'P2P payload bytes, by direction and message kind', labelNames: ['direction', 'kind'] as const, registers });
    this.framesDropped = new Counter({ name: 'cdrchain_p2p_frames_dropped_total', help: 'P2P frames dropped unread, by reason', labelNames: ['reason'] as const, registers });
    this.connectionsRefused = new Counter({ name: 'cdrchain_p2p_connections_refused_total', help: 'P2P connections refused at or after the TLS handshake, by reason', labelNames: ['reason'] as const, registers });
    this.relayedTxs = new Counter({ name: 'cdrchain_relay_txs_total', help: 'Transactions admitted from clients here and relayed to the validators, by kind', labelNames: ['kind'] as const, registers });
    this.relayedBytes = new Counter({ name: 'cdrchain_relay_bytes_total', help: 'Bytes of transaction frames relayed (per copy, before fan-out)', registers });
    this.receivedTxs = new Counter({ name: 'cdrchain_relay_received_total', help: 'Transactions received from peers (relayed or fetched), by kind and admission outcome', labelNames: ['kind', 'outcome'] as const, registers });
    this.bodiesRequested = new Counter({ name: 'cdrchain_relay_bodies_requested_total', help: 'Transaction bodies asked of peers because a block named them before they arrived', registers });
    this.bodiesServed = new Counter({ name: 'cdrchain_relay_bodies_served_total', help: 'Transaction bodies sent to peers that asked', registers });
    this.syncBehind = new Gauge({ name: 'cdrchain_consensus_sync_behind_blocks', help: 'Blocks between the highest height seen from peers and the head here (0: in sync)', registers });
  }
}
