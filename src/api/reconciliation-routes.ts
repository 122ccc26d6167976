import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { toHex } from '../codec/bytes.js';
import type { Logger } from '../log.js';
import { formatDisputeCursor, parseDisputeCursor } from '../reconciliation/dispute-cursor.js';
import { ReconciliationInputError } from '../reconciliation/errors.js';
import { formatOperatorPair, parseOperatorPair, type OperatorPair } from '../reconciliation/pair.js';
import { formatCalendarMonth, parseCalendarMonth, type CalendarMonth } from '../reconciliation/period.js';
import type { Dispute, PairPeriodCounts, RecordLocator } from '../reconciliation/reconciliation-store.js';
import { authRequestOf, CLOSED_API, type ApiAccess } from './audience.js';
import { callerOf, mayRead } from './auth/caller.js';
import { ENDPOINT_AUDIENCES } from './endpoint-audiences.js';
import { HttpError, responder, sendError, sendJson, type Responder } from './http.js';
import type { NodeReconciliation, NodeVerdicts, VerdictRecord } from './node-api.js';

export interface ReconciliationRoutesOptions {
  /** Absent: the node runs without the index; the routes answer 404 not_available. */
  readonly reconciliation: NodeReconciliation | undefined;
  /** The pair's signed verdicts (absent: none shown, the verdict route answers 404 not_available). */
  readonly verdicts?: NodeVerdicts | undefined;
  /** Absent: closed (pair endpoints answer 401). */
  readonly access: ApiAccess | undefined;
  readonly log: Logger;
}

export const DEFAULT_DISPUTES_PAGE = 100;
export const MAX_DISPUTES_PAGE = 1000;

/**
 * GET /reconciliation/:pair/:period — exact counts of a (pair, period) (public);
 * GET /reconciliation/:pair/:period/disputes?offset=|after=&limit= — its disputed events (the pair), by
 *   offset or after a cursor (the previous page's `next`: each page a seek, however deep);
 * GET /reconciliation/:pair/:period/verdict — the verdicts the pair signed, in full (the pair); the
 * counts route shows the latest one's counts to anyone.
 * `pair` is two PLMN ids in either order (`20801-23415`), `period` a calendar month (`2026-11`).
 * A pair or period nobody submitted for answers zero counts: counts are public, and "nothing yet"
 * is a count like any other.
 */
export function mountReconciliationRoutes(app: TemplatedApp, opts: ReconciliationRoutesOptions): void {
  const get = (pattern: string, handler: (r: Responder, req: HttpRequest) => void): void => {
    app.get(pattern, (res: HttpResponse, req: HttpRequest) => {
      const r = responder(res);
      try {
        handler(r, req);
      } catch (err) {
        if (err instanceof ReconciliationInputError) sendError(r, new HttpError(400, 'bad_parameter', err.message));
        else {
          if (!(err instanceof HttpError)) opts.log.error({ err, url: req.getUrl() }, 'reconciliation request failed');
          sendError(r, err);
        }
      }
    });
  };
  const index = (): NodeReconciliation => {
    if (!opts.reconciliation) throw new HttpError(404, 'not_available', 'this node runs without the reconciliation index');
    return opts.reconciliation;
  };
  const target = (req: HttpRequest): { pair: OperatorPair; period: CalendarMonth } => ({
    pair: parseOperatorPair(req.getParameter(0) ?? ''),
    period: parseCalendarMonth(req.getParameter(1) ?? ''),
  });

  get('/reconciliation/:pair/:period', (r, req) => {
    const { pair, period } = target(req);
    callerOf(opts.access ?? CLOSED_API, ENDPOINT_AUDIENCES['GET /reconciliation/{pair}/{period}'].audience, authRequestOf(req));
    const { indexedHeight, value } = index().counts(pair, period);
    const latest = opts.verdicts?.history(pair, period).at(-1);
    sendJson(r, 200, { ...head(pair, period, indexedHeight), ...countsJson(value), verdict: latest ? publicVerdictJson(latest) : null });
  });

  get('/reconciliation/:pair/:period/verdict', (r, req) => {
    const { pair, period } = target(req);
    // Tolerances, the resolutions digest and the signatures are the pair's; the public sees the counts above.
    const caller = callerOf(opts.access ?? CLOSED_API, ENDPOINT_AUDIENCES['GET /reconciliation/{pair}/{period}/verdict'].audience, authRequestOf(req));
    if (!caller.open && !mayRead(caller, [pair.a, pair.b])) throw new HttpError(403, 'forbidden', `operator ${caller.plmn} is not in this pair`);
    if (!opts.verdicts) throw new HttpError(404, 'not_available', 'this node does not serve verdicts');
    const history = opts.verdicts.history(pair, period);
    sendJson(r, 200, { pair: formatOperatorPair(pair), period: formatCalendarMonth(period), a: pair.a, b: pair.b, verdict: history.at(-1) ?? null, revisions: history.length });
  });

  get('/reconciliation/:pair/:period/disputes', (r, req) => {
    const { pair, period } = target(req);
    // Which events are disputed, and where each side's record is, is the pair's (src/api/endpoint-audiences.ts).
    const caller = callerOf(opts.access ?? CLOSED_API, ENDPOINT_AUDIENCES['GET /reconciliation/{pair}/{period}/disputes'].audience, authRequestOf(req));
    if (!caller.open && !mayRead(caller, [pair.a, pair.b])) throw new HttpError(403, 'forbidden', `operator ${caller.plmn} is not in this pair`);
    // An empty parameter counts as absent, as pageParam has it.
    const offsetText = req.getQuery('offset') || undefined;
    const afterText = req.getQuery('after') || undefined;
    const limit = pageParam(req.getQuery('limit'), 'limit') ?? DEFAULT_DISPUTES_PAGE;
    if (limit < 1 || limit > MAX_DISPUTES_PAGE) throw new HttpError(400, 'bad_parameter', `limit must be 1..${MAX_DISPUTES_PAGE}`);
    if (afterText !== undefined && offsetText !== undefined) throw new HttpError(400, 'bad_parameter', 'give offset or after, not both');
    const after = afterText === undefined ? undefined : parseDisputeCursor(afterText);
    const offset = pageParam(offsetText, 'offset') ?? 0;
    const { indexedHeight, value } = index().disputes(pair, period, after ?? offset, limit);
    sendJson(r, 200, {
      ...head(pair, period, indexedHeight), total: value.total, ...(after ? { after: afterText } : { offset }), limit,
      disputes: value.disputes.map(disputeJson), next: value.next ? formatDisputeCursor(value.next) : null,
    });
  });
}

function head(pair: OperatorPair, period: CalendarMonth, indexedHeight: number) {
  return { pair: formatOperatorPair(pair), period: formatCalendarMonth(period), a: pair.a, b: pair.b, indexedHeight };
}

/** Counts as JSON; `matchRate` = matched / events (6 decimals), null while there is no event. */
export function countsJson(c: PairPeriodCounts) {
  const events = c.matched + c.mismatched + c.onlyA + c.onlyB;
  return {
    events, matched: c.matched, mismatched: c.mismatched, onlyA: c.onlyA, onlyB: c.onlyB,
    matchRate: events === 0 ? null : Math.round((c.matched * 1_000_000) / events) / 1_000_000,
    records: { a: c.recordsA, b: c.recordsB },
    duplicates: { a: c.duplicatesA, b: c.duplicatesB },
  };
}

/** What anyone learns of a verdict: that the pair signed one, and its counts. */
function publicVerdictJson(v: VerdictRecord) {
  return {
    hash: v.txHash, revision: v.revision, status: v.status, ...(v.height === undefined ? {} : { height: v.height }),
    counts: { matched: v.matched, accepted: v.accepted, disputed: v.disputed, onlyA: v.onlyA, onlyB: v.onlyB },
  };
}

function disputeJson(d: Dispute) {
  const side = (l: RecordLocator | undefined) => (l ? { batchId: toHex(l.batchId), recordIndex: l.recordIndex, height: l.height } : null);
  return { eventHash: toHex(d.eventHash), class: d.class, a: side(d.a), b: side(d.b) };
}

function pageParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,10}$/.test(v) || Number(v) > 0xffff_ffff) throw new HttpError(400, 'bad_parameter', `${name} must be an integer in 0..4294967295`);
  return Number(v);
}
