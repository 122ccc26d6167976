import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK_CIRCUIT } from '../proofs/circuit.js';
import { findPackageRoot } from '../wasm/load.js';
import { devnetGenesis, genesisFromJson, genesisId, genesisToJson, GenesisError } from './genesis.js';
import { linkCircuits } from './genesis-circuits.js';
import { LINK_CIRCUIT } from '../proofs/link/link-circuit.js';

const vkey = JSON.parse(readFileSync(join(findPackageRoot(), 'circuits', 'keys', 'batch_chunk_4.vkey.json'), 'utf8')) as Record<string, unknown>;
const linkKey = JSON.parse(readFileSync(join(findPackageRoot(), 'circuits', 'keys', 'bilateral_link_1.vkey.json'), 'utf8')) as Record<string, unknown>;

describe('genesis circuits', () => {
  it('the devnet registers the committed test key, and the section round-trips through JSON', () => {
    const g = devnetGenesis();
    expect(g.circuits?.map((c) => [c.id, c.version, c.chunkRecords])).toEqual([[CHUNK_CIRCUIT.id, CHUNK_CIRCUIT.version, 4]]);
    const back = genesisFromJson(JSON.parse(JSON.stringify(genesisToJson(g))));
    expect(back.circuits?.[0]?.vkeyId).toBe(g.circuits?.[0]?.vkeyId);
    expect(genesisId(back)).toBe(genesisId(g));
    // Without the section a genesis keeps the identity it had before circuits existed.
    const { circuits: _c, ...without } = g;
    expect(genesisToJson(without)).not.toHaveProperty('circuits');
  });

  it('refuses a malformed section', () => {
    const base = genesisToJson(devnetGenesis());
    const bad = (circuits: unknown): (() => unknown) => () => genesisFromJson({ ...base, circuits } as never);
    const one = { id: CHUNK_CIRCUIT.id, version: CHUNK_CIRCUIT.version, chunkRecords: 4, vkey };
    expect(bad([one, one])).toThrow(/listed twice/);
    expect(bad([{ ...one, chunkRecords: 3 }])).toThrow(/power of two/);
    expect(bad([{ ...one, id: 'has space' }])).toThrow(/printable ASCII/);
    expect(bad([{ ...one, vkey: { ...vkey, IC: (vkey['IC'] as unknown[]).slice(1) } }])).toThrow(GenesisError);
    expect(bad({})).toThrow(/a list/);
  });

  it('the link circuit: registered by linesPerCurrency with its 18-input key, round-trips, another identity; malformed entries refused', () => {
    const g = devnetGenesis({ linkProofs: true });
    expect(g.circuits?.map((c) => [c.id, c.version, c.chunkRecords, c.linesPerCurrency])).toEqual([[CHUNK_CIRCUIT.id, CHUNK_CIRCUIT.version, 4, undefined], [LINK_CIRCUIT.id, LINK_CIRCUIT.version, 0, 1]]);
    expect(linkCircuits(g.circuits ?? []).map((c) => c.id)).toEqual([LINK_CIRCUIT.id]);
    const json = genesisToJson(g);
    expect(json.circuits?.[1]).toMatchObject({ id: LINK_CIRCUIT.id, version: 1, linesPerCurrency: 1 });
    expect(json.circuits?.[1]).not.toHaveProperty('chunkRecords');
    const back = genesisFromJson(JSON.parse(JSON.stringify(json)));
    expect(genesisId(back)).toBe(genesisId(g));
    expect(genesisId(g)).not.toBe(genesisId(devnetGenesis()));
    const base = genesisToJson(devnetGenesis());
    const bad = (circuits: unknown): (() => unknown) => () => genesisFromJson({ ...base, circuits } as never);
    const link = { id: LINK_CIRCUIT.id, version: 1, linesPerCurrency: 1, vkey: linkKey };
    expect(bad([link, link])).toThrow(/listed twice/);
    expect(bad([{ ...link, linesPerCurrency: 6 }])).toThrow(/linesPerCurrency/);
    expect(bad([{ ...link, vkey }])).toThrow(/18 public inputs/); // the chunk circuit's key
  });
});
