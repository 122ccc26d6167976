import { describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { blsPopProve } from '../crypto/bls/pop.js';
import { sha256 } from '../crypto/hash.js';
import {
  DEVNET_OPERATORS,
  GenesisError,
  chainIdentity,
  devnetBlsSeed,
  devnetGenesis,
  genesisConsensusPolicy,
  genesisFromJson,
  genesisId,
  genesisToJson,
  genesisValidatorSet,
  type GenesisJson,
} from './genesis.js';

const contracts = new Uint8Array(32).fill(7);

/** A deep copy of the devnet genesis JSON, to tamper with. */
function devnetJson(): GenesisJson {
  return JSON.parse(JSON.stringify(genesisToJson(devnetGenesis()))) as GenesisJson;
}

describe('genesis validators', () => {
  it('a genesis without validators loads, writes no consensus key and keeps the identity the pre-consensus format gave it', () => {
    const legacy = {
      chainId: 'legacy',
      timestampMs: '1700000000000',
      operators: [{ plmn: 20801, name: 'A', batchKey: '11'.repeat(32) }],
    };
    const g = genesisFromJson(JSON.parse(JSON.stringify(legacy)) as GenesisJson);
    expect(g.consensus).toBeUndefined();
    expect(genesisValidatorSet(g)).toBeUndefined();
    expect(Object.keys(genesisToJson(g))).toEqual(['chainId', 'timestampMs', 'operators']);
    // The hash formula of before: SHA-256 over exactly this JSON text.
    expect(genesisId(g)).toBe(toHex(sha256(Buffer.from(JSON.stringify(legacy)))));
  });

  it('the devnet has one validator per operator with its public INSECURE key, and survives a JSON round trip (PoPs verified)', () => {
    const g = devnetGenesis();
    const j = devnetJson();
    expect(j.consensus?.validators.map((v) => v.plmn)).toEqual(DEVNET_OPERATORS.map((o) => o.plmn).sort((a, b) => a - b));
    expect(j.consensus?.validators[0]?.blsKey).toBe(toHex(blsKeyPairFromSeed(devnetBlsSeed(20801)).publicKey));
    expect(j.consensus?.policy).toEqual({ blocksPerBatch: 32, batchesPerEpoch: 4, producerTimeoutMs: 2000, maxBlockTxs: 16384, maxForkProofsPerBlock: 16 });
    const loaded = genesisFromJson(j);
    expect(genesisId(loaded)).toBe(genesisId(g));
    const set = genesisValidatorSet(loaded);
    expect(set?.size).toBe(DEVNET_OPERATORS.length);
    expect(set?.validators.map((v) => v.id)).toEqual(j.consensus?.validators.map((v) => v.plmn));
    expect(set?.totalPower).toBe(DEVNET_OPERATORS.length);
    const policy = genesisConsensusPolicy(loaded, { emptyBlockIntervalMs: 300, blocksPerBatch: 8 });
    expect(policy.blocksPerBatch).toBe(32); // the genesis wins over a local value for a consensus-critical constant
    expect(policy.emptyBlockIntervalMs).toBe(300);
    // A batch longer than the default look-ahead is the genesis' choice; the node's bound must then cover it.
    const long = devnetJson();
    long.consensus!.policy.blocksPerBatch = 256;
    const g256 = genesisFromJson(long);
    expect(() => genesisConsensusPolicy(g256)).toThrow(/maxBlocksAhead/);
    expect(genesisConsensusPolicy(g256, { maxBlocksAhead: 512 }).blocksPerBatch).toBe(256);
  });

  it("the devnet's precomputed proofs of possession are the ones its keys prove", () => {
    for (const v of devnetGenesis().consensus!.validators) {
      expect(toHex(v.pop), String(v.plmn)).toBe(toHex(blsPopProve(blsKeyPairFromSeed(devnetBlsSeed(v.plmn)).secretKey)));
    }
  });

  it('the chain identity covers the validators and the policy', () => {
    const base = chainIdentity(genesisFromJson(devnetJson()), contracts);
    const noConsensus = devnetJson();
    delete noConsensus.consensus;
    expect(chainIdentity(genesisFromJson(noConsensus), contracts)).not.toBe(base);
    const power = devnetJson();
    power.consensus!.validators[1]!.power = 2;
    expect(chainIdentity(genesisFromJson(power), contracts)).not.toBe(base);
    const policy = devnetJson();
    policy.consensus!.policy.blocksPerBatch = 16;
    expect(chainIdentity(genesisFromJson(policy), contracts)).not.toBe(base);
    const reordered = devnetJson();
    reordered.consensus!.validators.reverse();
    expect(chainIdentity(genesisFromJson(reordered), contracts)).toBe(base); // order in the file does not matter
  });

  it('refuses a bad proof of possession, naming the PLMN', () => {
    const j = devnetJson();
    const vs = j.consensus!.validators;
    vs[2]!.pop = vs[3]!.pop; // a valid proof, of another key
    expect(() => genesisFromJson(j)).toThrow(GenesisError);
    expect(() => genesisFromJson(j)).toThrow(new RegExp(`validator ${vs[2]!.plmn}: proof of possession`));
    const garbage = devnetJson();
    garbage.consensus!.validators[0]!.pop = 'ab'.repeat(96);
    expect(() => genesisFromJson(garbage)).toThrow(/validator 20801: proof of possession/);
  });

  it('refuses malformed validator entries and policies with a GenesisError', () => {
    const cases: [string, (j: GenesisJson) => void, RegExp][] = [
      ['unknown operator', (j) => (j.consensus!.validators[0]!.plmn = 99999), /99999 is not a listed operator/],
      ['zero power', (j) => (j.consensus!.validators[0]!.power = 0), /power must be a positive integer/],
      ['fractional power', (j) => (j.consensus!.validators[0]!.power = 1.5), /power must be a positive integer/],
      ['short key', (j) => (j.consensus!.validators[0]!.blsKey = 'ab'), /blsKey must be 48 bytes/],
      ['twice', (j) => j.consensus!.validators.push({ ...j.consensus!.validators[0]! }), /listed twice/],
      ['no validators', (j) => (j.consensus!.validators = []), /no validators/],
      ['missing constant', (j) => delete j.consensus!.policy.maxBlockTxs, /policy.maxBlockTxs is missing/],
      ['unknown constant', (j) => (j.consensus!.policy.blocksPerBach = 3), /unknown field blocksPerBach/],
      ['out of range', (j) => (j.consensus!.policy.blocksPerBatch = 1), /blocksPerBatch must be an integer/],
    ];
    for (const [name, tamper, message] of cases) {
      const j = devnetJson();
      tamper(j);
      expect(() => genesisFromJson(j), name).toThrow(GenesisError);
      expect(() => genesisFromJson(j), name).toThrow(message);
    }
  });
});
