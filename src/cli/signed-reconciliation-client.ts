import { NodeApiClient, NodeApiError, type RequestSigner } from '../client/node-api-client.js';
import {
  ReconciliationClient, ReconciliationHttpError, ReconciliationUnreachableError, type CountsJson, type DisputesPageJson,
} from '../reconciliation/reconciliation-client.js';

/**
 * The reconciliation client with every request signed by an operator (RFC 9421: a node with
 * `api.auth: signatures` serves a pair's disputes only to that pair), over the typed node client;
 * its errors are the reconciliation client's, so `cdrchain reconcile` reports them alike.
 */
export class SignedReconciliationClient extends ReconciliationClient {
  private readonly api: NodeApiClient;

  constructor(base: string, signer: RequestSigner) {
    super(base);
    this.api = new NodeApiClient(base, { signer });
  }

  override counts(pair: string, period: string): Promise<CountsJson> {
    return this.api.reconciliationCounts(pair, period).catch(rethrow);
  }

  override disputesPage(pair: string, period: string, offset: number, limit: number): Promise<DisputesPageJson> {
    return this.api.reconciliationDisputes(pair, period, { offset, limit }).catch(rethrow);
  }
}

function rethrow(err: unknown): never {
  if (err instanceof NodeApiError && err.code !== 'not_json') throw new ReconciliationHttpError(err.status, err.code, err.message);
  throw new ReconciliationUnreachableError(err instanceof Error ? err.message : String(err));
}
