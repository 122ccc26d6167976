import { describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { blsKeyPairFromSeed } from '../crypto/bls/bls.js';
import { sha256 } from '../crypto/hash.js';
import { rational } from '../settlement/fx/rational.js';
import { DEVNET_SETTLEMENT_BANK_ID, devnetBlsSeed, devnetGenesis, devnetSettlementBank, genesisFromJson, genesisId, genesisToJson, GenesisError, settlementRules, type GenesisJson } from './genesis.js';
import { DEFAULT_GENESIS_SETTLEMENT, genesisSettlement, genesisSettlementToJson } from './genesis-settlement.js';

describe('genesis settlement', () => {
  it('defaults: calendar months, 3 days of grace, XDR, 0.15 %, a 10 % move limit, committed mode, no rate publishers', () => {
    const d = DEFAULT_GENESIS_SETTLEMENT;
    expect(d.periods).toEqual({ rule: { kind: 'calendar-month' }, graceSeconds: 3 * 86_400 });
    expect([d.currency, d.feeRate, d.maxMove, d.mode, d.fx]).toEqual(['XDR', rational(15n, 10_000n), rational(1n, 10n), 'committed', undefined]);
    expect(Object.isFrozen(d)).toBe(true);
  });

  it('the devnet names its validators as rate publishers (1 to publish, 5 of 6 to override) and round-trips through JSON', () => {
    const g = devnetGenesis();
    const fx = g.settlement?.fx;
    expect(fx?.publishers.map(toHex)).toEqual(g.consensus?.validators.map((v) => toHex(v.blsKey)));
    expect(fx?.publishers[0]).toEqual(blsKeyPairFromSeed(devnetBlsSeed(20801)).publicKey);
    expect([fx?.publishThreshold, fx?.overrideThreshold]).toEqual([1, 5]);
    const j = JSON.parse(JSON.stringify(genesisToJson(g))) as GenesisJson;
    expect(j.settlement).toMatchObject({ period: 'monthly', graceSeconds: 259_200, currency: 'XDR', feeRate: '3/2000', maxMove: '1/10', mode: 'committed', publishThreshold: 1, overrideThreshold: 5 });
    const back = genesisFromJson(j);
    expect(genesisId(back)).toBe(genesisId(g));
    expect(back.settlement).toEqual(g.settlement);
    // The section is part of the identity.
    expect(genesisId(genesisFromJson({ ...j, settlement: { ...j.settlement!, graceSeconds: 86_400 } }))).not.toBe(genesisId(g));
  });

  it('a genesis without the section keeps its identity and settles under the defaults', () => {
    const legacy = { chainId: 'legacy', timestampMs: '1700000000000', operators: [{ plmn: 20801, name: 'A', batchKey: '11'.repeat(32) }] };
    const g = genesisFromJson(JSON.parse(JSON.stringify(legacy)) as GenesisJson);
    expect(g.settlement).toBeUndefined();
    expect(genesisId(g)).toBe(toHex(sha256(Buffer.from(JSON.stringify(legacy)))));
    expect(settlementRules(g)).toBe(DEFAULT_GENESIS_SETTLEMENT);
  });

  it('reads other rules, decimals included, and writes them back in canonical form', () => {
    const s = genesisSettlement({ period: { days: 14, anchorSeconds: 1_767_225_600 }, graceSeconds: 0, currency: 'EUR', feeRate: rational(1n, 1000n), mode: 'plain' });
    const j = genesisSettlementToJson(s);
    expect(j).toMatchObject({ period: { days: 14, anchorSeconds: 1_767_225_600 }, currency: 'EUR', feeRate: '1/1000', mode: 'plain', ratePublishers: [], publishThreshold: 0 });
    const base = genesisToJson(devnetGenesis());
    expect(genesisFromJson({ ...base, settlement: { ...j, feeRate: '0.0010' } }).settlement).toEqual(s);
    expect(genesisSettlementToJson(genesisSettlement({ period: 'weekly' })).period).toBe('weekly');
  });

  it('refuses a malformed section, naming the field', () => {
    const base = genesisToJson(devnetGenesis());
    const ok = base.settlement!;
    const bad = (patch: Record<string, unknown>): (() => unknown) => () => genesisFromJson({ ...base, settlement: { ...ok, ...patch } } as never);
    expect(bad({ period: 'yearly' })).toThrow(/settlement.period/);
    expect(bad({ period: { days: 0 } })).toThrow(/rule.days/);
    expect(bad({ graceSeconds: 91 * 86_400 })).toThrow(/graceSeconds/);
    expect(bad({ currency: 'JPY' })).toThrow(/unknown currency "JPY"/);
    expect(bad({ feeRate: '1/1' })).toThrow(/fee rate/);
    expect(bad({ feeRate: 0.0015 })).toThrow(/settlement.feeRate/);
    expect(bad({ maxMove: '0/1' })).toThrow(/maxMove/);
    expect(bad({ mode: 'hidden' })).toThrow(/settlement.mode/);
    expect(bad({ ratePublishers: ['00'.repeat(48)] })).toThrow(/publisher 0 is not a valid BLS public key/);
    expect(bad({ ratePublishers: [ok.ratePublishers[0], ok.ratePublishers[0]] })).toThrow(/listed twice/);
    expect(bad({ publishThreshold: 7 })).toThrow(/publishThreshold/);
    expect(bad({ overrideThreshold: 0 })).toThrow(/overrideThreshold/);
    expect(bad({ ratePublishers: [], publishThreshold: 1 })).toThrow(/0 without ratePublishers/);
    expect(bad({ extra: 1 })).toThrow(/unknown field extra/);
    const { mode: _m, ...missing } = ok;
    expect(() => genesisFromJson({ ...base, settlement: missing } as never)).toThrow(/settlement.mode is missing/);
    expect(bad({ mode: 'hidden' })).toThrow(GenesisError);
    // The settlement bank: its id is no operator's, its keys 32 bytes of hex, no other field.
    const bank = ok.bank!;
    expect(bad({ bank: { ...bank, id: 20801 } })).toThrow(/bank.id 20801 is an operator's/);
    expect(bad({ bank: { ...bank, encryptionKey: '00' } })).toThrow(/bank.encryptionKey/);
    expect(bad({ bank: { ...bank, requestKey: 'zz'.repeat(32) } })).toThrow(/bank.requestKey/);
    expect(bad({ bank: { ...bank, extra: 1 } })).toThrow(/bank: unknown field extra/);
    expect(bad({ bank: { ...bank, id: 0 } })).toThrow(/bank.id/);
  });

  it('the devnet names a settlement bank (well-known INSECURE keys); a section without one keeps its identity', () => {
    const g = devnetGenesis();
    const bank = devnetSettlementBank();
    expect(g.settlement?.bank).toEqual(bank.bank);
    const j = JSON.parse(JSON.stringify(genesisToJson(g))) as GenesisJson;
    expect(j.settlement?.bank).toEqual({ id: DEVNET_SETTLEMENT_BANK_ID, encryptionKey: toHex(bank.bank.encryptionKey), requestKey: toHex(bank.bank.requestKey) });
    const { bank: _b, ...without } = j.settlement!;
    const plain = genesisFromJson({ ...j, settlement: without });
    expect(plain.settlement?.bank).toBeUndefined();
    expect(genesisToJson(plain).settlement).not.toHaveProperty('bank');
    expect(genesisId(plain)).not.toBe(genesisId(g));
  });
});
