import type { HttpResponse } from 'uWebSockets.js';
import { HttpError } from '../http.js';

const STATUS_LINE: Readonly<Record<number, string>> = { 401: '401 Unauthorized', 403: '403 Forbidden', 503: '503 Service Unavailable' };

/** Refuses a WebSocket upgrade with the error's status and `{error, message}` (authentication failures). */
export function refuseUpgradeWith(res: HttpResponse, err: unknown): void {
  const e = err instanceof HttpError ? err : new HttpError(500, 'internal', 'internal error');
  res.cork(() => {
    res.writeStatus(STATUS_LINE[e.status] ?? '500 Internal Server Error').writeHeader('content-type', 'application/json').end(JSON.stringify({ error: e.code, message: e.message }));
  });
}
