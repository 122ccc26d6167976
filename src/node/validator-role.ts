import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Chain } from '../chain/chain.js';
import { systemClock } from '../chain/clock.js';
import { genesisConsensusPolicy, genesisValidatorSet } from '../chain/genesis.js';
import { BlockKind } from '../codec/block.js';
import { equalBytes, toHex } from '../codec/bytes.js';
import { BlsSigner, SignatureSetsVerifier } from '../consensus/bls-crypto.js';
import { ConsensusConfigError } from '../consensus/errors.js';
import { Heights, type ConsensusPolicy } from '../consensus/policy.js';
import { ConsensusValidator } from '../consensus/validator.js';
import { readBlsKeyFile } from '../crypto/bls/key-file.js';
import type { Logger } from '../log.js';
import { ConsensusMetrics } from '../metrics/consensus-metrics.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import { MessageKind } from '../p2p/peer-network.js';
import { TlsPeerNetwork, type PeerAddress } from '../p2p/tls/index.js';
import { readNodeDir } from '../pki/pki-files.js';
import { LmdbVoteStore } from '../storage/vote-store.js';
import type { BlsVerifier } from '../workers/bls-verifier.js';
import { ChainLedger, finalStateOf } from './chain-ledger.js';
import { TxRelay } from './tx-relay.js';

/** A validator's own settings: its keys, where it listens for peers and whom it dials. */
export interface ValidatorConfig {
  /** node.cert.pem, node.key.pem and ca.cert.pem (`cdrchain ca issue`, `cdrchain devnet init`). */
  readonly tlsDir: string;
  /** The BLS key file whose public key the genesis lists for this validator. */
  readonly blsKeyFile: string;
  readonly p2p: { readonly host: string; readonly port: number };
  /** The other validators: PLMN id (their certificate must name it) and address. */
  readonly peers: readonly PeerAddress[];
  /** Local timings over the genesis' consensus-critical constants. */
  readonly policy?: Partial<ConsensusPolicy>;
  /**
   * The validator's operator key file (batch.key.json): given, the validator approves settlement
   * proposals its own netting agrees with, submitting the approvals as its operator (SettlementApprover).
   */
  readonly batchKeyFile?: string;
}

/** What GET /consensus shows. */
export interface ConsensusStatus {
  readonly self: number;
  readonly validators: readonly { readonly plmn: number; readonly power: number; readonly blsKey: string; readonly connected: boolean; readonly score: number | undefined }[];
  readonly head: { readonly height: number; readonly hash: string; readonly kind: string };
  readonly final: { readonly height: number; readonly hash: string };
  readonly batch: number;
  readonly epoch: number;
  readonly nextMacroHeight: number;
  readonly macroRound: number;
  readonly policy: ConsensusPolicy;
  readonly peers: readonly { readonly plmn: number; readonly outbound: boolean; readonly remote: string; readonly pendingOutboundBytes: number }[];
}

const KIND_NAMES: Readonly<Record<number, string>> = { [BlockKind.Micro]: 'micro', [BlockKind.Macro]: 'macro', [BlockKind.Skip]: 'skip' };

/** The vote store's directory inside the node's data directory. */
export const VOTE_STORE_DIR = 'consensus';

/**
 * The validator role of a node (issue 12): the TLS peer network, the consensus validator driving the
 * chain through `ChainLedger`, BLS on the worker pool, the vote store (an LMDB environment of its own
 * in the data directory), and the transaction relay. Built by `CdrNode` when the configuration names
 * a validator; the chain's schedule then only wakes the validator (`wake`), and consensus decides
 * every block.
 */

export class ValidatorRole {
  private constructor(
    readonly validator: ConsensusValidator,
    readonly network: TlsPeerNetwork,
    readonly relay: TxRelay,
    readonly ledger: ChainLedger,
    readonly votes: LmdbVoteStore,
    private readonly heights: Heights,
    readonly policy: ConsensusPolicy,
  ) {}

  static async start(chain: Chain, config: ValidatorConfig, deps: { bls: BlsVerifier; metrics: NodeMetrics; log: Logger }): Promise<ValidatorRole> {
    const { log } = deps;
    const validators = genesisValidatorSet(chain.genesis);
    if (!validators) throw new ConsensusConfigError(`genesis ${chain.genesis.chainId} has no consensus section: run the node with --solo, or give it a consortium genesis`);
    const policy = genesisConsensusPolicy(chain.genesis, config.policy);
    const heights = new Heights(policy);
    const key = readBlsKeyFile(config.blsKeyFile);
    const index = validators.indexOf(key.plmn);
    if (index === undefined) throw new ConsensusConfigError(`${config.blsKeyFile} names PLMN ${key.plmn}, which the genesis does not list as a validator`);
    if (!equalBytes(validators.byIndex(index).publicKey, key.publicKey)) {
      throw new ConsensusConfigError(`${config.blsKeyFile}: its public key is not the one the genesis lists for validator ${key.plmn}`);
    }
    const cm = new ConsensusMetrics(deps.metrics.registry);
    // What this validator signed, in an LMDB environment of its own (LmdbVoteStore.open says why).
    const votes = await LmdbVoteStore.open(join(chain.storageEnv.path, VOTE_STORE_DIR), chain.storageEnv);
    const members = Array.from({ length: validators.size }, (_, i) => ({ id: validators.byIndex(i).id, role: 'validator' as const }));
    const network = await TlsPeerNetwork.start({
      self: key.plmn,
      networkId: chain.identity,
      tls: readNodeDir(config.tlsDir),
      members,
      listen: config.p2p,
      peers: config.peers.filter((p) => p.id !== key.plmn),
      logger: {
        debug: (o, m) => log.debug(o, m),
        info: (o, m) => log.info(o, m),
        warn: (o, m) => log.warn(o, m),
        error: (o, m) => log.error(o, m),
      },
      metrics: {
        peersConnected: (n) => cm.peers.set(n),
        bytesIn: (kind, n) => cm.gossipBytes.inc({ direction: 'in', kind }, n),
        bytesOut: (kind, n) => cm.gossipBytes.inc({ direction: 'out', kind }, n),
        frameDropped: (reason) => cm.framesDropped.inc({ reason }),
        peerScore: (peer, score) => cm.peerScore.set({ peer: String(peer) }, score),
        connectionRefused: (reason) => cm.connectionsRefused.inc({ reason }),
      },
    }).catch(async (err: unknown) => {
      await votes.close();
      throw err;
    });
    const relay = new TxRelay(network, chain, log, {
      relayed: (kind, bytes) => {
        cm.relayedTxs.inc({ kind });
        cm.relayedBytes.inc(bytes);
      },
      received: (kind, outcome) => cm.receivedTxs.inc({ kind, outcome }),
      bodiesRequested: (n) => cm.bodiesRequested.inc(n),
      bodiesServed: (n) => cm.bodiesServed.inc(n),
    });
    const confirmedAt = new Map<string, number>();
    let currentSet = validators;
    const ledger = new ChainLedger(chain, () => currentSet, {
      heights, log,
      fetchMissing: (ids) => relay.request(ids),
      onConfirmed: (b) => {
        confirmedAt.set(toHex(b.hash), performance.now());
        chain.events.emit('blockConfirmed', b);
      },
      onFinal: (blocks) => {
        for (const b of blocks) {
          const at = confirmedAt.get(toHex(b.hash));
          confirmedAt.delete(toHex(b.hash));
          if (at !== undefined) cm.finalitySeconds.observe((b.finalizedAt - at) / 1000);
        }
        if (confirmedAt.size > 100_000) confirmedAt.clear();
      },
    });
    const start = finalStateOf(chain, heights);
    currentSet = start.validators;
    const validator = new ConsensusValidator({
      deps: {
        chain: chain.identity,
        network,
        clock: systemClock,
        signer: new BlsSigner(key.plmn, key.secretKey),
        verifier: new SignatureSetsVerifier(deps.bls, { urgentOnMainThread: true }),
        source: ledger,
        sink: ledger,
        votes,
        history: ledger,
      },
      policy,
      start,
      log,
      events: {
        onHead: (b) => {
          cm.headHeight.set(b.height);
          // A macro block becomes the head when it is final: counted once, in onFinal.
          if (b.header.kind !== BlockKind.Macro) cm.blocks.inc({ kind: KIND_NAMES[b.header.kind] ?? String(b.header.kind) });
        },
        onFinal: (blocks) => {
          const last = blocks.at(-1);
          if (last) {
            cm.finalHeight.set(last.height);
            cm.blocks.inc({ kind: 'macro' });
            currentSet = validator.validators;
          }
        },
        onForkProofs: (_b, locators) => {
          cm.forkProofs.inc(locators.length);
          log.warn({ locators }, 'fork proofs recorded: producers signed two blocks for one slot');
        },
        onVerdict: (_from, kind, verdict) => cm.messages.inc({ kind: MessageKind[kind] ?? String(kind), verdict }),
      },
    });
    const role = new ValidatorRole(validator, network, relay, ledger, votes, heights, policy);
    deps.metrics.onScrape(() => {
      const head = validator.head.height;
      cm.batch.set(Math.floor(head / policy.blocksPerBatch));
      cm.epoch.set(heights.epochOf(head));
      cm.macroRound.set(validator.round);
    });
    validator.start();
    log.info({ plmn: key.plmn, validators: validators.size, p2p: network.port, peers: config.peers.length, final: start.block.height }, 'validator started');
    return role;
  }

  /** Transactions turned durable here: the producer of the next slot may build now. */
  wake(): void {
    this.ledger.notifyPending();
  }

  get failedCommits(): number {
    return this.ledger.failedCommits;
  }

  status(): ConsensusStatus {
    const v = this.validator;
    const set = v.validators;
    const connected = new Set(this.network.connectedPeers());
    const head = v.head;
    const final = v.lastFinal;
    return {
      self: this.network.self,
      validators: Array.from({ length: set.size }, (_, i) => {
        const info = set.byIndex(i);
        const self = info.id === this.network.self;
        return { plmn: info.id, power: info.power, blsKey: toHex(info.publicKey), connected: self || connected.has(info.id), score: self ? undefined : this.network.peerScore(info.id) };
      }),
      head: { height: head.height, hash: head.hashHex, kind: KIND_NAMES[head.header.kind] ?? String(head.header.kind) },
      final: { height: final.height, hash: final.hashHex },
      batch: Math.floor(head.height / this.policy.blocksPerBatch),
      epoch: this.heights.epochOf(head.height),
      nextMacroHeight: this.heights.macroAtOrAfter(v.lastDecided.height + 1),
      macroRound: v.round,
      policy: this.policy,
      peers: this.network.connections().filter((c) => c.active).map((c) => ({ plmn: c.peer, outbound: c.outbound, remote: c.remote, pendingOutboundBytes: c.pendingOutboundBytes })),
    };
  }

  /** Stops consensus and the relay, then the network. */
  async stop(): Promise<void> {
    this.ledger.stop();
    await this.validator.stop();
    this.relay.close();
    await this.network.close();
    await this.votes.close();
  }
}
