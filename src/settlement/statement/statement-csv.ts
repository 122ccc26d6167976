// The statement as CSV (RFC 4180): one row per partner and service, then the totals, amounts as
// exact decimals in major units. Spreadsheet formula injection is defused: a cell never starts with
// = + - @ unless it is a number.

import { formatMinorUnits } from '../../cdr/currency.js';
import { formatRational } from '../fx/rational.js';
import type { OperatorStatement } from './operator-statement.js';

const NUMBER = /^-?\d+(\.\d+)?$/;

/** One CSV field: quoted when it must be, and never a formula. */
export function csvCell(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function statementToCsv(s: OperatorStatement): string {
  const m = (minor: bigint): string => formatMinorUnits(minor, s.currency);
  const rows: (string | number)[][] = [
    ['record', 'partner', 'service', 'currency', 'receivable', 'payable', 'rate', `receivable_${s.currency}`, `payable_${s.currency}`, `conversion_fee_${s.currency}`, `net_${s.currency}`],
  ];
  for (const l of s.lines) {
    rows.push([
      'line',
      l.partner,
      l.service,
      l.currency,
      formatMinorUnits(l.receivable, l.currency),
      formatMinorUnits(l.payable, l.currency),
      formatRational(l.receivableConverted.rate),
      m(l.receivableConverted.gross),
      m(l.payableConverted.gross),
      m(l.receivableConverted.fee),
      m(l.net),
    ]);
  }
  for (const p of s.partners) rows.push(['partner_total', p.partner, '', s.currency, '', '', '', m(p.receivable), m(p.payable), '', m(p.net)]);
  const total = (name: string, v: bigint): (string | number)[] => ['total', '', name, s.currency, '', '', '', '', '', '', m(v)];
  rows.push(total('net_position', s.netPosition), total('transfer', s.transfer), total('conversion_fees', -s.conversionFees), total('clearing_fee', -s.clearingFee), total('amount_after_fees', s.amountAfterFees), total('fee_share_received', s.feeShare));
  // Never a settled-looking file when the chain's transfer is not the operator's: say so in the data.
  rows.push(['settlement', '', s.settlement.status, s.currency, '', '', '', '', '', '', s.settlement.proposalId ?? '']);
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
