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
  404: '404 Not Found', 405: '405 Method Not Allowed', 409: '409 Conflict', 410: '410 Gone', 411: '411 Length Required',
  413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 422: '422 Unprocessable Entity',
  500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

/** Tracks whether the client went away, so late async replies never touch a dead response. */
export interface Responder {
  readonly res: HttpResponse;
  aborted: boolean;
  /** Run once if the client goes away (uWS keeps one onAborted handler per response: this one). */
  readonly onAbort: (() => void)[];
}

export function responder(res: HttpResponse): Responder {
  const r: Responder = { res, aborted: false, onAbort: [] };
  res.onAborted(() => {
    r.aborted = true;
    for (const f of r.onAbort.splice(0)) f();
  });
  return r;
}

export function send(r: Responder, status: number, body: string | Uint8Array, contentType = 'application/json'): void {
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
 * Request bodies being received at once, and their declared bytes together: both capped, so many
 * slow or stalled uploads cannot pin the node's memory. Shared by every endpoint that reads a body.
 */
export class UploadBudget {
  private active = 0;
  private bytes = 0;
  constructor(
    readonly maxUploads: number,
    readonly maxBytes: number,
    /** Told of every refused upload (metrics). */
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /** Reserves an upload of `declared` bytes; returns its release, or throws HttpError 503. */
  reserve(declared: number): () => void {
    if (this.active >= this.maxUploads) {
      this.onRefused();
      throw new HttpError(503, 'busy', `${this.active} uploads in progress, the limit is ${this.maxUploads}; retry`);
    }
    if (this.bytes + declared > this.maxBytes) {
      this.onRefused();
      throw new HttpError(503, 'busy', `uploads in progress declare ${this.bytes} bytes, ${declared} more exceeds the limit of ${this.maxBytes}; retry`);
    }
    this.active++;
    this.bytes += declared;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.bytes -= declared;
    };
  }
}

/**
 * Reads a request body of at most `limit` bytes. The declared content-length is checked and the
 * upload reserved in `uploads` before anything is buffered; the body is then kept as it arrives
 * (chunks copied: uWS reuses their memory after the callback), never allocated up front.
 */
export function readBody(r: Responder, contentLength: string, limit: number, uploads: UploadBudget): Promise<Buffer> {
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
    let release: () => void;
    try {
      release = uploads.reserve(declared);
    } catch (err) {
      reject(err);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const fail = (err: HttpError): void => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      release();
      reject(err);
    };
    r.res.onData((chunk, isLast) => {
      if (settled) return;
      if (received + chunk.byteLength > declared) {
        fail(new HttpError(400, 'bad_length', 'body longer than its content-length'));
        return;
      }
      if (chunk.byteLength > 0) chunks.push(Buffer.from(chunk.slice(0)));
      received += chunk.byteLength;
      if (!isLast) return;
      if (received !== declared) {
        fail(new HttpError(400, 'bad_length', 'body shorter than its content-length'));
        return;
      }
      settled = true;
      release();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    });
    r.onAbort.push(() => fail(new HttpError(400, 'aborted', 'client went away')));
  });
}

/**
 * Sends a JSON body produced piece by piece (chunked transfer encoding), yielding to the event loop
 * between pieces and waiting while the socket is backed up: a large response neither holds the main
 * thread nor piles up in memory. Stops quietly if the client goes away.
 */
export async function streamJson(r: Responder, status: number, pieces: Iterable<string>): Promise<void> {
  if (r.aborted) return;
  r.res.cork(() => {
    r.res.writeStatus(STATUS_TEXT[status] ?? `${status}`).writeHeader('content-type', 'application/json');
  });
  for (const piece of pieces) {
    if (r.aborted) return;
    let drained = true;
    r.res.cork(() => {
      drained = r.res.write(piece);
    });
    if (!drained) {
      await new Promise<void>((resolve) => {
        r.onAbort.push(resolve);
        r.res.onWritable(() => {
          resolve();
          return true;
        });
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!r.aborted) r.res.cork(() => r.res.end());
}

/** Refuses a WebSocket upgrade with 503 and a JSON reason (the client's handshake fails; it may retry). */
export function refuseUpgrade(res: HttpResponse, message: string): void {
  res.cork(() => {
    res.writeStatus('503 Service Unavailable').writeHeader('content-type', 'application/json').end(JSON.stringify({ error: 'busy', message }));
  });
}
