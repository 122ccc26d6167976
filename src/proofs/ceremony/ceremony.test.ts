import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groth16 } from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdrchain } from '../../test-helpers/processes.js';
import { releaseProofCurve } from '../curve.js';
import { BUILD_TIMEOUT_MS, builtTestCircuits, circuitsDir } from '../test-helpers/built-circuits.js';

/**
 * `cdrchain ceremony` end to end, as operators would run it: init, two contributions, a public beacon,
 * verify (every contribution listed by the hash its contributor published), and a proof made with the
 * resulting key that verifies under the exported verification key. The circuit is the small test
 * circuit of the build (circuits/test/poseidon-vectors.circom, 1,281 constraints) so each step takes
 * seconds; the batch circuit goes through the same code (`--records N` picks its R1CS).
 */
describe('cdrchain ceremony', () => {
  let root: string;
  let dir: string;
  const r1cs = () => join(circuitsDir(), 'poseidon_vectors', 'poseidon-vectors.r1cs');
  // The build's powers of tau, sized for its largest circuit (2^13 since the chunk circuit's charge commitment).
  const ptau = () => join(circuitsDir(), (JSON.parse(readFileSync(join(circuitsDir(), 'manifest.json'), 'utf8')) as { ptau: { file: string } }).ptau.file);
  const json = <T>(s: string) => JSON.parse(s) as T;

  beforeAll(async () => {
    await builtTestCircuits();
    root = mkdtempSync(join(tmpdir(), 'cdrchain-ceremony-'));
    dir = join(root, 'ceremony');
  }, BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await releaseProofCurve();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('init, two contributions and a beacon give a key whose transcript verifies, listing each published hash, and whose proofs verify', async () => {
    const init = await cdrchain('ceremony', 'init', dir, '--r1cs', r1cs(), '--ptau', ptau(), '--circuit', 'poseidon vectors (test)');
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const published: { name: string; hash: string }[] = [];
    for (const name of ['operator 26201', 'operator 23415']) {
      const c = await cdrchain('ceremony', 'contribute', dir, '--name', name);
      expect(c.code, c.stderr).toBe(0);
      const out = json<{ index: number; name: string; hash: string }>(c.stdout);
      expect(out.hash).toMatch(/^[0-9a-f]{128}$/);
      published.push({ name, hash: out.hash });
    }
    const b = await cdrchain('ceremony', 'beacon', dir, '--beacon', 'ab'.repeat(32));
    expect(b.code, b.stderr).toBe(0);
    published.push({ name: 'final beacon', hash: json<{ hash: string }>(b.stdout).hash });
    // Two contributions from the same state differ: each draws its own randomness.
    expect(new Set(published.map((p) => p.hash)).size).toBe(3);

    const vkeyFile = join(root, 'verification_key.json');
    const v = await cdrchain('ceremony', 'verify', dir, '--export-vkey', vkeyFile);
    expect(v.code, v.stderr).toBe(0);
    const report = json<{ valid: boolean; contributions: { index: number; name: string; hash: string; beacon?: string }[] }>(v.stdout);
    expect(report.valid).toBe(true);
    expect(report.contributions.map((c) => ({ name: c.name, hash: c.hash }))).toEqual(published);
    expect(report.contributions[2]!.beacon).toBe('ab'.repeat(32));

    // The ceremony's key proves, and its exported verification key accepts the proof (and not a changed signal).
    const wasm = join(circuitsDir(), 'poseidon_vectors', 'poseidon-vectors_js', 'poseidon-vectors.wasm');
    const input = { two: ['1', '2'], five: ['1', '2', '3', '4', '5'], leaves: ['7', '8', '9', '10'] };
    const { proof, publicSignals } = await groth16.fullProve(input, wasm, join(dir, '0003.zkey'));
    const vkey = JSON.parse(readFileSync(vkeyFile, 'utf8')) as unknown;
    expect(await groth16.verify(vkey, publicSignals, proof)).toBe(true);
    const changed = [...publicSignals];
    changed[0] = (BigInt(changed[0]!) + 1n).toString();
    expect(await groth16.verify(vkey, changed, proof)).toBe(false);
  });

  it('a tampered key or a transcript that drops a contribution does not verify (exit 3); bad arguments exit 2', async () => {
    expect(existsSync(join(dir, '0003.zkey'))).toBe(true);
    // A byte of the last key's proving-key sections changed.
    const tampered = join(root, 'tampered');
    cpSync(dir, tampered, { recursive: true });
    const key = readFileSync(join(tampered, '0003.zkey'));
    key[Math.floor(key.length * 0.8)]! ^= 0x5a;
    writeFileSync(join(tampered, '0003.zkey'), key);
    const t = await cdrchain('ceremony', 'verify', tampered);
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(/does not verify/);

    // The record says three steps, but the last key was swapped for the one before the beacon.
    const dropped = join(root, 'dropped');
    cpSync(dir, dropped, { recursive: true });
    cpSync(join(dropped, '0002.zkey'), join(dropped, '0003.zkey'));
    const d = await cdrchain('ceremony', 'verify', dropped);
    expect(d.code).toBe(3);

    const notACeremony = await cdrchain('ceremony', 'verify', root);
    expect(notACeremony.code).toBe(2);
    expect(notACeremony.stderr).toMatch(/not a ceremony directory/);
    expect((await cdrchain('ceremony', 'init', dir, '--r1cs', r1cs(), '--ptau', ptau())).code).toBe(2); // not empty
    expect((await cdrchain('ceremony', 'init', join(root, 'x'), '--r1cs', r1cs())).code).toBe(2); // --ptau missing
    expect((await cdrchain('ceremony', 'beacon', dir, '--beacon', 'xyz')).code).toBe(2);
    expect((await cdrchain('ceremony', 'contribute', dir, '--name', '')).code).toBe(2);
  });
});
