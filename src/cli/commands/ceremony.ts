import type { Command } from 'commander';
import { chunkSetupInputs } from '../../proofs/artifacts.js';
import { beacon, contribute, exportVerificationKey, initCeremony, verifyCeremony } from '../../proofs/ceremony/ceremony.js';
import { CeremonyError } from '../../proofs/ceremony/ceremony-errors.js';
import { releaseProofCurve } from '../../proofs/curve.js';
import { CircuitArtifactsError } from '../../proofs/errors.js';
import { writeFileSync } from 'node:fs';
import { CliError, EXIT, parseIntOption } from '../errors.js';

/** Runs a ceremony step, releases snarkjs' curve threads (they keep the process alive) and maps typed errors to exit codes. */
async function step<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CeremonyError) throw new CliError(err.message, err.reason === 'invalid' ? EXIT.rejected : EXIT.usage);
    if (err instanceof CircuitArtifactsError) throw new CliError(err.message, EXIT.usage);
    throw err;
  } finally {
    await releaseProofCurve();
  }
}

function print(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

export function registerCeremony(program: Command): void {
  const ceremony = program
    .command('ceremony')
    .description('a Groth16 phase-2 ceremony for a batch-proof circuit: each operator contributes in turn, anyone verifies (docs/proofs.md §4)');

  ceremony
    .command('init <dir>')
    .description("start a ceremony in an empty directory from the circuit's R1CS and the phase-1 powers of tau")
    .option('--records <n>', 'the chunk circuit of this many records (from `npm run build:circuits`)', parseIntOption('records', 1, 65_536), 4)
    .option('--r1cs <file>', 'another circuit: its R1CS (with --ptau)')
    .option('--ptau <file>', 'phase-1 powers of tau, prepared for phase 2 (e.g. a public ceremony\'s final ptau)')
    .option('--circuit <label>', 'what the key is for, recorded in ceremony.json')
    .action(async (dir: string, o: { records: number; r1cs?: string; ptau?: string; circuit?: string }) => {
      if ((o.r1cs === undefined) !== (o.ptau === undefined)) throw new CliError('--r1cs and --ptau go together', EXIT.usage);
      const m = await step(async () => {
        const inputs = o.r1cs !== undefined && o.ptau !== undefined ? { r1cs: o.r1cs, ptau: o.ptau, circuit: o.circuit ?? o.r1cs } : chunkSetupInputs(o.records);
        return initCeremony({ dir, ...inputs, circuit: o.circuit ?? inputs.circuit });
      });
      print({ dir, circuit: m.circuit, r1cs: m.r1cs, ptau: m.ptau, next: `cdrchain ceremony contribute ${dir} --name "<operator>"` });
    });

  ceremony
    .command('contribute <dir>')
    .description('add your contribution (fresh randomness from the OS, never stored) and print the hash to publish')
    .requiredOption('--name <name>', 'who contributes, as the transcript will list it (e.g. "operator 26201")')
    .action(async (dir: string, o: { name: string }) => {
      const s = await step(() => contribute(dir, o.name));
      print({ index: s.index, name: s.name, hash: s.hash, file: s.file });
      process.stderr.write(`cdrchain ceremony: contribution #${s.index} by "${s.name}" written to ${s.file}; publish its hash, then pass the directory on\n`);
    });

  ceremony
    .command('beacon <dir>')
    .description('close the ceremony with public randomness nobody knew in advance (e.g. a future block hash)')
    .requiredOption('--beacon <hex>', 'the public randomness, 16..64 bytes in hex')
    .option('--iterations <exp>', 'hash the beacon 2^exp times', parseIntOption('iterations', 10, 63), 10)
    .action(async (dir: string, o: { beacon: string; iterations: number }) => {
      const s = await step(() => beacon(dir, o.beacon, o.iterations));
      print({ index: s.index, name: s.name, hash: s.hash, file: s.file });
    });

  ceremony
    .command('verify <dir>')
    .description('check the whole transcript against the R1CS and the powers of tau and list every contribution (exit 3 if it does not verify)')
    .option('--export-vkey <file>', 'when it verifies, write the verification key (what the ledger registers) here')
    .action(async (dir: string, o: { exportVkey?: string }) => {
      const v = await step(async () => {
        const r = await verifyCeremony(dir);
        if (r.valid && o.exportVkey !== undefined) writeFileSync(o.exportVkey, `${JSON.stringify(await exportVerificationKey(dir), null, 1)}\n`);
        return r;
      });
      print({ valid: v.valid, zkey: v.zkey, circuitHash: v.circuitHash, contributions: v.contributions });
      if (!v.valid) throw new CliError(`the transcript does not verify: ${v.log.filter((l) => /invalid|error|not/i.test(l)).join('; ') || 'see above'}`, EXIT.rejected);
    });
}
