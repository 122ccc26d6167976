import type { Command } from 'commander';
import { readGenesisFile } from '../../chain/genesis.js';
import { createLogger } from '../../log.js';
import { CdrNode, DEFAULT_PORT } from '../../node/node.js';
import { installProcessGuards } from '../../node/process-guards.js';
import { readValidatorDir } from '../../node/validator-dir.js';
import { CliError, EXIT, parseIntOption } from '../errors.js';
import { NodeSettingsError, resolveNodeSettings, type EffectiveSettings } from '../node-settings.js';
import { addNodeRetentionFlags, nodeRetentionOptions } from '../retention-options.js';

/** The options of `node`, and of `config print`, which shows what they resolve to. */
export function addNodeOptions(command: Command): Command {
  return addNodeRetentionFlags(command
    .option('--config <file>', 'configuration file (JSON, docs/config.schema.json; or CDRCHAIN_CONFIG): a flag wins over a CDRCHAIN_* environment variable, which wins over the file')
    .option('--validator <dir>', 'run as a validator: DIR holds validator.json (P2P address, peers), the TLS certificate and key, and bls.key.json (cdrchain devnet init writes them)')
    .option('--solo', 'run alone, one producer on a timer (the default without --validator)')
    .option('--data <dir>', 'data directory (LMDB)', './data')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'HTTP/WebSocket port (0 = any free port)', parseIntOption('port', 0, 65535), DEFAULT_PORT)
    .option('--genesis <file>', 'genesis JSON (default: the embedded devnet)')
    .option('--workers <n>', 'verification worker threads (default: one per core)', parseIntOption('workers', 1, 64))
    .option('--block-interval <ms>', 'cut a block this often when transactions wait', parseIntOption('block-interval', 1, 60_000))
    .option('--max-batch-records <n>', 'largest batch accepted', parseIntOption('max-batch-records', 1, 65_536))
    .option('--max-tx-gas <gas>', 'largest gas limit of one contract transaction', parseIntOption('max-tx-gas', 1))
    .option('--max-block-gas <gas>', 'contract gas limits one block may sum to', parseIntOption('max-block-gas', 1))
    .option('--max-connections <n>', 'WS /ingest connections served at once (default 64); beyond, 503', parseIntOption('max-connections', 1, 100_000))
    .option('--max-subscribers <n>', 'WS /events subscribers served at once (default 64); beyond, 503', parseIntOption('max-subscribers', 1, 100_000))
    .option('--nullifier-filter-mib <MiB>', 'nullifier Bloom filter size, a power of two (default 256): resident from the start; smaller sends more lookups to disk past ~10^7 records per 64 MiB', parseIntOption('nullifier-filter-mib', 1, 2048))
    .option('--no-reconciliation', 'run without the reconciliation index (GET /reconciliation answers 404)')
    .option('--api-auth <mode>', 'open (anyone reads every endpoint: INSECURE, development) | signatures (operators sign their requests, RFC 9421 over their batch key)')
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info'));
}

/** Flags, environment and configuration file merged (exit 2 naming the bad key). */
export function nodeSettings(cmd: Command): EffectiveSettings {
  try {
    return resolveNodeSettings(cmd);
  } catch (err) {
    if (err instanceof NodeSettingsError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
}

type NodeOptions = Parameters<typeof nodeRetentionOptions>[0] & {
  validator?: string; solo?: boolean; data: string; host: string; port: number; genesis?: string; workers?: number; blockInterval?: number;
  maxBatchRecords?: number; maxTxGas?: number; maxBlockGas?: number; maxConnections?: number; maxSubscribers?: number; nullifierFilterMib?: number; logLevel: string; apiAuth?: string; reconciliation?: boolean;
};

export function registerNode(program: Command): void {
  addNodeOptions(program
    .command('node')
    .description('run a node: a validator of the genesis\' consortium with --validator DIR, else alone (--solo) on the embedded devnet genesis unless --genesis is given'))
    .action(async (_flags: unknown, cmd: Command) => {
      const o = nodeSettings(cmd).options as NodeOptions;
      const log = createLogger('cdrchain-node', o.logLevel);
      const retention = nodeRetentionOptions(o);
      let node: CdrNode | undefined;
      // Before start: restarting on a still-full disk must report, not crash.
      installProcessGuards(log, () => node?.metrics);
      if (o.validator && o.solo) throw new CliError('--validator and --solo exclude each other', EXIT.usage);
      const filterMib = o.nullifierFilterMib;
      if (filterMib !== undefined && (filterMib & (filterMib - 1)) !== 0) throw new CliError(`--nullifier-filter-mib must be a power of two (1, 2, 4, ... 2048), got ${filterMib}`, EXIT.usage);
      let validator;
      try {
        validator = o.validator ? readValidatorDir(o.validator) : undefined;
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), EXIT.usage);
      }
      try {
        node = await CdrNode.start({
          dataDir: o.data,
          ...(validator ? { validator } : {}),
          ...(o.apiAuth ? { apiAuth: apiAuthMode(o.apiAuth) } : {}),
          ...(o.reconciliation === false ? { reconciliation: false } : {}),
          host: o.host,
          port: o.port,
          log,
          ...(o.genesis ? { genesis: readGenesisFile(o.genesis) } : {}),
          ...(o.workers ? { workers: o.workers } : {}),
          ...(filterMib !== undefined ? { nullifiers: { filterLog2Bytes: 20 + Math.log2(filterMib) } } : {}),
          ...(retention ? { retention } : {}),
          ...(o.blockInterval || o.maxBlockGas
            ? { producer: { ...(o.blockInterval ? { blockIntervalMs: o.blockInterval } : {}), ...(o.maxBlockGas ? { maxBlockGas: o.maxBlockGas } : {}) } }
            : {}),
          ...(o.maxTxGas ? { contractLimits: { maxTxGas: BigInt(o.maxTxGas) } } : {}),
          ...(o.maxBatchRecords ? { limits: { maxBatchRecords: o.maxBatchRecords } } : {}),
          ...(o.maxConnections || o.maxSubscribers
            ? { api: { ...(o.maxConnections ? { maxIngestConnections: o.maxConnections } : {}), ...(o.maxSubscribers ? { maxEventSubscribers: o.maxSubscribers } : {}) } }
            : {}),
        });
      } catch (err) {
        throw new CliError(`node did not start: ${err instanceof Error ? err.message : String(err)}`, EXIT.startup);
      }
      const base = `${o.host}:${node.port}`;
      const head = node.chain.queries.chainHead();
      log.info({ port: node.port, dataDir: o.data, chainId: node.chain.genesis.chainId, height: head.height, validator: validator?.plmn, p2p: node.validator?.network.port }, 'node ready');
      process.stderr.write(
        [
          '',
          `cdrchain node ready — chain ${node.chain.genesis.chainId}, height ${head.height}, data in ${o.data}${validator ? `, validator ${validator.plmn} (P2P ${validator.p2p.host}:${node.validator?.network.port})` : ' (solo)'}`,
          `  ingest   ws://${base}/ingest    (binary batch frames)`,
          `  events   ws://${base}/events`,
          `  http     http://${base}/status  /blocks  /batch/:id  /txns/:hash  /operators/:plmn  POST /cdr`,
          `  metrics  http://${base}/metrics${validator ? `    consensus  http://${base}/consensus` : ''}`,
          `  operators: ${node.chain.operators.list().map((op) => `${op.plmn} ${op.name}`).join(', ')}`,
          `  try: npm run cdrchain -- generate --count 10000 --out /tmp/cdrs.csv && npm run cdrchain -- submit /tmp/cdrs.csv --url ws://${base}`,
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('stopping: committing pending batches');
      await node.stop();
      log.info('stopped');
    });
}

function apiAuthMode(v: string): 'open' | 'signatures' {
  if (v !== 'open' && v !== 'signatures') throw new CliError(`--api-auth must be open or signatures, got "${v}"`, EXIT.usage);
  return v;
}
