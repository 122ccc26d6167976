import type { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("print a node's status")
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .action(async (o: { url: string }) => {
      let res: Response;
      try {
        res = await fetch(`${o.url.replace(/\/$/, '')}/status`);
      } catch (err) {
        throw new CliError(`cannot reach ${o.url}: ${err instanceof Error ? err.message : String(err)}`, EXIT.connection);
      }
      process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
    });
}
