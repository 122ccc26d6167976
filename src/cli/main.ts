#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../node/node.js';
import { registerAsm, registerDisasm } from './commands/asm.js';
import { registerBilateral } from './commands/bilateral.js';
import { registerCa } from './commands/ca.js';
import { registerCeremony } from './commands/ceremony.js';
import { registerDevnet } from './commands/devnet.js';
import { registerGenerate } from './commands/generate.js';
import { registerGenesis } from './commands/genesis.js';
import { registerKeys } from './commands/keys.js';
import { registerNode } from './commands/node.js';
import { registerOpen } from './commands/open.js';
import { registerProve } from './commands/prove.js';
import { registerPrune } from './commands/prune.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerSettlement } from './commands/settlement.js';
import { registerSettle } from './commands/settle.js';
import { registerStatement } from './commands/statement.js';
import { registerBankOpen } from './commands/bank-open.js';
import { registerConfig } from './commands/config.js';
import { registerStatus } from './commands/status.js';
import { registerSubmit } from './commands/submit.js';
import { CliError, EXIT } from './errors.js';

const program = new Command()
  .name('cdrchain')
  .description('cdrchain: a permissioned ledger on which telecom operators reconcile CDRs and settle')
  .version(packageVersion())
  .exitOverride();

registerNode(program);
registerKeys(program);
registerCa(program);
registerGenesis(program);
registerDevnet(program);
registerGenerate(program);
registerSubmit(program);
registerProve(program);
registerOpen(program);
registerStatus(program);
registerReconcile(program);
registerSettlement(program);
registerSettle(program);
registerBilateral(program);
registerStatement(program);
registerBankOpen(program);
registerConfig(program);
registerPrune(program);
registerAsm(program);
registerDisasm(program);
registerCeremony(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof CliError) {
    process.stderr.write(`cdrchain: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`cdrchain: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
