import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { devnetGenesis, genesisFromJson, genesisToJson, type GenesisJson } from '../../chain/genesis.js';
import { readKeyFile } from '../../client/key-file.js';
import { CliError, EXIT } from '../errors.js';

export function registerGenesis(program: Command): void {
  program
    .command('genesis')
    .description('write a genesis file: the devnet one, or one from operators\' key files (NAME=FILE)')
    .option('--chain-id <id>', 'chain id', 'cdrchain')
    .option('--operator <name=keyfile...>', 'an operator and its key file (public part used)')
    .option('--out <file>', 'write here instead of stdout')
    .action((o: { chainId: string; operator?: string[]; out?: string }) => {
      let json: GenesisJson;
      if (!o.operator?.length) {
        json = genesisToJson(devnetGenesis());
      } else {
        json = {
          chainId: o.chainId,
          timestampMs: String(Date.now()),
          operators: o.operator.map((spec) => {
            const [name, file] = spec.split('=');
            if (!name || !file) throw new CliError(`--operator takes NAME=KEYFILE, got "${spec}"`, EXIT.usage);
            const k = readKeyFile(file);
            return { plmn: k.plmn, name, batchKey: k.batchKey };
          }),
        };
        genesisFromJson(json); // validate before writing
      }
      const text = `${JSON.stringify(json, null, 2)}\n`;
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
