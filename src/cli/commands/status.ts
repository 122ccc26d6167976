import type { Command } from 'commander';
import { readKeyFile } from '../../client/key-file.js';
import { NodeApiClient, NodeApiError, NodeUnreachableError } from '../../client/node-api-client.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';
import { requestSigner } from '../request-signing.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("print a node's status (with --key or --operator, signed, and with that operator's own sequences)")
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--key <file>', 'operator key file: sign the calls as its operator and add its sequences (GET /operators/:plmn, readable by that operator only)')
    .option('--operator <plmn>', 'the same with the devnet keys of this operator (INSECURE, well-known)', parsePlmnOption)
    .action(async (o: { url: string; key?: string; operator?: number }) => {
      const keyFile = o.key ? readKeyFile(o.key) : undefined;
      const plmn = keyFile?.plmn ?? o.operator;
      const api = new NodeApiClient(o.url, plmn !== undefined ? { signer: requestSigner(keyFile, plmn) } : {});
      const fail = (err: unknown): never => {
        if (err instanceof NodeUnreachableError) {
          const why = err.cause instanceof Error ? err.cause.message : String(err.cause);
          throw new CliError(`cannot reach ${o.url}: ${why}`, EXIT.connection);
        }
        if (err instanceof NodeApiError && (err.status === 401 || err.status === 403)) throw new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
        throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
      };
      const status = await api.status().catch(fail);
      const operator = plmn !== undefined ? await api.operator(plmn).catch(fail) : undefined;
      process.stdout.write(`${JSON.stringify(operator ? { ...status, operator } : status, null, 2)}\n`);
    });
}
