import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { toHex } from '../../codec/bytes.js';
import { blsKeyPairFromSeed } from '../../crypto/bls/bls.js';
import { blsPopProve } from '../../crypto/bls/pop.js';
import { writeBlsKeyFile } from '../../crypto/bls/key-file.js';
import type { Command } from 'commander';
import { DEVNET_OPERATORS } from '../../chain/genesis.js';
import { createKeyFile, devnetKeyFile, writeKeyFile } from '../../client/key-file.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('operator keys');
  keys
    .command('create')
    .description('create an operator batch-signing key (Ed25519); add the consortium salt and agreement secrets to the file before submitting')
    .requiredOption('--plmn <id>', 'the operator PLMN id, e.g. 26201', parsePlmnOption)
    .requiredOption('--out <file>', 'key file to write (mode 0600)')
    .option('--force', 'overwrite an existing file')
    .action((o: { plmn: number; out: string; force?: boolean }) => {
      if (existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists; pass --force to overwrite`, EXIT.usage);
      const key = createKeyFile(o.plmn);
      writeKeyFile(o.out, key);
      process.stdout.write(`${JSON.stringify({ plmn: key.plmn, batchKey: key.batchKey, file: o.out })}\n`);
    });
  keys
    .command('bls')
    .description("create a BLS settlement key for an operator that does not validate (bls.key.json); prints the genesis operator entry's settlementKey and settlementPop")
    .requiredOption('--plmn <id>', 'the operator PLMN id', parsePlmnOption)
    .requiredOption('--out <file>', 'key file to write (mode 0600)')
    .option('--force', 'overwrite an existing file')
    .action((o: { plmn: number; out: string; force?: boolean }) => {
      if (existsSync(o.out) && !o.force) throw new CliError(`${o.out} exists; pass --force to overwrite`, EXIT.usage);
      const { secretKey, publicKey } = blsKeyPairFromSeed(randomBytes(32));
      writeBlsKeyFile(o.out, { plmn: o.plmn, blsSecretKey: toHex(secretKey), blsPublicKey: toHex(publicKey) });
      process.stdout.write(`${JSON.stringify({ plmn: o.plmn, settlementKey: toHex(publicKey), settlementPop: toHex(blsPopProve(secretKey)), file: o.out })}\n`);
    });
  keys
    .command('devnet')
    .description('write the well-known INSECURE devnet key file of an operator')
    .requiredOption('--plmn <id>', 'a devnet operator PLMN id', parsePlmnOption)
    .requiredOption('--out <file>', 'key file to write')
    .action((o: { plmn: number; out: string }) => {
      const plmns = DEVNET_OPERATORS.map((d) => d.plmn);
      if (!plmns.includes(o.plmn)) throw new CliError(`${o.plmn} is not a devnet operator (${plmns.join(', ')})`, EXIT.usage);
      writeKeyFile(o.out, devnetKeyFile(o.plmn, plmns));
      process.stdout.write(`${o.out}\n`);
    });
}
