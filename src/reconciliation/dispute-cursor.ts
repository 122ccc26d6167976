import { fromHex, toHex } from '../codec/bytes.js';
import { ReconciliationInputError } from './errors.js';
import { DISPUTE_CLASSES, type DisputeClass, type DisputeCursor } from './reconciliation-store.js';

const CURSOR = new RegExp(`^(${DISPUTE_CLASSES.join('|')}):([0-9a-f]{64})$`);

/** A dispute cursor as text, for a query string: `<class>:<event hash, 64 hex digits>`. */
export function formatDisputeCursor(c: DisputeCursor): string {
  return `${c.class}:${toHex(c.eventHash)}`;
}

/** The inverse of `formatDisputeCursor`; anything else is a ReconciliationInputError. */
export function parseDisputeCursor(text: string): DisputeCursor {
  const m = CURSOR.exec(text);
  if (!m) throw new ReconciliationInputError('after', `a disputes cursor is <${DISPUTE_CLASSES.join('|')}>:<64 lowercase hex digits> (a page's "next"), got ${JSON.stringify(text.slice(0, 80))}`);
  return { class: m[1] as DisputeClass, eventHash: fromHex(m[2]!, 32) };
}
