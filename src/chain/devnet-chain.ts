import { fromHex } from '../codec/bytes.js';
import { loadSystemContracts } from '../vm/system/index.js';
import { chainIdentity, devnetGenesis, type Genesis } from './genesis.js';

/**
 * The identity (genesis hash) of the chain a node with `genesis` runs, as the 32 bytes every signed
 * encoding binds: `chainIdentity()` over the genesis and the system contracts in contracts/system,
 * exactly as the node computes it at start.
 */
export function localChainIdentity(genesis: Genesis): Uint8Array {
  return fromHex(chainIdentity(genesis, loadSystemContracts().digest()), 32);
}

let devnet: Uint8Array | undefined;

/**
 * The embedded devnet's identity, for code that signs for the devnet without asking a node (tests,
 * benchmark data). Clients of a running node take it from the node's GET /status instead.
 */
export function devnetChainIdentity(): Uint8Array {
  devnet ??= localChainIdentity(devnetGenesis());
  return devnet.slice();
}
