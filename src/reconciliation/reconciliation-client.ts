/** What GET /reconciliation/:pair/:period answers (src/api/reconciliation-routes.ts). */
export interface CountsJson {
  readonly pair: string;
  readonly period: string;
  readonly a: number;
  readonly b: number;
  readonly indexedHeight: number;
  readonly events: number;
  readonly matched: number;
  readonly mismatched: number;
  readonly onlyA: number;
  readonly onlyB: number;
  readonly matchRate: number | null;
  readonly records: { readonly a: number; readonly b: number };
  readonly duplicates: { readonly a: number; readonly b: number };
}

export interface LocatorJson {
  readonly batchId: string;
  readonly recordIndex: number;
  readonly height: number;
}

export interface DisputeJson {
  readonly eventHash: string;
  readonly class: 'mismatched' | 'only_a' | 'only_b';
  readonly a: LocatorJson | null;
  readonly b: LocatorJson | null;
}

export interface DisputesPageJson {
  readonly indexedHeight: number;
  readonly total: number;
  /** The offset asked for (offset paging), or the cursor (`after`, cursor paging). */
  readonly offset?: number;
  readonly after?: string;
  readonly limit: number;
  readonly disputes: readonly DisputeJson[];
  /** The next page's cursor when this page is full, else null. */
  readonly next: string | null;
}

/** The node answered with an error: its HTTP status and `{error, message}`. */
export class ReconciliationHttpError extends Error {
  override readonly name = 'ReconciliationHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The node could not be reached or did not answer JSON. */
export class ReconciliationUnreachableError extends Error {
  override readonly name = 'ReconciliationUnreachableError';
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (err) {
    throw new ReconciliationUnreachableError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ReconciliationUnreachableError(`${url} answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const e = body as { error?: unknown; message?: unknown };
    throw new ReconciliationHttpError(res.status, String(e.error ?? 'error'), String(e.message ?? `status ${res.status}`));
  }
  return body as T;
}

/** Reads a (pair, period)'s counts and disputes from a node (`base`: http://host:port). */
export class ReconciliationClient {
  constructor(
    private readonly base: string,
    /** Extra request headers (operator authentication signs requests here once it exists). */
    private readonly headers: Record<string, string> = {},
  ) {}

  counts(pair: string, period: string): Promise<CountsJson> {
    return getJson(`${this.base}/reconciliation/${encodeURIComponent(pair)}/${encodeURIComponent(period)}`, this.headers);
  }

  /** One page: from an offset, or after a cursor (a page's `next`). */
  disputesPage(pair: string, period: string, from: number | { readonly after: string }, limit: number): Promise<DisputesPageJson> {
    const start = typeof from === 'number' ? `offset=${from}` : `after=${encodeURIComponent(from.after)}`;
    return getJson(`${this.base}/reconciliation/${encodeURIComponent(pair)}/${encodeURIComponent(period)}/disputes?${start}&limit=${limit}`, this.headers);
  }

  /** Up to `max` disputes, page by page, each page after the previous one's cursor. */
  async disputes(pair: string, period: string, max: number, pageSize = 1000): Promise<{ total: number; disputes: DisputeJson[] }> {
    const out: DisputeJson[] = [];
    let total = 0;
    let from: number | { readonly after: string } = 0;
    while (out.length < max) {
      const page: DisputesPageJson = await this.disputesPage(pair, period, from, Math.min(pageSize, max - out.length));
      total = page.total;
      out.push(...page.disputes);
      if (!page.next || page.disputes.length === 0) break;
      from = { after: page.next };
    }
    return { total, disputes: out };
  }
}
