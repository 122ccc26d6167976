import { MAX_CONTRACT_TX_FRAME_BYTES } from '../codec/contract-tx.js';

/** Limits of the HTTP and WebSocket API: node configuration, validated once at start. */
export interface ApiLimits {
  /** Open WS /ingest connections; beyond it an upgrade is refused with 503 (each may hold a frame in the making). */
  readonly maxIngestConnections: number;
  /** Open WS /events subscribers; beyond it an upgrade is refused with 503. */
  readonly maxEventSubscribers: number;
  /** Bytes queued to one /events subscriber before it is dropped (uWS maxBackpressure). */
  readonly eventsMaxBackpressure: number;
  /** BadSignature verdicts after which an ingest connection is closed with 1008. */
  readonly badSignaturesBeforeClose: number;
  /** Request bodies (POST /cdr, POST /tx) being received at once; beyond it 503. */
  readonly maxConcurrentUploads: number;
  /** Declared bytes of those bodies together; beyond it 503. */
  readonly maxUploadBytes: number;
  /** Largest POST /cdr body (JSON is ~4× the binary frame; small submitters send small batches). */
  readonly maxJsonBytes: number;
  /** Records per page of GET /batch/:id?records=1 (and the default page). */
  readonly maxRecordsPage: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_API_LIMITS: ApiLimits = {
  maxIngestConnections: 64,
  maxEventSubscribers: 64,
  eventsMaxBackpressure: 256 * 1024,
  badSignaturesBeforeClose: 4,
  maxConcurrentUploads: 16,
  maxUploadBytes: 32 * MiB,
  maxJsonBytes: 4 * MiB,
  maxRecordsPage: 1_000,
};

export class InvalidApiLimitsError extends Error {
  override readonly name = 'InvalidApiLimitsError';
}

/** Merges `limits` over the defaults and checks them: a bad value stops the node at start. */
export function validateApiLimits(limits: Partial<ApiLimits> = {}): ApiLimits {
  const merged: ApiLimits = { ...DEFAULT_API_LIMITS, ...limits };
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new InvalidApiLimitsError(`API limit ${name} must be a positive integer, got ${String(value)}`);
  }
  const largestBody = Math.max(merged.maxJsonBytes, MAX_CONTRACT_TX_FRAME_BYTES);
  if (merged.maxUploadBytes < largestBody) {
    throw new InvalidApiLimitsError(`maxUploadBytes (${merged.maxUploadBytes}) must hold the largest body (${largestBody} bytes: maxJsonBytes or a contract transaction)`);
  }
  return merged;
}
