import { readBankKeyFile } from '../client/bank-key-file.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../codec/bytes.js';
import { genesisValidatorSet, readGenesisFile } from '../chain/genesis.js';
import { readKeyFile } from '../client/key-file.js';
import { verifyNodeCertificate } from '../pki/consortium-ca.js';
import { readNodeIdentity } from '../pki/node-identity.js';
import { readNodeDir } from '../pki/pki-files.js';
import { cdrchain } from '../test-helpers/processes.js';
import { readBlsKeyFile } from './commands/devnet.js';

describe('cdrchain devnet init', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cdrchain-devnet-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes a CA, per-validator certificates and keys, and a genesis with their validators that loads', async () => {
    const out = join(tmp, 'net');
    const r = await cdrchain('devnet', 'init', '--validators', '4', '--out', out, '--base-port', '9100');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { validators: { plmn: number; dir: string; ports: { ingest: number; p2p: number } }[] };
    expect(summary.validators).toHaveLength(4);

    const genesis = readGenesisFile(join(out, 'genesis.json')); // verifies every proof of possession
    const set = genesisValidatorSet(genesis)!;
    expect(set.size).toBe(4);
    expect(genesis.operators.map((o) => o.plmn)).toEqual(set.validators.map((v) => v.id));
    expect(genesis.consensus?.policy.blocksPerBatch).toBe(32);

    const caPem = readFileSync(join(out, 'ca', 'ca.cert.pem'), 'utf8');
    expect(statSync(join(out, 'ca', 'ca.key.pem')).mode & 0o777).toBe(0o600);
    const ports = new Set<number>();
    for (const [i, v] of summary.validators.entries()) {
      const dir = join(out, `v${i}`);
      const tls = readNodeDir(dir);
      expect(readNodeIdentity(tls.cert)).toMatchObject({ plmn: v.plmn, role: 'validator' });
      expect(await verifyNodeCertificate(tls.cert, caPem)).toMatchObject({ plmn: v.plmn });
      expect(statSync(join(dir, 'node.key.pem')).mode & 0o777).toBe(0o600);

      expect(statSync(join(dir, 'bls.key.json')).mode & 0o777).toBe(0o600);
      const bls = readBlsKeyFile(join(dir, 'bls.key.json'));
      expect(bls.plmn).toBe(v.plmn);
      expect(toHex(set.byIndex(set.indexOf(v.plmn)!).publicKey)).toBe(toHex(bls.publicKey));

      expect(statSync(join(dir, 'batch.key.json')).mode & 0o777).toBe(0o600);
      const key = readKeyFile(join(dir, 'batch.key.json'));
      expect(key.batchKey).toBe(toHex(genesis.operators.find((o) => o.plmn === v.plmn)!.batchKey));
      expect(key.consortiumSalt).toMatch(/^[0-9a-f]{64}$/);

      const p = JSON.parse(readFileSync(join(dir, 'ports.json'), 'utf8')) as { ingest: number; p2p: number };
      expect(p).toMatchObject(v.ports);
      ports.add(p.ingest).add(p.p2p);
    }
    expect([...ports].sort()).toEqual([9100, 9101, 9102, 9103, 9104, 9105, 9106, 9107]);

    // The settlement bank: fresh keys in settlement-bank.key.json (0600), their public halves in the genesis.
    expect(statSync(join(out, 'settlement-bank.key.json')).mode & 0o777).toBe(0o600);
    const bank = readBankKeyFile(join(out, 'settlement-bank.key.json'));
    expect(genesis.settlement?.bank).toMatchObject({ id: bank.id });
    expect(toHex(genesis.settlement!.bank!.encryptionKey)).toBe(toHex(bank.encryptionPublicKey));
    expect(toHex(genesis.settlement!.bank!.requestKey)).toBe(toHex(bank.requestPublicKey));
    expect(genesis.operators.some((o) => o.plmn === bank.id)).toBe(false);

    // Not over an existing devnet without --force; with it, a fresh one (new keys, new chain identity).
    const again = await cdrchain('devnet', 'init', '--validators', '2', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const forced = await cdrchain('devnet', 'init', '--validators', '2', '--out', out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(genesisValidatorSet(readGenesisFile(join(out, 'genesis.json')))?.size).toBe(2);
  });

  it('exits 2 for a validator count outside 1..16 and for a non-empty directory', async () => {
    for (const n of ['0', '17', 'x']) {
      const r = await cdrchain('devnet', 'init', '--validators', n, '--out', join(tmp, `n${n}`));
      expect(r.code, n).toBe(2);
      expect(r.stderr).toContain('--validators');
    }
    const busy = join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'something'), 'x');
    const r = await cdrchain('devnet', 'init', '--validators', '1', '--out', busy);
    expect(r.code).toBe(2);
    expect(readFileSync(join(busy, 'something'), 'utf8')).toBe('x');
  });

  it('16 validators: distinct operators, a genesis that loads', async () => {
    const out = join(tmp, 'sixteen');
    const r = await cdrchain('devnet', 'init', '--validators', '16', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const set = genesisValidatorSet(readGenesisFile(join(out, 'genesis.json')))!;
    expect(set.size).toBe(16);
    expect(set.quorum).toBe(11);
  });
});
