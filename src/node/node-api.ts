import type { NodeApi } from '../api/node-api.js';
import type { Chain } from '../chain/chain.js';
import { toHex } from '../codec/bytes.js';

/** The API's view of a chain: only what src/api/ needs, nothing of the chain's internals. */
export function chainNodeApi(chain: Chain): NodeApi {
  const { queries } = chain;
  return {
    events: chain.events,
    ingest: {
      maxBatchRecords: chain.limits.maxBatchRecords,
      connectionSource: (id) => chain.connectionSource(id),
      get httpSource() {
        return chain.httpSource;
      },
      submitTx: (frame, source, opts) => chain.submitTx(frame, source, opts),
    },
    queries: {
      status() {
        const head = queries.chainHead();
        return {
          chainId: chain.genesis.chainId,
          genesisHash: toHex(chain.identity),
          height: head.height,
          headHash: toHex(head.hash),
          mempool: queries.mempoolSize(),
          nullifiers: chain.nullifiers.size,
          operators: chain.operators.list().map((o) => ({ plmn: o.plmn, name: o.name })),
          workers: chain.verifierThreads,
          diskBytes: chain.diskBytes(),
          storage: chain.storageStatus(),
          ready: chain.readiness(),
        };
      },
      readiness: () => chain.readiness(),
      storageStatus: () => chain.storageStatus(),
      operator(plmn) {
        const o = chain.operators.get(plmn);
        if (!o) return undefined;
        return {
          plmn: o.plmn, name: o.name, batchKey: toHex(o.batchKey),
          lastSequence: chain.lastAcceptedSequence(o.plmn) ?? 0n,
          lastContractSequence: chain.lastAcceptedContractSequence(o.plmn) ?? 0n,
        };
      },
      block: (height) => queries.block(height),
      blocks: (from, limit) => queries.blocks(from, limit),
      batch: (id) => queries.batch(id),
      tx: (id) => queries.tx(id),
      receipt: (hash) => queries.receipt(hash),
    },
  };
}
