import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { callViews } from '../../reconciliation/views-by-event.js';
import { pairGrossAmounts, pairStatement, settledTraffic, transferOpening } from '../../settlement/bilateral/index.js';
import { buildOperatorStatement, type OperatorStatement } from '../../settlement/statement/operator-statement.js';
import { statementToCsv } from '../../settlement/statement/statement-csv.js';
import { statementToHtml } from '../../settlement/statement/statement-html.js';
import { statementToJson } from '../../settlement/statement/statement-json.js';
import { readCdrFiles } from '../cdr-files.js';
import { CliError, EXIT, parsePlmnOption } from '../errors.js';
import { operatorIdentity, periodInputs } from '../settlement-inputs.js';
import { tolerancesFrom, withToleranceOptions } from '../tolerance-options.js';

const FORMATS = ['json', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

interface StatementOptions {
  mine: string[];
  theirs: string[];
  url: string;
  operator?: number;
  key?: string;
  toleranceDuration: string;
  toleranceCharge: string;
  toleranceVolume: string;
  format: string;
  out?: string;
}

/**
 * cdrchain statement PERIOD: the operator's own settlement statement, built on its side: its settled
 * traffic with every partner (from its records and the partners', as `bilateral` computes it),
 * converted at the period's rates on chain, the bilateral amounts (opened with the pairs' agreement
 * secrets), its net position and transfer (the opening of the netting's N_k), fees. Nothing secret
 * is sent to the node; the node supplies public data only (rules, rates, the settlement's status).
 */
export function registerStatement(program: Command): void {
  const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
  const command = program
    .command('statement')
    .description('your settlement statement for a period (JSON, CSV or an HTML invoice), built from your records and the public rates on chain')
    .argument('<period>', "a settlement period id of the consortium's rule, e.g. 2026-11")
    .requiredOption('--mine <file>', 'your CDRs of the period, all partners (CSV, JSON or NDJSON); repeatable', collect)
    .requiredOption('--theirs <file>', "your partners' CDRs of the same calls; repeatable", collect)
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--operator <plmn>', 'you, with the devnet keys and secrets (INSECURE)', parsePlmnOption)
    .option('--key <file>', 'your key file (batch key, agreement secrets with every partner)');
  withToleranceOptions(command)
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'json')
    .option('--out <file>', 'write the statement here instead of stdout')
    .addHelpText('after', `
Every partner of the consortium counts: a partner without settled traffic contributes a zero line,
so the transfer is exactly what the netting computes from the recorded pair statements.
Exit codes: 0 done; 2 bad arguments or files; 3 the period is not ready (not ended, no rate set);
4 the node could not be reached.`)
    .action(async (period: string, o: StatementOptions) => {
      if (!(FORMATS as readonly string[]).includes(o.format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}, got "${o.format}"`, EXIT.usage);
      const id = operatorIdentity(o, 'statement');
      const tolerances = tolerancesFrom(o);
      const inputs = await periodInputs(o.url, period, id.me, id.keyFile);
      const traffic = settledTraffic(id.me, callViews(await readCdrFiles(o.mine, 'statement'), await readCdrFiles(o.theirs, 'statement')), tolerances, inputs.window);
      const partners = inputs.consortium.filter((p) => p !== id.me);
      const unknown = traffic.lines.find((l) => !partners.includes(l.partner));
      if (unknown) throw new CliError(`your records bill operator ${unknown.partner}, which is not in the consortium`, EXIT.usage);
      // Per partner, what this operator receives (> 0) or pays on the pair; plain mode needs no blinding, so no agreement secret.
      let bilateral: { partner: number; amount: bigint }[];
      let net: bigint;
      if (inputs.view.mode === 'plain') {
        bilateral = partners.map((partner) => {
          const g = pairGrossAmounts(traffic.lines, partner, inputs.rates, inputs.conversionFeeRate);
          return { partner, amount: g.secondOwesFirst - g.firstOwesSecond };
        });
        net = bilateral.reduce((acc, b) => acc + b.amount, 0n);
      } else {
        const pairs = partners.map((partner) => pairStatement({
          chain: inputs.chain, periodId: inputs.view.period, operator: id.me, partner, lines: traffic.lines,
          rates: inputs.rates, conversionFeeRate: inputs.conversionFeeRate, pairSecret: id.pairSecret(partner),
        }));
        bilateral = pairs.map((p, i) => ({ partner: partners[i]!, amount: p.amount }));
        net = transferOpening(id.me, pairs).net;
      }
      const statement = buildOperatorStatement({
        chain: inputs.rates.chain, periodId: inputs.view.period, operator: id.me, rates: inputs.rates, conversionFeeRate: inputs.conversionFeeRate,
        lines: traffic.lines,
        bilateral,
        transfer: net,
        clearingFee: 0n,
        settlement: { status: 'not_proposed' },
      });
      const text = render(statement, o.format as Format);
      if (o.out) {
        writeFileSync(o.out, text);
        process.stderr.write(`statement: ${statement.lines.length} lines with ${statement.partners.length} partners, net ${statement.netPosition} minor units of ${statement.currency}, written to ${o.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}

function render(s: OperatorStatement, format: Format): string {
  if (format === 'csv') return statementToCsv(s);
  if (format === 'html') return statementToHtml(s);
  return `${JSON.stringify(statementToJson(s), null, 2)}\n`;
}
