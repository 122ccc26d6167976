// The statement as JSON: amounts as decimal strings in major units (exact, never floats) beside
// their integer minor units as strings, rates as num/den and as a decimal for reading.

import { formatMinorUnits } from '../../cdr/currency.js';
import { formatRational } from '../fx/rational.js';
import type { OperatorStatement } from './operator-statement.js';

export function statementToJson(s: OperatorStatement): Record<string, unknown> {
  const money = (minor: bigint): { minor: string; major: string } => ({ minor: minor.toString(), major: formatMinorUnits(minor, s.currency) });
  return {
    type: 'operator_statement',
    version: 1,
    chain: s.chain,
    period: s.periodId,
    operator: s.operator,
    currency: s.currency,
    settlement: s.settlement,
    rates: s.rates.map((r) => ({ currency: r.currency, num: r.rate.num.toString(), den: r.rate.den.toString(), decimal: formatRational(r.rate) })),
    lines: s.lines.map((l) => ({
      partner: l.partner,
      service: l.service,
      currency: l.currency,
      receivable: { minor: l.receivable.toString(), major: formatMinorUnits(l.receivable, l.currency) },
      payable: { minor: l.payable.toString(), major: formatMinorUnits(l.payable, l.currency) },
      receivableConverted: money(l.receivableConverted.gross),
      payableConverted: money(l.payableConverted.gross),
      conversionFee: money(l.receivableConverted.fee),
      net: money(l.net),
    })),
    partners: s.partners.map((p) => ({ partner: p.partner, receivable: money(p.receivable), payable: money(p.payable), net: money(p.net) })),
    netPosition: money(s.netPosition),
    transfer: money(s.transfer),
    conversionFees: money(s.conversionFees),
    clearingFee: money(s.clearingFee),
    amountAfterFees: money(s.amountAfterFees),
    feeShare: money(s.feeShare),
  };
}
