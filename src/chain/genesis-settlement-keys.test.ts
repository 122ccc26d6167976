// Statement keys for operators that do not validate (issue 14; docs/settlement.md, "Statement keys"):
// a genesis operator entry may carry a BLS settlementKey with its proof of possession; validators keep
// their validator key. Checked when the genesis is read: each refusal a GenesisError naming the operator.
import { describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed, blsPublicKeyFromSecretKey } from '../crypto/bls/bls.js';
import { blsPopProve } from '../crypto/bls/pop.js';
import { plainModeGenesis, T_MOBILE_US, testSettlementSecret } from '../test-helpers/plain-genesis.js';
import { devnetBlsSeed, devnetGenesis, genesisFromJson, GenesisError, genesisId, genesisToJson, settlementKeys, type GenesisJson } from './genesis.js';

describe('genesis settlement keys', () => {
  it('an operator that does not validate carries its key and proof; JSON round-trips; validators keep theirs', () => {
    const g = plainModeGenesis();
    const json = genesisToJson(g);
    const entry = json.operators.find((o) => o.plmn === T_MOBILE_US)!;
    expect(entry.settlementKey).toBe(toHex(blsPublicKeyFromSecretKey(testSettlementSecret())));
    const back = genesisFromJson(JSON.parse(JSON.stringify(json)) as GenesisJson);
    expect(genesisId(back)).toBe(genesisId(g));
    const keys = settlementKeys(back);
    expect([...keys.keys()]).toEqual([20801, 23415, 26201, 40445, 52501, 310260]);
    expect(toHex(keys.get(T_MOBILE_US)!)).toBe(entry.settlementKey);
    expect(toHex(keys.get(20801)!)).toBe(toHex(blsKeyPairFromSeed(devnetBlsSeed(20801)).publicKey));
    // A genesis without settlement keys writes no such field (its identity is as before).
    for (const o of genesisToJson(devnetGenesis()).operators) expect(Object.keys(o)).toEqual(['plmn', 'name', 'batchKey']);
    // Five validators: the sixth operator without a settlementKey has no statement key at all.
    expect(settlementKeys(devnetGenesis({ validators: 5 })).has(T_MOBILE_US)).toBe(false);
  });

  it('refuses a key on a validator, a proof that does not verify, a key without proof, another party\'s key', () => {
    const json = genesisToJson(plainModeGenesis());
    const edit = (plmn: number, fields: Record<string, string | undefined>): GenesisJson => {
      const j = JSON.parse(JSON.stringify(json)) as GenesisJson;
      const o = j.operators.find((x) => x.plmn === plmn)! as Record<string, unknown>;
      for (const [k, v] of Object.entries(fields)) {
        if (v === undefined) delete o[k];
        else o[k] = v;
      }
      return j;
    };
    const mine = json.operators.find((o) => o.plmn === T_MOBILE_US)!;
    const other = blsKeyPairFromSeed(new Uint8Array(32).fill(3));
    const cases: [string, GenesisJson, RegExp][] = [
      ['a validator', edit(20801, { settlementKey: mine.settlementKey, settlementPop: mine.settlementPop }), /20801 validates/],
      ['a proof by another key', edit(T_MOBILE_US, { settlementPop: toHex(blsPopProve(other.secretKey)) }), /settlementPop .* does not verify/],
      ['no proof', edit(T_MOBILE_US, { settlementPop: undefined }), /settlementPop must be 96 bytes/],
      ['a validator\'s key', edit(T_MOBILE_US, { settlementKey: toHex(blsKeyPairFromSeed(devnetBlsSeed(20801)).publicKey), settlementPop: toHex(blsPopProve(blsKeyPairFromSeed(devnetBlsSeed(20801)).secretKey)) }), /another operator's or validator's key/],
      ['not a key', edit(T_MOBILE_US, { settlementKey: '00'.repeat(48) }), /not a valid BLS public key/],
    ];
    for (const [what, j, message] of cases) {
      let err: unknown;
      try {
        genesisFromJson(j);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(GenesisError);
      expect((err as Error).message, what).toMatch(message);
    }
  });
});
