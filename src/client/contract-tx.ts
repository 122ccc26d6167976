import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { canonicalContractTx, CONTRACT_TX_VERSION, contractIdOf, contractTxHash, ContractTxKind, encodeContractTx, type ContractTxFields } from '../codec/contract-tx.js';
import { ed25519Sign, privateKeyObject } from '../crypto/ed25519.js';

export interface SignedContractTx {
  readonly frame: Uint8Array;
  readonly hash: Uint8Array;
  /** Deploy: the id the contract will have. */
  readonly contractId?: Uint8Array;
}

const NO_CONTRACT = new Uint8Array(32);

/**
 * The chain a transaction is for: its identity, as GET /status publishes it (`genesisHash`). Only
 * that chain's nodes accept the transaction. Default: the embedded devnet.
 */
interface ChainOption {
  readonly chain?: Uint8Array;
}

/** Signs and encodes a deploy of `container` (a bytecode container) with the sender's batch key seed. */
export function signDeploy(o: { sender: number; sequence: bigint; gasLimit: bigint; container: Uint8Array; seed: Uint8Array } & ChainOption): SignedContractTx {
  const fields: ContractTxFields = {
    version: CONTRACT_TX_VERSION, kind: ContractTxKind.Deploy, sender: o.sender, sequence: o.sequence,
    gasLimit: o.gasLimit, contract: NO_CONTRACT, code: o.container, calldata: new Uint8Array(0),
  };
  return { ...sign(fields, o.seed, o.chain), contractId: contractIdOf(o.sender, o.sequence, o.container) };
}

/** Signs and encodes a call of contract `contract` with `calldata`. */
export function signCall(o: { sender: number; sequence: bigint; gasLimit: bigint; contract: Uint8Array; calldata: Uint8Array; seed: Uint8Array } & ChainOption): SignedContractTx {
  const fields: ContractTxFields = {
    version: CONTRACT_TX_VERSION, kind: ContractTxKind.Call, sender: o.sender, sequence: o.sequence,
    gasLimit: o.gasLimit, contract: o.contract, code: new Uint8Array(0), calldata: o.calldata,
  };
  return sign(fields, o.seed, o.chain);
}

function sign(fields: ContractTxFields, seed: Uint8Array, chain: Uint8Array = devnetChainIdentity()): SignedContractTx {
  const signature = ed25519Sign(canonicalContractTx(fields, chain), privateKeyObject(seed));
  return { frame: encodeContractTx(fields, signature), hash: contractTxHash(fields, chain) };
}
