import type { HttpResponse } from 'uWebSockets.js';

/** Small helpers over uWebSockets.js responses: JSON replies, bounded bodies, abort safety. */

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 202: '202 Accepted', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden',
  404: '404 Not Found', 405: '405 Method Not Allowed', 409: '409 Conflict', 411: '411 Length Required',
  413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 422: '422 Unprocessable Entity',
  500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

/** Tracks whether the client went away, so late async replies never touch a dead response. */
export interface Responder {
  readonly res: HttpResponse;
  aborted: boolean;
}

export function responder(res: HttpResponse): Responder {
  const r: Responder = { res, aborted: false };
  res.onAborted(() => {
    r.aborted = true;
  });
  return r;
}

export function send(r: Responder, status: number, body: string, contentType = 'application/json'): void {
  if (r.aborted) return;
  r.res.cork(() => {
    r.res.writeStatus(STATUS_TEXT[status] ?? `${status}`).writeHeader('content-type', contentType).end(body);
  });
}

export function sendJson(r: Responder, status: number, value: unknown): void {
  send(r, status, JSON.stringify(value));
}

export function sendError(r: Responder, err: unknown): void {
  if (err instanceof HttpError) {
    sendJson(r, err.status, { error: err.code, message: err.message });
  } else {
    sendJson(r, 500, { error: 'internal', message: 'internal error' });
  }
}

/**
 * Reads a request body of at most `limit` bytes. The declared content-length is checked before
 * anything is buffered; chunks are copied because uWS reuses their memory after the callback.
 */
export function readBody(r: Responder, contentLength: string, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = contentLength === '' ? NaN : Number(contentLength);
    if (!Number.isInteger(declared) || declared < 0) {
      reject(new HttpError(411, 'length_required', 'a content-length header is required'));
      return;
    }
    if (declared > limit) {
      reject(new HttpError(413, 'too_large', `body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const body = Buffer.allocUnsafe(declared);
    let received = 0;
    r.res.onData((chunk, isLast) => {
      if (received + chunk.byteLength > declared) {
        reject(new HttpError(400, 'bad_length', 'body longer than its content-length'));
        return;
      }
      body.set(new Uint8Array(chunk), received);
      received += chunk.byteLength;
      if (isLast) {
        if (received !== declared) reject(new HttpError(400, 'bad_length', 'body shorter than its content-length'));
        else resolve(body);
      }
    });
    r.res.onAborted(() => {
      r.aborted = true;
      reject(new HttpError(400, 'aborted', 'client went away'));
    });
  });
}
