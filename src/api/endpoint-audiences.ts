// Who may read what, per endpoint (issue 13, P4): the one table. The server applies it
// (src/api/server.ts, events.ts, ingest.ts, reconciliation-routes.ts), the OpenAPI document carries
// it as `x-audience` on every operation (src/api/openapi.ts), and endpoint-audiences.test.ts holds
// the two together. Pure data, no imports: openapi.ts reads it and the explorer type-checks openapi.ts.
//
// Audiences (the same union as src/api/audience.ts `Audience`):
// - public: anyone, signed or not (chain headers, counts, health, the explorer);
// - operator: the one operator the data is about (its own sequences, submissions, receipts);
// - pair: the operators a record names (a batch's submitter and counterparty; a dispute's pair);
// - consortium: any operator of the consortium (the validators' operational view).
//
// Outside callers: an id-addressed resource (a batch, a transaction, a receipt) answers 404
// `not_found`, the same answer as for an id that does not exist, so the answer does not reveal that
// it exists. A resource whose existence is public anyway (an operator of the genesis list, an operator
// pair, which /status and the reconciliation counts show to everyone) answers 403 `forbidden`, with a
// message that names only the caller. Open nodes (`api.auth: open`) serve every audience to anyone.

export type EndpointAudience = 'public' | 'operator' | 'pair' | 'consortium';

export interface EndpointRule {
  readonly audience: EndpointAudience;
  /** Who reads it, in words (docs, the OpenAPI description). */
  readonly readers: string;
  /** What an authenticated operator outside the readers gets (non-public endpoints). */
  readonly outsider?: '403 forbidden' | '404 not_found' | 'frames filtered';
}

/** Keyed by `METHOD path` as in the OpenAPI document. */
export const ENDPOINT_AUDIENCES = {
  'GET /status': { audience: 'public', readers: 'anyone: chain identity, head, counts, the operator list' },
  'GET /health/live': { audience: 'public', readers: 'anyone (orchestrator probes sign nothing)' },
  'GET /health/ready': { audience: 'public', readers: 'anyone (orchestrator probes sign nothing)' },
  'GET /operators/{plmn}': {
    audience: 'operator', outsider: '403 forbidden',
    readers: 'the operator itself: its sequences tell how many batches and transactions it sent (its name and key are in /status and the genesis)',
  },
  'GET /blocks': { audience: 'public', readers: 'anyone: block headers' },
  'GET /blocks/{height}': { audience: 'public', readers: 'anyone: a block header and its transaction ids (hashes)' },
  'GET /batch/{id}': {
    audience: 'pair', outsider: '404 not_found',
    readers: "the batch's submitter and counterparty: the header names both and the records are their shared traffic; the counterparty reconciles against them",
  },
  'GET /batch/{id}/sealed': {
    audience: 'pair', outsider: '404 not_found',
    readers: "the batch's submitter and counterparty: the encrypted payloads and the wraps only they can open (every validator stores them, none reads them)",
  },
  'GET /txns/{hash}': {
    audience: 'pair', outsider: '404 not_found',
    readers: "a batch's submitter and counterparty; a contract transaction's sender; a verdict's pair; a settlement transaction's submitter and, for a statement, its pair",
  },
  'GET /receipts/{hash}': { audience: 'operator', outsider: '404 not_found', readers: "the contract transaction's sender" },
  'GET /consensus': {
    audience: 'consortium',
    readers: "any operator: validators, peers' addresses and scores are the consortium's operational view, not the public's",
  },
  'GET /metrics': {
    audience: 'public',
    readers: 'anyone: aggregate counts and timings with no operator label on traffic (Prometheus cannot sign requests; firewall the port as the operating guide says)',
  },
  'POST /cdr': { audience: 'operator', outsider: '403 forbidden', readers: "the batch's submitter: a request signed by another operator is refused before admission reads the batch" },
  'POST /tx': { audience: 'operator', outsider: '403 forbidden', readers: "the transaction's sender" },
  'GET /ingest': {
    audience: 'operator', outsider: '403 forbidden',
    readers: "the submitter: the upgrade is signed, and every frame on the connection must be the signer's own (else Nack unknown_operator)",
  },
  'GET /events': {
    audience: 'public', outsider: 'frames filtered',
    readers: "anyone for block frames; batch_accepted only to the batch's submitter and counterparty, contract frames only to the sender (a signed upgrade says who)",
  },
  'GET /reconciliation/{pair}/{period}': { audience: 'public', readers: "anyone: counts only (the index's, and the latest verdict's)" },
  'GET /proofs/aggregate/{submitter}/{counterparty}/{period}': {
    audience: 'public',
    readers: "anyone: a Pedersen commitment (hiding: no amount) and counts of proven batches and chunks, which the batches' proven status already tells the pair's readers; counts are public (P4)",
  },
  'GET /settlement/{period}': { audience: 'public', readers: 'anyone: counts only (pairs with a statement, a rate set, netted) and the approval status (attempt, signers counted, voting power, the clearing fee split); never which pair or an amount' },
  'GET /settlement/{period}/draft': { audience: 'public', readers: 'anyone: the involved operators and each one\'s transfer commitment T_k (hiding: no amount), the next attempt and a deadline' },
  'POST /settle': { audience: 'operator', outsider: '403 forbidden', readers: "the proposal's, approval's or disclosure's submitter" },
  'GET /settlement/{period}/disclosures/{plmn}': {
    audience: 'operator', outsider: '403 forbidden',
    readers: "the operator and the consortium's settlement bank (genesis settlement.bank, signing as plmn:<bank id>): the operator's transfer opening, sealed to each of them",
  },
  'GET /reconciliation/{pair}/{period}/disputes': {
    audience: 'pair', outsider: '403 forbidden',
    readers: "the pair's two operators: which events are disputed, and where each side's record is",
  },
  'GET /reconciliation/{pair}/{period}/verdict': {
    audience: 'pair', outsider: '403 forbidden',
    readers: "the pair's two operators: the verdict they signed in full (tolerances, resolutions digest, signatures)",
  },
  'GET /openapi.json': { audience: 'public', readers: 'anyone' },
  'GET /': { audience: 'public', readers: 'anyone: the explorer page (it reads public endpoints; on an authenticated node it shows what is public)' },
  'GET /explorer': { audience: 'public', readers: 'anyone' },
  'GET /explorer/{asset}': { audience: 'public', readers: 'anyone' },
} as const satisfies Readonly<Record<string, EndpointRule>>;

export type EndpointKey = keyof typeof ENDPOINT_AUDIENCES;

/** 401 `error` codes of operator authentication (src/api/auth/request-authenticator.ts answers them). */
export const AUTH_401_CODES = ['authentication_required', 'bad_signature', 'signature_expired', 'signature_replayed'] as const;
