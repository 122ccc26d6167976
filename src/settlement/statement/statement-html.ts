// The statement as a self-contained, printable HTML document in the style of an invoice: no script,
// no external resource, every value escaped, tables with captions and header scopes so a screen
// reader can follow them, and contrast that holds in print and on screen.

import { formatMinorUnits } from '../../cdr/currency.js';
import { formatRational } from '../fx/rational.js';
import type { OperatorStatement } from './operator-statement.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v: string | number): string => String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;color:#111;background:#fff;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin:0 0 .25rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
caption{text-align:left;font-weight:600;padding:.25rem 0}th,td{border-bottom:1px solid #bbb;padding:.3rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tfoot th,tfoot td{border-top:2px solid #111;font-weight:600}
.meta{color:#333}.status{display:inline-block;padding:.1rem .5rem;border:1px solid #111;border-radius:.25rem}
.alert{border:2px solid #a00;color:#700;padding:.5rem .75rem;background:#fff5f5}`;

export function statementToHtml(s: OperatorStatement): string {
  const m = (minor: bigint): string => esc(formatMinorUnits(minor, s.currency));
  const st = s.settlement;
  const status = st.status === 'final' ? `final at height ${st.height ?? '?'}`
    : st.status === 'not_proposed' ? 'not proposed yet (draft)'
      : st.status === 'transfer_mismatch' ? 'NOT SETTLED: your transfer does not open the chain\'s T_k'
        : st.status === 'proposed' ? 'proposed, awaiting approval' : st.status;
  const check = st.transferOpens === true ? ' · your transfer opens the proposal\'s T_k' : '';
  const alert = st.status === 'transfer_mismatch'
    ? `<p class="alert" role="alert"><strong>Transfer mismatch.</strong> ${esc(st.detail ?? 'the proposal on chain holds another transfer commitment for this operator')}. The figures below are this operator's own; they are not what the chain settles.</p>\n`
    : '';
  const proposal = s.settlement.proposalId === undefined ? '' : ` · proposal ${esc(s.settlement.proposalId.slice(0, 16))}…`;
  const lineRows = s.lines
    .map(
      (l) =>
        `<tr><td>${esc(l.partner)}</td><td>${esc(l.service)}</td><td class="n">${esc(formatMinorUnits(l.receivable, l.currency))} ${esc(l.currency)}</td>` +
        `<td class="n">${esc(formatMinorUnits(l.payable, l.currency))} ${esc(l.currency)}</td><td class="n">${m(l.receivableConverted.gross)}</td>` +
        `<td class="n">${m(l.payableConverted.gross)}</td><td class="n">${m(l.receivableConverted.fee)}</td><td class="n">${m(l.net)}</td></tr>`,
    )
    .join('\n');
  const partnerRows = s.partners.map((p) => `<tr><th scope="row">${esc(p.partner)}</th><td class="n">${m(p.receivable)}</td><td class="n">${m(p.payable)}</td><td class="n">${m(p.net)}</td></tr>`).join('\n');
  const rateRows = s.rates.map((r) => `<tr><th scope="row">${esc(r.currency)}</th><td class="n">${esc(formatRational(r.rate))}</td><td class="n">${esc(r.rate.num.toString())}/${esc(r.rate.den.toString())}</td></tr>`).join('\n');
  const cur = esc(s.currency);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Settlement statement ${esc(s.periodId)}, operator ${esc(s.operator)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Settlement statement</h1>
<p class="meta">Operator <strong>${esc(s.operator)}</strong> · period <strong>${esc(s.periodId)}</strong> · settlement currency ${cur} · chain ${esc(s.chain.slice(0, 16))}…<br>
Settlement <span class="status">${esc(status)}</span>${proposal}${esc(check)}</p>
${alert}
<table><caption>Traffic by partner and service</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Service</th><th scope="col" class="n">Receivable</th><th scope="col" class="n">Payable</th><th scope="col" class="n">Receivable ${cur}</th><th scope="col" class="n">Payable ${cur}</th><th scope="col" class="n">Conversion fee ${cur}</th><th scope="col" class="n">Net ${cur}</th></tr></thead>
<tbody>
${lineRows}
</tbody></table>
<table><caption>By partner (${cur})</caption>
<thead><tr><th scope="col">Partner</th><th scope="col" class="n">Receivable</th><th scope="col" class="n">Payable</th><th scope="col" class="n">Net</th></tr></thead>
<tbody>
${partnerRows}
</tbody></table>
<table><caption>Exchange rates used (${cur} per unit)</caption>
<thead><tr><th scope="col">Currency</th><th scope="col" class="n">Rate</th><th scope="col" class="n">Exact</th></tr></thead>
<tbody>
${rateRows}
</tbody></table>
<table><caption>Summary (${cur})</caption><tbody>
<tr><th scope="row">Net position</th><td class="n">${m(s.netPosition)}</td></tr>
<tr><th scope="row">Settlement transfer (receive +, pay −)</th><td class="n">${m(s.transfer)}</td></tr>
<tr><th scope="row">Conversion fees</th><td class="n">${m(-s.conversionFees)}</td></tr>
<tr><th scope="row">Clearing fee</th><td class="n">${m(-s.clearingFee)}</td></tr>
</tbody><tfoot><tr><th scope="row">Amount after fees</th><td class="n">${m(s.amountAfterFees)}</td></tr></tfoot></table>
<p class="meta">Clearing fee share received as block producer and validator (recorded on chain, paid outside the transfer): ${m(s.feeShare)} ${cur}</p>
</main></body></html>
`;
}
