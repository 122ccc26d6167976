import { describe, expect, it } from 'vitest';
import { signCall, signDeploy } from '../client/contract-tx.js';
import { devnetChainIdentity } from '../chain/devnet-chain.js';
import { devnetBatchSeed } from '../chain/genesis.js';
import { sumContract, words } from '../test-helpers/contracts.js';
import { ORANGE_FR } from '../test-helpers/devnet.js';
import {
  canonicalContractTx, CANONICAL_CONTRACT_TX_BYTES, CONTRACT_TX_VERSION, contractIdOf, contractTxHash, ContractTxKind,
  decodeContractTx, encodeContractTx, isContractTxFrame, MAX_CALLDATA_BYTES, type ContractTxFields,
} from './contract-tx.js';
import { MalformedFrameError, UnsupportedVersionError } from './errors.js';

const seed = devnetBatchSeed(ORANGE_FR);
const chain = devnetChainIdentity();
const sig = new Uint8Array(64).fill(5);
const call = (over: Partial<ContractTxFields> = {}): ContractTxFields => ({
  version: CONTRACT_TX_VERSION, kind: ContractTxKind.Call, sender: ORANGE_FR, sequence: 3n, gasLimit: 1000n,
  contract: new Uint8Array(32).fill(9), code: new Uint8Array(0), calldata: words(1n, 2n), ...over,
});

describe('contract transaction codec', () => {
  it('round-trips a deploy and a call, with the hash over the canonical bytes', () => {
    const deploy = signDeploy({ sender: ORANGE_FR, sequence: 1n, gasLimit: 5n, container: sumContract(), seed });
    expect(isContractTxFrame(deploy.frame)).toBe(true);
    const d = decodeContractTx(deploy.frame);
    expect(d.kind).toBe(ContractTxKind.Deploy);
    expect(Buffer.from(d.code)).toEqual(Buffer.from(sumContract()));
    expect(d.signature).toHaveLength(64);
    expect(Buffer.from(contractTxHash(d, chain))).toEqual(Buffer.from(deploy.hash));
    expect(Buffer.from(deploy.contractId!)).toEqual(Buffer.from(contractIdOf(ORANGE_FR, 1n, sumContract())));

    const c = decodeContractTx(encodeContractTx(call(), sig));
    expect(c).toMatchObject({ kind: ContractTxKind.Call, sender: ORANGE_FR, sequence: 3n, gasLimit: 1000n });
    expect(Buffer.from(c.calldata)).toEqual(Buffer.from(words(1n, 2n)));
    expect(canonicalContractTx(c, chain)).toHaveLength(CANONICAL_CONTRACT_TX_BYTES);
    expect(Buffer.from(canonicalContractTx(c, chain).subarray(0, 16)).toString('latin1')).toBe('cdrchain:ctx:2\0\0');
    expect(Buffer.from(canonicalContractTx(c, chain).subarray(16, 48))).toEqual(Buffer.from(chain));
  });

  it('binds every field and the chain into the hash', () => {
    const base = Buffer.from(contractTxHash(call(), chain)).toString('hex');
    const variants: Partial<ContractTxFields>[] = [
      { sender: ORANGE_FR + 1 }, { sequence: 4n }, { gasLimit: 1001n }, { contract: new Uint8Array(32).fill(8) }, { calldata: words(1n, 3n) },
    ];
    for (const v of variants) expect(Buffer.from(contractTxHash(call(v), chain)).toString('hex')).not.toBe(base);
    const otherChain = chain.map((b, i) => (i === 0 ? b ^ 1 : b));
    expect(Buffer.from(contractTxHash(call(), otherChain)).toString('hex')).not.toBe(base);
    const signedElsewhere = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 9n, contract: new Uint8Array(32).fill(1), calldata: words(5n), seed, chain: otherChain });
    const signedHere = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 9n, contract: new Uint8Array(32).fill(1), calldata: words(5n), seed, chain });
    expect(Buffer.from(signedElsewhere.hash)).not.toEqual(Buffer.from(signedHere.hash));
    expect(Buffer.from(decodeContractTx(signedElsewhere.frame).signature)).not.toEqual(Buffer.from(decodeContractTx(signedHere.frame).signature));
  });

  it('derives contract ids from sender, sequence and code', () => {
    const a = Buffer.from(contractIdOf(1, 1n, sumContract())).toString('hex');
    expect(Buffer.from(contractIdOf(1, 2n, sumContract())).toString('hex')).not.toBe(a);
    expect(Buffer.from(contractIdOf(2, 1n, sumContract())).toString('hex')).not.toBe(a);
    expect(Buffer.from(contractIdOf(1, 1n, sumContract())).toString('hex')).toBe(a);
  });

  it('refuses frames whose fields do not fit their kind, version or bounds', () => {
    expect(() => decodeContractTx(encodeContractTx(call({ code: sumContract() }), sig))).toThrow(MalformedFrameError);
    expect(() => decodeContractTx(encodeContractTx(call({ kind: 7 as ContractTxKind }), sig))).toThrow(/unknown contract transaction kind/);
    expect(() => decodeContractTx(encodeContractTx(call({ kind: ContractTxKind.Deploy, code: new Uint8Array(0), calldata: new Uint8Array(0) }), sig))).toThrow(/no code/);
    expect(() => decodeContractTx(encodeContractTx(call({ calldata: new Uint8Array(MAX_CALLDATA_BYTES + 1) }), sig))).toThrow(/limit/);
    expect(() => decodeContractTx(encodeContractTx(call({ version: 2 }), sig))).toThrow(UnsupportedVersionError);
    const frame = encodeContractTx(call(), sig);
    expect(() => decodeContractTx(frame.subarray(0, frame.length - 20))).toThrow(MalformedFrameError);
    const wrongId = frame.slice();
    wrongId[7] = 0x42; // "CDRB"
    expect(isContractTxFrame(wrongId)).toBe(false);
    expect(() => decodeContractTx(wrongId)).toThrow(/file identifier/);
  });

  it('signs calls that decode to the fields given', () => {
    const signed = signCall({ sender: ORANGE_FR, sequence: 2n, gasLimit: 9n, contract: new Uint8Array(32).fill(1), calldata: words(5n), seed });
    const d = decodeContractTx(signed.frame);
    expect(Buffer.from(contractTxHash(d, chain))).toEqual(Buffer.from(signed.hash));
  });
});
