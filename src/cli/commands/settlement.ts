import type { Command } from 'commander';
import { NodeApiClient, NodeApiError, NodeUnreachableError, type SettlementPeriod } from '../../client/node-api-client.js';
import { CliError, EXIT } from '../errors.js';

/**
 * cdrchain settlement PERIOD: a settlement period at the node's committed head (GET
 * /settlement/{period}): its dates, whether it has ended and closed, how many pairs hold a bilateral
 * statement, its rate set, whether it is netted. Public counts only.
 */
export function registerSettlement(program: Command): void {
  program
    .command('settlement')
    .description("a settlement period at the node's head: dates, ended/closed, pairs with a statement, rate set, netted (public counts)")
    .argument('<period>', "a period id of the consortium's rule, e.g. 2026-11")
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--json', 'print the JSON document instead of text')
    .addHelpText('after', '\nExit codes: 0 done; 2 a period id the consortium\'s rule does not name; 4 the node could not be reached.')
    .action(async (period: string, o: { url: string; json?: boolean }) => {
      const view = await new NodeApiClient(o.url).settlementPeriod(period).catch((err: unknown): never => {
        if (err instanceof NodeUnreachableError) {
          throw new CliError(`cannot reach ${o.url}: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`, EXIT.connection);
        }
        if (err instanceof NodeApiError && err.status === 400) throw new CliError(`${err.code}: ${err.message}`, EXIT.usage);
        throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        return;
      }
      const state = view.netted ? 'netted' : view.closed ? 'closed' : view.ended ? 'ended (in grace)' : 'open';
      process.stdout.write(
        `period ${view.period}: ${view.start} .. ${view.end}, closes ${view.closesAt}: ${state}\n` +
          `statements: ${view.statements} of ${view.pairs} pairs (${view.operators} operators, ${view.mode} mode); rate set: ${view.rateSet ? 'yes' : 'no'}\n` +
          `settlement: ${settlementLine(view.settlement)}\n` +
          transferLines(view.settlement),
      );
    });
}

/** Plain mode: the transfers in the clear, one a line (committed mode shows none: they are commitments). */
function transferLines(s: SettlementPeriod['settlement']): string {
  const transfers = s.status === 'proposed' ? s.proposal.plainTransfers : s.status === 'final' ? s.plainTransfers : undefined;
  return (transfers ?? []).map((t) => `  transfer: ${t.from} pays ${t.to} ${t.amount} minor units\n`).join('');
}

function settlementLine(s: SettlementPeriod['settlement']): string {
  switch (s.status) {
    case 'none':
      return 'not proposed';
    case 'proposed':
      return `proposed (attempt ${s.attempt}, ${s.id}), ${s.operators.signed}/${s.operators.involved} operators and voting power ${s.votingPower.signed}/${s.votingPower.total} signed, deadline height ${s.deadline}`;
    case 'final':
      return `final at height ${s.finalAt} (attempt ${s.attempt}, ${s.id}); clearing fee ${s.fees.fee}: producers ${s.fees.toProducers}, validators ${s.fees.toValidators}`;
    case 'expired':
      return `expired at height ${s.expiredAt} (attempt ${s.attempt}): propose again`;
  }
}
