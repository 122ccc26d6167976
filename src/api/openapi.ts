// The node's HTTP contract as an OpenAPI 3.1 document: served at GET /openapi.json, written to
// docs/openapi.json (`npm run gen:openapi`; src/api/openapi.test.ts fails when the two differ) and the
// source of the typed client's types (src/client/node-api-client.ts derives them from this constant).
// Checked against a running node's real answers in src/api/openapi-contract.test.ts.
//
// Pure data; its one import (the audience table) is pure data too: the explorer's bundle and type
// check read this file (types only).

import { AUTH_401_CODES, ENDPOINT_AUDIENCES, type EndpointKey } from './endpoint-audiences.js';
import { EVICTION_REASONS } from '../storage/eviction-reason.js';

/** The package version; openapi.test.ts checks it against package.json. */
export const NODE_API_VERSION = '0.1.0';

const ref = <const N extends string>(name: N) => ({ $ref: `#/components/schemas/${name}` }) as const;

const HASH = { type: 'string', pattern: '^[0-9a-f]{64}$', description: '32 bytes in lower-case hex' } as const;
const HEX = { type: 'string', pattern: '^(?:[0-9a-f]{2})*$', description: 'bytes in lower-case hex' } as const;
const SIGNATURE = { type: 'string', pattern: '^[0-9a-f]{128}$', description: 'an Ed25519 signature (64 bytes, hex)' } as const;
const U64 = { type: 'string', pattern: '^[0-9]{1,20}$', description: 'a 64-bit unsigned integer in decimal: JSON numbers cannot hold it' } as const;
const U32 = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const DISPUTE_CURSOR = { type: 'string', pattern: '^(mismatched|only_a|only_b):[0-9a-f]{64}$', description: 'a place in the disputes: <class>:<event hash>' } as const;
const PLMN = { ...U32, description: 'an operator, by its PLMN id (MCC and MNC, e.g. 26201)' } as const;
/** A settlement amount: minor units below 2^96, decimal. */
const MINOR = { type: 'string', pattern: '^[0-9]{1,29}$', description: 'minor units of the settlement currency (below 2^96), decimal' } as const;
/** Plain mode: the transfers of a settlement (the plain netting contract's, at most n − 1). */
const PLAIN_TRANSFERS = { type: 'array', items: { type: 'object', required: ['from', 'to', 'amount'], additionalProperties: false, properties: { from: PLMN, to: PLMN, amount: MINOR } } } as const;
const PROPOSAL_VIEW = {
  type: 'object', required: ['mode', 'operators', 'transfers', 'settledVolume', 'clearingFee'], additionalProperties: false,
  description: 'what approvers sign besides the status fields (src/settlement/approval/settlement-proposal.ts): committed mode, T_k commitments and the consortium aggregate, no amount per operator; plain mode, the transfers (plainTransfers, transfers empty)',
  properties: { mode: { enum: ['committed', 'plain'] }, plainTransfers: PLAIN_TRANSFERS, operators: { type: 'array', items: PLMN }, transfers: { type: 'array', items: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: { type: 'string', pattern: '^[0-9a-f]{64}$' }, y: { type: 'string', pattern: '^[0-9a-f]{64}$' } } } }, settledVolume: U64, clearingFee: U64 },
} as const;
const TX_STATUS = {
  type: 'string', enum: ['pending', 'committed', 'evicted'],
  description: 'pending: durable here, in no block yet; committed: in a block (height, index); evicted: left the pending set without a block, for good (`eviction` says why)',
} as const;
/** A verdict revision as GET /reconciliation lists it: committed, or pending here above the committed ones (never evicted: an evicted one is not listed). */
const RECORD_STATUS = { type: 'string', enum: ['pending', 'committed'], description: 'pending: durable here, in no block yet; committed: in a block (height)' } as const;
const BLOCK_KIND = { type: 'string', enum: ['micro', 'macro', 'skip'] } as const;

/** Any JSON error of the node: a stable `error` code to branch on and a message for people. */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: false,
  properties: {
    error: { type: 'string', description: 'stable, snake_case: clients branch on it, never on the message' },
    message: { type: 'string', minLength: 1 },
    sequence: { ...U64, description: 'POST /cdr, POST /tx rejections: the sequence of the refused batch or transaction (0 when it could not be read)' },
  },
} as const;

/** A response with the `{error, message}` body, its `error` one of `codes`. */
function errorResponse<const C extends readonly string[]>(description: string, codes: C) {
  return {
    description,
    content: { 'application/json': { schema: { allOf: [ref('Error'), { type: 'object', properties: { error: { enum: codes } } }] } } },
  } as const;
}

function json<const S>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } } as const;
}

const BAD_PARAMETER = errorResponse('a path or query parameter is not what the endpoint takes', ['bad_parameter']);
const INTERNAL = errorResponse('the node failed unexpectedly (logged); nothing to fix on the client side', ['internal']);
const NOT_FOUND = (what: string) => errorResponse(`no ${what}`, ['not_found']);
const NOT_A_WEBSOCKET = errorResponse('a plain GET, without `Upgrade: websocket`: the path only takes WebSocket upgrades', ['not_found']);
const BUSY_UPGRADE = errorResponse('at its connection limit (--max-connections, --max-subscribers): retry later', ['busy']);

/** Operator authentication's refusals (api.auth: signatures; src/api/auth/). */
const UNAUTHENTICATED = errorResponse(
  'operator authentication (api.auth: signatures): no signature, or one the node refuses — malformed, an unknown keyid, a signature that does not verify, ' +
    '`created` outside ±300 s of the node\'s clock, or a signature already used; the message says which, about the caller\'s own request only',
  AUTH_401_CODES,
);
const SIGNED_BUSY = errorResponse("operator authentication: this operator sent more signed requests within the window than the node remembers; retry shortly", ['busy']);

/**
 * `x-audience` (src/api/endpoint-audiences.ts: who may read it, and what an outsider gets) and the
 * operation's security: public ones none, the others an operator's signature (none needed on an
 * open node), WS /events either (anonymous subscribers get the public frames).
 */
function access<const K extends EndpointKey>(key: K) {
  const rule: { readonly audience: string; readonly readers: string; readonly outsider?: string } = ENDPOINT_AUDIENCES[key];
  const security = key === 'GET /events' ? [{}, { operatorSignature: [] }] : rule.audience === 'public' ? [] : [{ operatorSignature: [] }];
  return {
    'x-audience': ENDPOINT_AUDIENCES[key].audience,
    'x-audience-readers': rule.readers,
    ...(rule.outsider ? { 'x-audience-outsider': rule.outsider } : {}),
    security,
  } as const;
}

const plmnParam = { name: 'plmn', in: 'path', required: true, schema: PLMN } as const;
const hashParam = (name: string, description: string) =>
  ({ name, in: 'path', required: true, description, schema: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } }) as const;
const recordsParams = [
  { name: 'records', in: 'query', description: '`1` adds one page of the public records (`records`, `recordsPage`); other values are ignored', schema: { type: 'string', enum: ['1'] } },
  { name: 'offset', in: 'query', description: 'first record of the page (default 0)', schema: U32 },
  { name: 'limit', in: 'query', description: 'records in the page: default and largest 1,000 (the API limit maxRecordsPage)', schema: { ...U32, minimum: 1 } },
] as const;
const ifNoneMatch = { name: 'if-none-match', in: 'header', description: 'an ETag seen before: 304 if unchanged', schema: { type: 'string' } } as const;

/** The public part of one CDR (schemas/batch.fbs PublicRecord): no plaintext field. */
const PUBLIC_RECORD = {
  type: 'object',
  required: ['eventKeyHash', 'commitment', 'nullifier', 'payloadHash'],
  additionalProperties: false,
  properties: { eventKeyHash: HASH, commitment: HASH, nullifier: HASH, payloadHash: HASH },
} as const;

/** The signed batch header, as schemas/batch.fbs BatchHeader (64-bit fields in decimal strings). */
const BATCH_HEADER_PROPERTIES = {
  version: { type: 'integer', minimum: 0, maximum: 65535 },
  submitter: PLMN,
  counterparty: PLMN,
  periodStart: { ...U64, description: 'unix seconds, inclusive' },
  periodEnd: { ...U64, description: 'unix seconds, exclusive' },
  sequence: { ...U64, description: "the submitter's batch sequence, strictly increasing" },
  recordCount: COUNT,
  merkleRoot: { ...HASH, description: 'Poseidon Merkle root over the commitments' },
  recordsDigest: { ...HASH, description: "SHA-256 over the records' 128-byte encodings, in order" },
} as const;
const BATCH_HEADER_REQUIRED = ['version', 'submitter', 'counterparty', 'periodStart', 'periodEnd', 'sequence', 'recordCount', 'merkleRoot', 'recordsDigest'] as const;

/** A stored batch (GET /batch/{id}), with where it stands. */
const BATCH_PROPERTIES = {
  id: { ...HASH, description: 'the batch id: SHA-256 of the canonical header bound to this chain' },
  status: TX_STATUS,
  eviction: ref('Eviction'),
  height: { ...U32, description: 'committed: the block that holds it' },
  index: { ...COUNT, description: 'committed: its place in that block' },
  ...BATCH_HEADER_PROPERTIES,
  signature: SIGNATURE,
  sizeBytes: { ...COUNT, description: 'its flatbuffer frame' },
  pruned: { const: true, description: "retention pruned its records: the signed header stays, and they answer 410 `records_pruned`" },
  prunedAtMs: { ...U64, description: 'with pruned: when (unix ms)' },
  txPath: {
    type: 'array',
    description: "with pruned: the id's SHA-256 path to its block's txRoot, bottom-up",
    items: { type: 'object', required: ['sibling', 'left'], additionalProperties: false, properties: { sibling: HASH, left: { type: 'boolean' } } },
  },
  proven: ref('ProvenBatch'),
  records: { type: 'array', description: 'with ?records=1: one page of the public records', items: ref('PublicRecord') },
  recordsPage: ref('RecordsPage'),
} as const;
const BATCH_REQUIRED = ['id', 'status', ...BATCH_HEADER_REQUIRED, 'signature', 'sizeBytes'] as const;

const BLOCK_PROPERTIES = {
  height: U32,
  hash: HASH,
  kind: BLOCK_KIND,
  prevHash: HASH,
  timestampMs: { ...U64, description: 'unix ms' },
  producer: { ...PLMN, description: 'the producing validator (PLMN id); 0 for genesis' },
  txRoot: { ...HASH, description: 'SHA-256 Merkle root over the transaction ids' },
  txCount: COUNT,
  cdrCount: COUNT,
  bodyPruned: { const: true, description: 'retention pruned the body: the header (and its txRoot) stays, the transaction ids do not' },
} as const;
const BLOCK_REQUIRED = ['height', 'hash', 'kind', 'prevHash', 'timestampMs', 'producer', 'txRoot', 'txCount', 'cdrCount'] as const;

const HEALTH_CHECKS = {
  type: 'object',
  required: ['storage', 'workers', 'blocks', 'admission'],
  additionalProperties: false,
  properties: {
    storage: { type: 'boolean', description: 'the data directory takes writes' },
    workers: { type: 'boolean', description: 'the verification workers are up' },
    blocks: { type: 'boolean', description: 'block commits are not failing' },
    admission: { type: 'boolean', description: 'the shared in-flight budget is not exhausted' },
  },
} as const;

const HEALTH_READY = {
  type: 'object',
  required: ['status', 'checks'],
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: HEALTH_CHECKS,
    reason: { type: 'string', description: 'storage not writable: why' },
  },
} as const;

const RECONCILIATION_HEAD = {
  pair: { type: 'string', pattern: '^[0-9]{5,6}-[0-9]{5,6}$', description: 'the two PLMN ids, lower first' },
  period: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$', description: 'a calendar month' },
  a: { ...PLMN, description: 'side A: the lower PLMN id' },
  b: { ...PLMN, description: 'side B' },
  indexedHeight: { type: 'integer', minimum: -1, description: 'every committed block up to this height is classified (-1: none yet)' },
} as const;
const SIDES = { type: 'object', required: ['a', 'b'], additionalProperties: false, properties: { a: COUNT, b: COUNT } } as const;
const RECORD_LOCATOR = {
  description: "where one side's record of the event is (null: that side has none)",
  oneOf: [
    { type: 'null' },
    { type: 'object', required: ['batchId', 'recordIndex', 'height'], additionalProperties: false, properties: { batchId: HASH, recordIndex: COUNT, height: U32 } },
  ],
} as const;
const reconciliationParams = [
  { name: 'pair', in: 'path', required: true, description: 'two PLMN ids joined by "-", in either order (20801-23415)', schema: { type: 'string' } },
  { name: 'period', in: 'path', required: true, description: 'a calendar month YYYY-MM (2026-11)', schema: { type: 'string' } },
] as const;
const NOT_AVAILABLE = errorResponse('this node runs without the reconciliation index', ['not_available']);

const REJECTED_400 = ['malformed', 'unsupported_version', 'bad_length'] as const;

const SCHEMAS = {
  Error: ERROR_SCHEMA,
  Status: {
    type: 'object',
    description: 'What a node is and holds: the chain it belongs to (clients sign for `genesisHash`), its head, mempool, operators and health.',
    required: ['node', 'version', 'chainId', 'genesisHash', 'height', 'headHash', 'mempool', 'nullifiers', 'operators', 'workers', 'diskBytes', 'storage', 'ready', 'auth', 'uptimeSec'],
    additionalProperties: false,
    properties: {
      node: { const: 'cdrchain' },
      version: { type: 'string' },
      chainId: { type: 'string' },
      genesisHash: { ...HASH, description: 'the chain identity every batch and contract transaction signature binds (hash of the genesis and the system contracts)' },
      height: U32,
      headHash: HASH,
      mempool: {
        type: 'object', required: ['txs', 'cdrs'], additionalProperties: false,
        properties: { txs: COUNT, cdrs: COUNT },
      },
      nullifiers: { ...COUNT, description: 'nullifiers admitted here (committed or pending)' },
      operators: {
        type: 'array',
        items: { type: 'object', required: ['plmn', 'name'], additionalProperties: false, properties: { plmn: PLMN, name: { type: 'string' } } },
      },
      workers: { ...COUNT, description: 'verification worker threads' },
      diskBytes: { ...COUNT, description: 'LMDB and the body files together' },
      storage: {
        type: 'object', required: ['writable', 'failures'], additionalProperties: false,
        properties: {
          writable: { type: 'boolean' },
          reason: { type: 'string', description: "while writes fail: the operating system's reason" },
          failingSinceMs: { ...COUNT, description: 'unix ms of the first failure of the current outage' },
          failures: COUNT,
        },
      },
      ready: { type: 'object', required: ['ready', 'checks'], additionalProperties: false, properties: { ready: { type: 'boolean' }, checks: HEALTH_CHECKS } },
      auth: {
        type: 'object', required: ['mode'], additionalProperties: false,
        description: 'How the non-public endpoints authenticate (`api.auth`), so a client knows before it asks (docs/privacy.md §7)',
        properties: {
          mode: {
            enum: ['open', 'signatures', 'closed'],
            description: '`open`: anyone reads everything (INSECURE, the devnet default); `signatures`: a request signed by an operator (RFC 9421), served its own or its pair\'s data; `closed`: none (an API without operator authentication configured answers 401)',
          },
        },
      },
      uptimeSec: COUNT,
    },
  },
  HealthLive: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'live' } } },
  HealthReady: HEALTH_READY,
  Operator: {
    type: 'object',
    required: ['plmn', 'name', 'batchKey', 'lastSequence', 'lastContractSequence', 'lastProofSequence', 'lastSettlementSequence'],
    additionalProperties: false,
    properties: {
      plmn: PLMN,
      name: { type: 'string' },
      batchKey: { ...HASH, description: 'its Ed25519 public key (hex)' },
      lastSequence: { ...U64, description: 'the last batch sequence accepted here (0: none)' },
      lastContractSequence: { ...U64, description: 'the last contract transaction sequence accepted here (0: none)' },
      lastProofSequence: { ...U64, description: 'the last batch proof transaction sequence accepted here (0: none)' },
      lastSettlementSequence: { ...U64, description: 'the last settlement transaction sequence accepted here (0: none)' },
    },
  },
  Block: {
    type: 'object',
    required: BLOCK_REQUIRED,
    additionalProperties: false,
    properties: { ...BLOCK_PROPERTIES, txIds: { type: 'array', description: 'GET /blocks/{height} only, unless the body was pruned', items: HASH } },
  },
  BlockPage: {
    type: 'object',
    required: ['blocks'],
    additionalProperties: false,
    properties: {
      blocks: {
        type: 'array', description: 'newest first; headers without transaction ids',
        items: { type: 'object', required: BLOCK_REQUIRED, additionalProperties: false, properties: BLOCK_PROPERTIES },
      },
    },
  },
  PublicRecord: PUBLIC_RECORD,
  RecordsPage: {
    type: 'object',
    description: 'where a page of records lies: `limit` records from `offset`, of `total`',
    required: ['offset', 'limit', 'total'],
    additionalProperties: false,
    properties: { offset: COUNT, limit: COUNT, total: COUNT },
  },
  Batch: {
    type: 'object',
    required: [...BATCH_REQUIRED, 'stage'],
    additionalProperties: false,
    properties: {
      ...BATCH_PROPERTIES,
      stage: {
        type: 'string', enum: ['accepted', 'committed', 'final', 'evicted'],
        description: "where it stands in the ingest replies' terms: accepted (durable here), committed (with consensus: in a block on the head's branch, confirmedHeight), final (in a final block, height; a solo node's blocks are final at once), evicted (no block will hold it: `eviction`)",
      },
      confirmedHeight: { ...U32, description: 'stage committed: the block on the head\'s branch that holds it' },
    },
  },
  CdrBatchTx: {
    type: 'object',
    description: 'a CDR batch seen as a transaction: the batch, its `type` and `hash` (= id)',
    required: ['type', 'hash', ...BATCH_REQUIRED],
    additionalProperties: false,
    properties: { type: { const: 'cdr_batch' }, hash: HASH, ...BATCH_PROPERTIES },
  },
  ContractTx: {
    type: 'object',
    description: 'a contract deploy or call (schemas/contract-tx.fbs)',
    required: ['type', 'hash', 'status', 'sender', 'sequence', 'gasLimit', 'contract', 'signature', 'sizeBytes'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', enum: ['contract_deploy', 'contract_call'] },
      hash: HASH,
      status: TX_STATUS,
      eviction: ref('Eviction'),
      height: U32,
      index: COUNT,
      sender: PLMN,
      sequence: { ...U64, description: "the sender's contract sequence (a space apart from batch sequences)" },
      gasLimit: U64,
      contract: { ...HASH, description: 'call: the contract called; deploy: the id it creates' },
      code: { ...HEX, description: 'deploy: the bytecode container (docs/vm.md)' },
      calldata: { ...HEX, description: 'call' },
      signature: SIGNATURE,
      sizeBytes: COUNT,
    },
  },
  ProvenBatch: {
    type: 'object',
    description: 'a batch proof (Groth16, docs/proofs.md) verified for this batch: under which registered circuit, what it committed to, and its transaction',
    required: ['circuitId', 'circuitVersion', 'chunkRecords', 'vkeyId', 'totalsCommitments', 'chargeCommitments', 'period', 'txHash', 'signer', 'height'],
    additionalProperties: false,
    properties: {
      circuitId: { type: 'string', description: 'the registered circuit (genesis `circuits`), e.g. cdrchain/batch-chunk' },
      circuitVersion: U32,
      chunkRecords: { ...COUNT, description: 'records per chunk proof' },
      vkeyId: { ...HASH, description: 'SHA-256 of the registered verification key (canonical JSON)' },
      totalsCommitments: { type: 'array', items: HASH, description: "per chunk, the proven Poseidon commitment of its currency, charge, duration and volume totals: only the pair can open it" },
      chargeCommitments: {
        type: 'array', items: { type: 'string', pattern: '^[0-9a-f]{128}$' },
        description: "per chunk, the proven Pedersen commitment (Σ charge)·G_currency + s·H on Baby Jubjub, affine x ‖ y (64 bytes hex): added to the aggregate of the batch's (submitter → counterparty, period), GET /proofs/aggregate/{submitter}/{counterparty}/{period}",
      },
      period: { type: 'string', description: "the settlement period (the genesis rule's id) containing the batch's period_start: the aggregate the chunks were added to" },
      txHash: { ...HASH, description: 'the batch proof transaction (GET /txns/{hash})' },
      signer: { ...PLMN, description: "the operator that signed it: the batch's submitter or counterparty" },
      height: { ...U32, description: 'the block that committed the proof: the earliest committed proof of a batch is its record, the same on every validator' },
      role: { type: 'string', enum: ['view'], description: "present when the proof declared the batch a view (not the submitter's invoice to the counterparty): proven, added to no charge aggregate (docs/settlement.md, \"The link\")" },
    },
  },
  ChargeAggregate: {
    type: 'object',
    description: "the sum of the Pedersen charge commitments of every chunk proven for (submitter → counterparty, settlement period): Σ_currency T·G_currency + S·H on Baby Jubjub (docs/proofs.md §7). Hiding: it reveals no amount; the pair opens it from its salts",
    required: ['submitter', 'counterparty', 'period', 'commitment', 'batches', 'chunks', 'height'],
    additionalProperties: false,
    properties: {
      submitter: PLMN,
      counterparty: PLMN,
      period: { type: 'string' },
      commitment: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: HASH, y: HASH }, description: 'affine coordinates, 32-byte big-endian hex each' },
      batches: { ...COUNT, description: 'proven batches added' },
      chunks: { ...COUNT, description: 'proven chunks added' },
      height: { ...U32, description: 'the last block that added to it' },
    },
  },
  Eviction: {
    type: 'object',
    description: 'why a transaction left the pending set without a block (recorded with the eviction; the frame stays stored)',
    required: ['reason', 'detail', 'height'],
    additionalProperties: false,
    properties: {
      reason: {
        type: 'string', enum: [...EVICTION_REASONS],
        description: "period_closed: its batch's settlement period closed; settlement_refused: the settlement rules refuse it against committed state; verdict_overtaken: a committed verdict revision overtook it; already_proven: another proof of its batch was committed first; superseded: a committed transaction of its submitter has a higher sequence",
      },
      detail: { type: 'string' },
      height: { ...U32, description: 'the committed height whose block caused it' },
    },
  },
  BatchProofTx: {
    type: 'object',
    description: 'a batch proof (schemas/batch-proof-tx.fbs): Groth16 proofs, one per chunk, of a batch\'s records (docs/proofs.md)',
    required: ['type', 'hash', 'status', 'signer', 'sequence', 'batch', 'circuitId', 'circuitVersion', 'chunkRecords', 'chunks', 'signature', 'sizeBytes'],
    additionalProperties: false,
    properties: {
      type: { const: 'batch_proof' },
      hash: HASH,
      status: TX_STATUS,
      eviction: ref('Eviction'),
      height: U32,
      index: COUNT,
      signer: PLMN,
      sequence: { ...U64, description: "the signer's batch proof sequence (a space apart from batches and contract transactions)" },
      batch: { ...HASH, description: 'the batch it proves' },
      circuitId: { type: 'string' },
      circuitVersion: U32,
      chunkRecords: COUNT,
      chunks: COUNT,
      signature: SIGNATURE,
      sizeBytes: COUNT,
    },
  },
  VerdictTx: {
    type: 'object',
    description: "a reconciliation verdict (schemas/verdict-tx.fbs): the pair's classification of a month's disputed events under the tolerances it agreed, signed by both operators (docs/privacy.md, P5)",
    required: ['type', 'hash', 'status', 'submitter', 'pair', 'period', 'revision', 'indexedHeight', 'counts', 'tolerances', 'resolutionsDigest', 'supersedes', 'signatures', 'sizeBytes'],
    additionalProperties: false,
    properties: {
      type: { const: 'verdict' },
      hash: HASH,
      status: TX_STATUS,
      eviction: ref('Eviction'),
      height: U32,
      index: COUNT,
      submitter: { ...PLMN, description: 'the operator of the pair that submitted it (both signed it)' },
      pair: { type: 'string', pattern: '^[0-9]{5,6}-[0-9]{5,6}$' },
      period: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$' },
      revision: { ...U32, description: '1, then one more per superseding verdict of the (pair, period)' },
      indexedHeight: { ...COUNT, description: 'the counts are those of the reconciliation index through this height' },
      counts: ref('VerdictCounts'),
      tolerances: ref('VerdictTolerances'),
      resolutionsDigest: { ...HASH, description: "SHA-256 over the disputed events' hashes and their resolutions (src/reconciliation/verdict.ts)" },
      supersedes: { oneOf: [HASH, { type: 'null' }], description: 'the verdict transaction it replaces' },
      signatures: { type: 'object', required: ['a', 'b'], additionalProperties: false, properties: { a: SIGNATURE, b: SIGNATURE } },
      sizeBytes: COUNT,
    },
  },
  VerdictCounts: {
    type: 'object',
    description: 'events of the (pair, period): matched; mismatched and accepted within the tolerances; mismatched beyond them (disputed); recorded by one side only',
    required: ['matched', 'accepted', 'disputed', 'onlyA', 'onlyB'],
    additionalProperties: false,
    properties: { matched: COUNT, accepted: COUNT, disputed: COUNT, onlyA: COUNT, onlyB: COUNT },
  },
  VerdictTolerances: {
    type: 'object',
    description: 'what the pair tolerates: duration (seconds), volume (bytes), charge (parts per million of the larger charge, or minor units, whichever allows more)',
    required: ['durationSec', 'volumeBytes', 'chargePpm', 'chargeMinor'],
    additionalProperties: false,
    properties: { durationSec: U32, volumeBytes: U64, chargePpm: { type: 'integer', minimum: 0, maximum: 1_000_000 }, chargeMinor: U64 },
  },
  PublicVerdict: {
    type: 'object',
    description: "what anyone learns of the pair's latest verdict: that both operators signed one, and its counts",
    required: ['hash', 'revision', 'status', 'counts'],
    additionalProperties: false,
    properties: { hash: HASH, revision: U32, status: RECORD_STATUS, height: U32, counts: ref('VerdictCounts') },
  },
  PairVerdict: {
    type: 'object',
    description: 'a verdict as the node recorded it, for the pair',
    required: ['txHash', 'revision', 'status', 'submitter', 'indexedHeight', 'matched', 'accepted', 'disputed', 'onlyA', 'onlyB', 'tolerances', 'resolutionsDigest', 'supersedes'],
    additionalProperties: false,
    properties: {
      txHash: HASH, revision: U32, status: RECORD_STATUS, height: U32, submitter: PLMN, indexedHeight: COUNT,
      matched: COUNT, accepted: COUNT, disputed: COUNT, onlyA: COUNT, onlyB: COUNT,
      tolerances: ref('VerdictTolerances'),
      resolutionsDigest: HASH,
      supersedes: { oneOf: [HASH, { type: 'null' }] },
    },
  },
  ReconciliationVerdict: {
    type: 'object',
    description: "the pair's latest verdict of a month in full, and how many revisions it has had",
    required: ['pair', 'period', 'a', 'b', 'verdict', 'revisions'],
    additionalProperties: false,
    properties: {
      pair: { type: 'string' }, period: { type: 'string' }, a: PLMN, b: PLMN,
      verdict: { oneOf: [ref('PairVerdict'), { type: 'null' }] },
      revisions: COUNT,
    },
  },
  SettlementTx: {
    type: 'object',
    description:
      'a settlement transaction (schemas/settlement-tx.fbs, docs/settlement.md): an FX rate set signed by the genesis rate publishers, ' +
      'a bilateral statement (a Pedersen commitment, never an amount) signed by both operators of a pair, ' +
      'a settlement proposal (T_k commitments, the settled volume and fee, signed by its proposer) or approvals of one (signers and their aggregate BLS signature); ' +
      'in a plain-mode consortium, plain statements (both gross amounts in the clear) and proposals with the plain transfers',
    required: ['type', 'hash', 'status', 'submitter', 'sequence', 'period', 'action', 'signature', 'sizeBytes'],
    additionalProperties: false,
    properties: {
      type: { const: 'settlement' },
      hash: HASH,
      status: TX_STATUS,
      eviction: ref('Eviction'),
      height: U32,
      index: COUNT,
      submitter: PLMN,
      sequence: { ...U64, description: "the submitter's settlement sequence (a space of its own)" },
      period: { type: 'string', description: 'the settlement period id, e.g. 2026-11' },
      action: { enum: ['fx_rate_set', 'statement', 'plain_statement', 'proposal', 'approval', 'disclosure'] },
      attempt: { ...COUNT, description: 'proposal: 1, then one more after each expiry' },
      deadline: { ...COUNT, description: 'proposal: the last block height at which approvals count' },
      settledVolume: { ...U64, description: 'proposal: minor units of the settlement currency (decimal), the clearing fee\'s base' },
      clearingFee: { ...U64, description: 'proposal: settledVolume · the clearing fee rate, rounded half to even' },
      operators: { type: 'array', items: PLMN, description: 'proposal: the involved operators (consortium order); approval: the signing operators' },
      transfers: { type: 'array', items: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: { type: 'string', pattern: '^[0-9a-f]{64}$' }, y: { type: 'string', pattern: '^[0-9a-f]{64}$' } } }, description: 'proposal: T_k of each involved operator (Baby Jubjub, affine, hex)' },
      plainTransfers: { ...PLAIN_TRANSFERS, description: 'plain-mode proposal: the netting contract\'s transfers (from pays to, minor units, decimal); transfers is then empty' },
      firstOwesSecond: { ...MINOR, description: 'plain_statement: what first owes second, minor units of the settlement currency (decimal)' },
      secondOwesFirst: { ...MINOR, description: 'plain_statement: what second owes first' },
      proposalId: { ...HASH, description: 'approval: the id (SHA-256 of the encoding) of the proposal approved' },
      validators: { type: 'array', items: PLMN, description: 'approval: the signing validators' },
      base: { type: 'string', description: 'fx_rate_set: the settlement currency the rates are quoted in' },
      rates: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9]+/[0-9]+$' }, description: 'fx_rate_set: per currency, major units of the base per major unit, as an exact fraction' },
      override: { type: 'boolean', description: 'fx_rate_set: an override of the move limit' },
      publishers: { type: 'array', items: COUNT, description: "fx_rate_set: the signing publishers' indices in the genesis list" },
      first: { ...PLMN, description: 'statement: the pair in consortium order' },
      second: PLMN,
      currency: { type: 'string', description: 'statement: the settlement currency' },
      commitment: {
        type: 'object', required: ['x', 'y'], additionalProperties: false, description: 'statement: the Baby Jubjub point (affine, hex)',
        properties: { x: { type: 'string', pattern: '^[0-9a-f]{64}$' }, y: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
      },
      signature: SIGNATURE,
      sizeBytes: COUNT,
    },
  },
  Tx: { oneOf: [ref('CdrBatchTx'), ref('ContractTx'), ref('BatchProofTx'), ref('VerdictTx'), ref('SettlementTx')] },
  SettlementPeriod: {
    type: 'object',
    description: 'a settlement period as anyone may see it (src/chain/settlement-view.ts): counts, never a pair or an amount (plain mode: the proposal\'s transfers)',
    required: ['period', 'start', 'end', 'closesAt', 'currency', 'conversionFee', 'mode', 'ended', 'closed', 'operators', 'pairs', 'statements', 'rateSet', 'netted', 'settlement'],
    additionalProperties: false,
    properties: {
      period: { type: 'string' },
      start: { type: 'string', description: 'ISO 8601, UTC' },
      end: { type: 'string', description: 'ISO 8601, UTC' },
      closesAt: { type: 'string', description: 'ISO 8601, UTC: end plus the genesis grace: the first block at or after it closes the period' },
      currency: { type: 'string', description: 'the settlement currency (ISO 4217) statements and transfers are in' },
      conversionFee: { type: 'string', pattern: '^[0-9]+/[0-9]+$', description: 'the consortium conversion fee rate as an exact fraction (genesis feeRate)' },
      mode: { enum: ['committed', 'plain'], description: 'the genesis settlement mode: committed (hidden bilateral amounts) or plain (amounts in the clear)' },
      ended: { type: 'boolean', description: 'at the committed head: statements are taken' },
      closed: { type: 'boolean', description: 'at the committed head: its records are refused (period_closed)' },
      operators: COUNT,
      pairs: { ...COUNT, description: 'pairs of the consortium: each may hold one statement' },
      statements: { ...COUNT, description: 'pairs holding a recorded statement' },
      rateSet: { type: 'boolean' },
      fx: {
        type: 'object', required: ['base', 'override', 'rates'], additionalProperties: false, description: 'the recorded FX rate set (present when rateSet): public',
        properties: {
          base: { type: 'string', description: 'the settlement currency the rates are quoted in' },
          override: { type: 'boolean', description: 'recorded as an override of the move limit' },
          rates: { type: 'object', additionalProperties: { type: 'string', pattern: '^[0-9]+/[0-9]+$' }, description: 'per currency, major units of the base per major unit, as an exact fraction' },
        },
      },
      netted: { type: 'boolean' },
      bank: {
        type: 'object', required: ['id', 'encryptionKey'], additionalProperties: false,
        description: 'the consortium settlement bank (genesis settlement.bank), when it names one: every involved operator seals its transfer opening to encryptionKey (X25519, HPKE)',
        properties: { id: U32, encryptionKey: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
      },
      settlement: {
        description: 'the approval at the committed head (docs/settlement.md, "Approval on chain"): none, proposed (signers so far), final (the fee split) or expired',
        oneOf: [
          { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { const: 'none' } } },
          {
            type: 'object', required: ['status', 'attempt', 'id', 'proposer', 'proposedAt', 'deadline', 'operators', 'votingPower', 'proposal'], additionalProperties: false,
            properties: {
              status: { const: 'proposed' }, attempt: COUNT, id: HASH, proposer: PLMN, proposedAt: COUNT, deadline: COUNT,
              operators: { type: 'object', required: ['signed', 'involved', 'missing'], additionalProperties: false, properties: { signed: COUNT, involved: COUNT, missing: { type: 'array', items: PLMN } } },
              votingPower: {
                type: 'object', required: ['signed', 'total', 'threshold'], additionalProperties: false, description: 'final needs more than threshold · total',
                properties: { signed: U64, total: U64, threshold: { type: 'string', pattern: '^[0-9]+/[0-9]+$' } },
              },
              proposal: PROPOSAL_VIEW,
            },
          },
          {
            type: 'object', required: ['status', 'attempt', 'id', 'finalAt', 'fees', 'proposal'], additionalProperties: false,
            properties: {
              status: { const: 'final' }, attempt: COUNT, id: HASH, finalAt: COUNT, proposal: PROPOSAL_VIEW,
              plainTransfers: { ...PLAIN_TRANSFERS, description: 'plain mode: the final transfers (from pays to, minor units; as in proposal.plainTransfers)' },
              fees: {
                type: 'object', required: ['fee', 'toProducers', 'toValidators', 'shares'], additionalProperties: false,
                description: 'the clearing fee (minor units, decimal): producers by blocks produced in the period, validators by voting power',
                properties: {
                  fee: U64, toProducers: U64, toValidators: U64,
                  shares: { type: 'array', items: { type: 'object', required: ['validator', 'amount'], additionalProperties: false, properties: { validator: PLMN, amount: U64 } } },
                },
              },
            },
          },
          { type: 'object', required: ['status', 'attempt', 'id', 'deadline', 'expiredAt', 'proposal'], additionalProperties: false, properties: { status: { const: 'expired' }, attempt: COUNT, id: HASH, deadline: COUNT, expiredAt: COUNT, proposal: PROPOSAL_VIEW } },
        ],
      },
    },
  },
  SettlementDisclosure: {
    type: 'object',
    description: "an involved operator's transfer opening (net_k, rho_k) of the period's current proposal, HPKE-sealed to the operator and to the settlement bank (src/chain/settlement-disclosure-state.ts; docs/settlement.md, \"Disclosure of transfer openings\"): the node holds ciphertexts only",
    required: ['period', 'operator', 'proposalId', 'attempt', 'transfer', 'settlement', 'toOperator', 'toBank'],
    additionalProperties: false,
    properties: {
      period: { type: 'string' },
      operator: PLMN,
      proposalId: HASH,
      attempt: COUNT,
      transfer: { type: 'object', required: ['x', 'y'], additionalProperties: false, description: 'T_k, the commitment the opening opens', properties: { x: { type: 'string', pattern: '^[0-9a-f]{64}$' }, y: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
      settlement: { enum: ['proposed', 'final', 'expired'] },
      toOperator: { type: 'string', pattern: '^[0-9a-f]{192}$', description: 'enc (32) ‖ AES-256-GCM ciphertext and tag (64), to the operator\'s genesis privacy key' },
      toBank: { type: 'string', pattern: '^[0-9a-f]{192}$', description: 'the same opening sealed to the settlement bank' },
    },
  },
  SettlementDraft: {
    type: 'object',
    description: 'the unsigned proposal the node\'s netting gives for a closed period (src/api/settlement-draft.ts): the proposer adds the settled volume and fee, signs it with BLS and submits it (POST /settle)',
    required: ['period', 'chain', 'currency', 'mode', 'operators', 'transfers', 'attempt', 'deadline', 'clearingFeeRate'],
    additionalProperties: false,
    properties: {
      period: { type: 'string' },
      chain: HASH,
      currency: { type: 'string' },
      mode: { enum: ['committed', 'plain'] },
      operators: { type: 'array', items: PLMN, description: 'the involved operators (party to a recorded statement), consortium order' },
      transfers: { type: 'array', items: { type: 'object', required: ['x', 'y'], additionalProperties: false, properties: { x: { type: 'string', pattern: '^[0-9a-f]{64}$' }, y: { type: 'string', pattern: '^[0-9a-f]{64}$' } } }, description: 'committed mode: N_k of each involved operator, the proposal\'s T_k (empty in plain mode)' },
      plainTransfers: { ...PLAIN_TRANSFERS, description: 'plain mode: the netting contract\'s at most n − 1 transfers (from pays to, minor units); the settled volume is their sum' },
      attempt: COUNT,
      deadline: { ...COUNT, description: 'a deadline height the chain takes' },
      clearingFeeRate: { type: 'string', pattern: '^[0-9]+/[0-9]+$' },
    },
  },  Receipt: {
    type: 'object',
    description: "a contract transaction's receipt, written when its block is committed",
    required: ['hash', 'status', 'statusName', 'gasUsed', 'output', 'events', 'height', 'index'],
    additionalProperties: false,
    properties: {
      hash: HASH,
      status: { ...COUNT, description: '0: success; VM status codes otherwise (docs/vm.md)' },
      statusName: { type: 'string', description: 'success, revert, out_of_gas, …, invalid_code, no_contract, execution_fault' },
      gasUsed: U64,
      output: { ...HEX, description: 'RETURN data, the revert reason, or (deploy) the contract id' },
      events: {
        type: 'array',
        items: {
          type: 'object', required: ['topics', 'data'], additionalProperties: false,
          properties: { topics: { type: 'array', maxItems: 4, items: HASH }, data: HEX },
        },
      },
      height: U32,
      index: COUNT,
    },
  },
  ConsensusPolicy: {
    type: 'object',
    description: "the consensus timings and limits the genesis sets (validator.json may tighten the local timings)",
    required: [
      'blocksPerBatch', 'batchesPerEpoch', 'producerTimeoutMs', 'minBlockSeparationMs', 'emptyBlockIntervalMs', 'tendermintTimeoutInitMs', 'tendermintTimeoutDeltaMs',
      'rebroadcastIntervalMs', 'maxTimestampDriftMs', 'maxRoundsAhead', 'maxBlocksAhead', 'maxOrphanBlocks', 'maxBlockTxs', 'maxForkProofsPerBlock',
    ],
    additionalProperties: false,
    properties: {
      blocksPerBatch: COUNT, batchesPerEpoch: COUNT, producerTimeoutMs: COUNT, minBlockSeparationMs: COUNT, emptyBlockIntervalMs: COUNT,
      tendermintTimeoutInitMs: COUNT, tendermintTimeoutDeltaMs: COUNT, rebroadcastIntervalMs: COUNT, maxTimestampDriftMs: COUNT,
      maxRoundsAhead: COUNT, maxBlocksAhead: COUNT, maxOrphanBlocks: COUNT, maxBlockTxs: COUNT, maxForkProofsPerBlock: COUNT,
    },
  },
  ConsensusStatus: {
    type: 'object',
    description: "a validator's view of consensus (docs/consensus.md)",
    required: ['self', 'validators', 'head', 'final', 'batch', 'epoch', 'nextMacroHeight', 'macroRound', 'policy', 'peers'],
    additionalProperties: false,
    properties: {
      self: { ...PLMN, description: 'this validator' },
      validators: {
        type: 'array',
        items: {
          type: 'object', required: ['plmn', 'power', 'blsKey', 'connected'], additionalProperties: false,
          properties: {
            plmn: PLMN,
            power: COUNT,
            blsKey: { type: 'string', pattern: '^[0-9a-f]{96}$', description: 'its BLS12-381 public key (G1, compressed: 48 bytes, hex)' },
            connected: { type: 'boolean', description: 'self, or a peer with a live TLS connection' },
            score: { type: 'number', description: "peers only: this node's score of the peer" },
          },
        },
      },
      head: { type: 'object', required: ['height', 'hash', 'kind'], additionalProperties: false, properties: { height: U32, hash: HASH, kind: BLOCK_KIND } },
      final: { type: 'object', required: ['height', 'hash'], additionalProperties: false, properties: { height: U32, hash: HASH } },
      batch: { ...COUNT, description: 'head height / blocksPerBatch' },
      epoch: COUNT,
      nextMacroHeight: U32,
      macroRound: { type: 'integer', minimum: -1, description: 'the Tendermint round of the macro block under way (-1: none started yet)' },
      policy: ref('ConsensusPolicy'),
      peers: {
        type: 'array',
        items: {
          type: 'object', required: ['plmn', 'outbound', 'remote', 'pendingOutboundBytes'], additionalProperties: false,
          properties: { plmn: PLMN, outbound: { type: 'boolean' }, remote: { type: 'string', description: 'host:port' }, pendingOutboundBytes: COUNT },
        },
      },
    },
  },
  ReconciliationCounts: {
    type: 'object',
    description: "exact reconciliation counts of a (pair, period), classified through block indexedHeight: every event is matched, mismatched, or seen by one side only",
    required: ['pair', 'period', 'a', 'b', 'indexedHeight', 'events', 'matched', 'mismatched', 'onlyA', 'onlyB', 'matchRate', 'records', 'duplicates', 'verdict'],
    additionalProperties: false,
    properties: {
      ...RECONCILIATION_HEAD,
      events: COUNT, matched: COUNT, mismatched: COUNT, onlyA: COUNT, onlyB: COUNT,
      matchRate: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'matched / events (6 decimals); null while there is no event' },
      records: SIDES, duplicates: SIDES,
      verdict: { oneOf: [ref('PublicVerdict'), { type: 'null' }], description: "the pair's latest signed verdict (counts only), or null" },
    },
  },
  ReconciliationDisputes: {
    type: 'object',
    description: 'one page of the disputed events of a (pair, period): mismatched first, then only A, then only B; by event hash within a class',
    required: ['pair', 'period', 'a', 'b', 'indexedHeight', 'total', 'limit', 'disputes', 'next'],
    additionalProperties: false,
    properties: {
      ...RECONCILIATION_HEAD,
      total: COUNT, limit: COUNT,
      offset: { ...COUNT, description: 'the offset asked for (offset paging)' },
      after: { ...DISPUTE_CURSOR, description: 'the cursor asked for (cursor paging)' },
      next: { oneOf: [DISPUTE_CURSOR, { type: 'null' }], description: "the next page's cursor (`after=`) when this page is full, else null (the last page may then be empty)" },
      disputes: {
        type: 'array',
        items: {
          type: 'object', required: ['eventHash', 'class', 'a', 'b'], additionalProperties: false,
          properties: { eventHash: HASH, class: { type: 'string', enum: ['mismatched', 'only_a', 'only_b'] }, a: RECORD_LOCATOR, b: RECORD_LOCATOR },
        },
      },
    },
  },
  BatchJson: {
    type: 'object',
    description: 'a signed batch as JSON (src/codec/batch-json.ts): the same fields as the flatbuffer; 64-bit fields may also be JSON integers up to 2^53-1',
    required: ['header', 'records', 'signature'],
    additionalProperties: false,
    properties: {
      header: { type: 'object', required: BATCH_HEADER_REQUIRED, additionalProperties: false, properties: BATCH_HEADER_PROPERTIES },
      records: { type: 'array', items: ref('PublicRecord') },
      signature: SIGNATURE,
    },
  },
  CdrAccepted: {
    type: 'object', required: ['status', 'batchId', 'sequence'], additionalProperties: false,
    properties: { status: { const: 'accepted' }, batchId: HASH, sequence: U64 },
  },
  TxAccepted: {
    type: 'object', required: ['status', 'hash', 'sequence'], additionalProperties: false,
    properties: { status: { const: 'accepted' }, hash: HASH, sequence: U64 },
  },
  // WS /events frames (docs/websocket.md): one JSON text frame per event.
  BatchAcceptedEvent: {
    type: 'object', description: 'topic batches: a batch was admitted here (durable)',
    required: ['type', 'id', 'submitter', 'counterparty', 'sequence', 'cdrCount'], additionalProperties: false,
    properties: { type: { const: 'batch_accepted' }, id: HASH, submitter: PLMN, counterparty: PLMN, sequence: U64, cdrCount: COUNT },
  },
  BlockConfirmedEvent: {
    type: 'object', description: "topic blocks, validators only: a block joined the head's branch (not final yet)",
    required: ['type', 'height', 'hash', 'txCount', 'cdrCount', 'txIds'], additionalProperties: false,
    properties: { type: { const: 'block_confirmed' }, height: U32, hash: HASH, txCount: COUNT, cdrCount: COUNT, txIds: { type: 'array', items: HASH } },
  },
  BlockCommittedEvent: {
    type: 'object', description: 'topic blocks: a block is durable here (with consensus: final)',
    required: ['type', 'height', 'hash', 'timestampMs', 'txCount', 'cdrCount', 'commitMs', 'txIds'], additionalProperties: false,
    properties: {
      type: { const: 'block_committed' }, height: U32, hash: HASH, timestampMs: U64, txCount: COUNT, cdrCount: COUNT,
      commitMs: { type: 'number', minimum: 0, description: 'time to commit it here, ms (three decimals)' },
      txIds: { type: 'array', items: HASH },
    },
  },
  ContractTxAcceptedEvent: {
    type: 'object', description: 'topic contracts: a contract transaction was admitted here',
    required: ['type', 'id', 'kind', 'sender', 'sequence'], additionalProperties: false,
    properties: { type: { const: 'contract_tx_accepted' }, id: HASH, kind: { type: 'string', enum: ['deploy', 'call'] }, sender: PLMN, sequence: U64 },
  },
  ContractReceiptEvent: {
    type: 'object', description: 'topic contracts: a contract transaction was executed in a committed block',
    required: ['type', 'id', 'height', 'index', 'status', 'statusName', 'gasUsed'], additionalProperties: false,
    properties: { type: { const: 'contract_receipt' }, id: HASH, height: U32, index: COUNT, status: COUNT, statusName: { type: 'string' }, gasUsed: U64 },
  },
  Event: {
    description: 'one WS /events frame',
    oneOf: [ref('BatchAcceptedEvent'), ref('BlockConfirmedEvent'), ref('BlockCommittedEvent'), ref('ContractTxAcceptedEvent'), ref('ContractReceiptEvent')],
  },
} as const;

const EXPLORER_ASSET_TYPES = {
  'text/javascript': { schema: { type: 'string' } },
  'text/css': { schema: { type: 'string' } },
  'text/html': { schema: { type: 'string' } },
  'image/svg+xml': { schema: { type: 'string' } },
  'application/json': { schema: { description: 'source maps, build.json' } },
  'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } },
} as const;

const explorerIndex = (operationId: string, summary: string, key: 'GET /' | 'GET /explorer') =>
  ({
    get: {
      operationId, summary, tags: ['explorer'], ...access(key),
      description: 'The explorer web page (dist/explorer/index.html), revalidated by ETag; brotli or gzip when the client takes them.',
      parameters: [ifNoneMatch],
      responses: {
        '200': { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } },
        '304': { description: 'unchanged since the ETag given in If-None-Match' },
        '503': errorResponse('the explorer is not built (`npm run build:explorer`)', ['explorer_not_built']),
      },
    },
  }) as const;

const SETTLE_422 = ['period_open', 'proposal_expired', 'bad_netting_input', 'wrong_mode', 'bad_opening', 'no_settlement_bank'] as const;
const SETTLE_409 = ['already_settled', 'proposal_pending', 'no_proposal', 'duplicate_approval', 'duplicate_disclosure'] as const;

const submitErrors = <const C401 extends readonly string[], const C422 extends readonly string[]>(what: string, c401: C401, c422: C422, c409: readonly string[], c403: readonly string[] = []) =>
  ({
    '400': errorResponse(`${what} cannot be read, or its body is not its content-length`, REJECTED_400),
    '401': errorResponse(
      "the frame's signature does not verify for this chain (`genesisHash`: bad_signature), or, with operator authentication, the request's (AUTH codes, and bad_signature when the body is not its content-digest)",
      [...new Set([...c401, ...AUTH_401_CODES])],
    ),
    '403': errorResponse("the signer is not an operator of this consortium (unknown_operator), the request is signed by another operator than the frame's (forbidden), or a settlement statement's submitter is outside its pair (not_party)", ['unknown_operator', 'forbidden', ...c403]),
    '409': errorResponse('already seen: its sequence (replay), a record (duplicate_record), or, for a batch proof, its batch is already proven (replay); for a verdict, the same verdict (replay) or not the next revision of the latest (verdict_conflict); for a settlement statement, its pair and period (duplicate_statement) or its netted period (already_netted)', c409),
    '411': errorResponse('no content-length header', ['length_required']),
    '413': errorResponse('larger than the node takes (the API limit, or the frame limits)', ['too_large']),
    '415': errorResponse('wrong content-type', ['unsupported_media_type']),
    '422': errorResponse("a field outside its limits (period, sequence jump, gas) or hashes that do not match the records; for a verdict, counts that are not the node's (counts_mismatch)", c422),
    '500': INTERNAL,
    '503': errorResponse('busy (too many uploads at once, or the in-flight budget is spent: retry) or the disk takes no writes (storage_full: retry later)', ['busy', 'storage_full']),
  }) as const;

const PATHS = {
  '/status': {
    get: {
      operationId: 'getStatus', ...access('GET /status'), summary: "the node's status", tags: ['chain'],
      responses: { '200': json('the status', ref('Status')), '500': INTERNAL },
    },
  },
  '/health/live': {
    get: {
      operationId: 'getHealthLive', ...access('GET /health/live'), summary: 'liveness probe: 200 while the process serves', tags: ['operations'],
      responses: { '200': json('live', ref('HealthLive')) },
    },
  },
  '/health/ready': {
    get: {
      operationId: 'getHealthReady', ...access('GET /health/ready'), summary: 'readiness probe: send it work?', tags: ['operations'],
      description: 'Ready when storage takes writes, the workers are up, block commits are not failing and admission is not shedding.',
      responses: { '200': json('ready', ref('HealthReady')), '503': json('not ready: the failing `checks` (and, for storage, the reason)', ref('HealthReady')), '500': INTERNAL },
    },
  },
  '/operators/{plmn}': {
    get: {
      operationId: 'getOperator', ...access('GET /operators/{plmn}'), summary: "an operator and the sequences it has had accepted here", tags: ['chain'],
      parameters: [plmnParam],
      responses: {
        '200': json('the operator', ref('Operator')), '400': BAD_PARAMETER, '401': UNAUTHENTICATED,
        '403': errorResponse('signed by another operator: each reads its own sequences only', ['forbidden']),
        '404': NOT_FOUND('such operator in the genesis'), '500': INTERNAL, '503': SIGNED_BUSY,
      },
    },
  },
  '/blocks': {
    get: {
      operationId: 'listBlocks', ...access('GET /blocks'), summary: 'block headers, newest first', tags: ['chain'],
      parameters: [
        { name: 'from', in: 'query', description: 'the newest height of the page (default: the head)', schema: U32 },
        { name: 'limit', in: 'query', description: 'headers in the page (default 20, at most 100)', schema: U32 },
      ],
      responses: { '200': json('a page of headers', ref('BlockPage')), '400': BAD_PARAMETER, '500': INTERNAL },
    },
  },
  '/blocks/{height}': {
    get: {
      operationId: 'getBlock', ...access('GET /blocks/{height}'), summary: 'one block with its transaction ids', tags: ['chain'],
      parameters: [{ name: 'height', in: 'path', required: true, schema: U32 }],
      responses: { '200': json('the block', ref('Block')), '400': BAD_PARAMETER, '404': NOT_FOUND('block at that height'), '500': INTERNAL },
    },
  },
  '/batch/{id}': {
    get: {
      operationId: 'getBatch', ...access('GET /batch/{id}'), summary: 'a batch: pending or committed, its signed header, optionally a page of its records', tags: ['chain'],
      description: 'Records are streamed in pieces so a large page does not hold the event loop.',
      parameters: [hashParam('id', 'the batch id (hex)'), ...recordsParams],
      responses: {
        '200': json('the batch', ref('Batch')),
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '404': NOT_FOUND("batch with that id (or none the caller may read: another pair's batch answers the same)"),
        '410': errorResponse("records asked of a batch whose records retention pruned (ask without ?records=1 for its header)", ['records_pruned']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/batch/{id}/sealed': {
    get: {
      operationId: 'getBatchSealed', ...access('GET /batch/{id}/sealed'), summary: "a batch's sealed section: its encrypted payloads and key wraps", tags: ['chain'],
      description: 'The bytes of a `SealedSection` flatbuffer (schemas/sealed.fbs, identifier `CDRS`) as the submitter sent them; `cdrchain open` unwraps and decrypts them with the reader\'s X25519 key. Every validator stores them and none can read them (docs/privacy.md).',
      parameters: [hashParam('id', 'the batch id (hex)')],
      responses: {
        '200': { description: 'the sealed section', content: { 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } } },
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '404': NOT_FOUND("sealed section for that id: an unknown batch, a batch never sealed, or another pair's batch (all answer the same; a third operator gets this for a pruned section too)"),
        '410': errorResponse("the batch's pair only: retention pruned its sealed section (the `payloads` kind); its header stays readable", ['pruned']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/txns/{hash}': {
    get: {
      operationId: 'getTx', ...access('GET /txns/{hash}'), summary: 'any transaction: a batch (`cdr_batch`) or a contract deploy or call', tags: ['chain'],
      parameters: [hashParam('hash', 'the transaction hash (a batch: its id)'), ...recordsParams],
      responses: {
        '200': json('the transaction', ref('Tx')),
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '404': NOT_FOUND('transaction with that hash (or none the caller may read)'),
        '410': errorResponse('records asked of a batch whose records retention pruned', ['records_pruned']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/receipts/{hash}': {
    get: {
      operationId: 'getReceipt', ...access('GET /receipts/{hash}'), summary: "a contract transaction's receipt", tags: ['chain'],
      parameters: [hashParam('hash', 'the contract transaction hash')],
      responses: {
        '200': json('the receipt', ref('Receipt')), '400': BAD_PARAMETER, '401': UNAUTHENTICATED,
        '404': NOT_FOUND("receipt: unknown, not executed yet, or another operator's"), '500': INTERNAL, '503': SIGNED_BUSY,
      },
    },
  },
  '/consensus': {
    get: {
      operationId: 'getConsensus', ...access('GET /consensus'), summary: "a validator's view of consensus", tags: ['chain'],
      responses: {
        '200': json('validators, head, last final block, batch, epoch, round, policy, peers', ref('ConsensusStatus')),
        '401': UNAUTHENTICATED,
        '404': errorResponse('this node runs alone (--solo): it has no consensus to show', ['not_a_validator']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'getMetrics', ...access('GET /metrics'), summary: 'Prometheus metrics (text exposition format 0.0.4)', tags: ['operations'],
      description: 'The series are listed in the README (API, /metrics) and src/metrics/.',
      responses: {
        '200': { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        '500': INTERNAL,
      },
    },
  },
  '/cdr': {
    post: {
      operationId: 'submitCdrBatch', ...access('POST /cdr'), summary: 'submit a signed batch as JSON (small submitters)', tags: ['submit'],
      description:
        'The same checks as a frame on WS /ingest. The body needs a content-length (at most 4 MiB by default, refused before anything is buffered); ' +
        'at most 16 bodies (POST /cdr and POST /tx together) and 32 MiB of declared length are received at once. 202 means durable (README: What an Ack promises).',
      requestBody: { required: true, content: { 'application/json': { schema: ref('BatchJson') } } },
      responses: {
        '202': json('accepted: durable here (on a validator, and relayed)', ref('CdrAccepted')),
        ...submitErrors('the JSON or the batch', ['bad_signature'], ['bad_merkle_root', 'bad_records_digest', 'out_of_range', 'bad_sealed_section', 'bad_payload_hash', 'sealed_required', 'period_closed'], ['replay', 'duplicate_record']),
      },
    },
  },
  '/tx': {
    post: {
      operationId: 'submitContractTx', ...access('POST /tx'), summary: 'submit a signed contract deploy or call (schemas/contract-tx.fbs), batch proof (schemas/batch-proof-tx.fbs), verdict (schemas/verdict-tx.fbs) or settlement (schemas/settlement-tx.fbs) frame', tags: ['submit'],
      description:
        'src/client/contract-tx.ts signs contract transactions; executed in block order with per-transaction and per-block gas limits (docs/vm.md). ' +
        'src/client/batch-proof-tx.ts signs batch proofs (`cdrchain prove`): verified on the worker pool against the genesis key of their circuit, the batch then shows `proven` (docs/proofs.md). ' +
        "src/reconciliation/verdict.ts makes verdicts (`cdrchain reconcile --verdict`, `--cosign`): both operators of the pair sign; the counts must be the node's when its index has the verdict's height (docs/privacy.md). " +
        'src/client/settlement-tx.ts signs settlement transactions: FX rate sets (the genesis rate publishers\' BLS signatures) and bilateral statements (both operators\' BLS signatures over a Pedersen commitment), docs/settlement.md.',
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
      responses: {
        '202': json('accepted: durable here', ref('TxAccepted')),
        ...submitErrors('the frame', ['bad_signature'], ['out_of_range', 'unknown_circuit', 'bad_proof', 'counts_mismatch', 'bad_commitment', 'period_not_ended', 'rate_move_too_large', 'bad_rate', 'bad_amount', 'missing_link_proof', 'bad_link_proof', ...SETTLE_422], ['replay', 'verdict_conflict', 'already_netted', 'duplicate_statement', ...SETTLE_409], ['not_party', 'not_a_party']),
        '404': errorResponse("a batch proof names no batch stored here, or one of another pair than the signer's (the same answer: it does not tell which)", ['unknown_batch']),
      },
    },
  },
  '/settle': {
    post: {
      operationId: 'submitSettlement', ...access('POST /settle'), summary: 'propose or approve a period\'s settlement, or disclose a transfer opening: a signed settlement transaction frame (schemas/settlement-tx.fbs) carrying a proposal, an approval or a disclosure', tags: ['settlement'],
      description:
        'The proposal is GET /settlement/{period}/draft signed with the proposer\'s BLS key (the settled volume and fee added), as `cdrchain settle PERIOD` does; ' +
        'approvals name the proposal\'s id and carry the signers\' aggregate BLS signature. Admission applies the rules of the next block (docs/settlement.md, "Approval on chain"); ' +
        'validators approve on their own when their netting agrees. POST /tx takes the same frames.',
      requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
      responses: {
        '202': json('accepted: durable here', ref('TxAccepted')),
        ...submitErrors('the frame (a settlement transaction with a proposal, an approval or a disclosure: malformed otherwise)', ['bad_signature'], ['out_of_range', ...SETTLE_422], ['replay', ...SETTLE_409], ['not_a_party']),
      },
    },
  },
  '/ingest': {
    get: {
      operationId: 'openIngest', ...access('GET /ingest'), summary: 'WebSocket: binary batch, contract and batch proof transaction frames in, IngestReply frames out', tags: ['streams'],
      description:
        'Frames and close codes: docs/websocket.md (schemas/batch.fbs, schemas/contract-tx.fbs in; schemas/ingest.fbs out). ' +
        "With operator authentication the upgrade is signed (401 otherwise) and the connection takes the signer's own frames only: another submitter's frame is answered Nack unknown_operator.",
      'x-websocket': { in: ['schemas/batch.fbs (CDRB)', 'schemas/contract-tx.fbs (CDRC)', 'schemas/batch-proof-tx.fbs (CDRZ)', 'schemas/verdict-tx.fbs (CDRR)', 'schemas/settlement-tx.fbs (CDRX)'], out: 'schemas/ingest.fbs (CDRI)', doc: 'docs/websocket.md' },
      responses: { '101': { description: 'upgraded to a WebSocket' }, '401': UNAUTHENTICATED, '404': NOT_A_WEBSOCKET, '503': BUSY_UPGRADE },
    },
  },
  '/events': {
    get: {
      operationId: 'openEvents', ...access('GET /events'), summary: 'WebSocket: chain events as JSON text frames', tags: ['streams'],
      description:
        'One-way: a frame from the client closes the socket (1003). A subscriber that falls 256 KiB behind is dropped. Frames: docs/websocket.md. ' +
        'With operator authentication, an unsigned subscriber gets the block frames only; a signed upgrade adds the batch_accepted frames of batches its operator ' +
        'submitted or is the counterparty of, and the contract frames of its own transactions (401 for a signature the node refuses).',
      parameters: [
        { name: 'topics', in: 'query', description: 'comma-separated, of batches, blocks, contracts (default: all); unknown ones are ignored', schema: { type: 'string' } },
      ],
      'x-websocket': { out: ref('Event'), doc: 'docs/websocket.md' },
      responses: { '101': { description: 'upgraded to a WebSocket' }, '401': UNAUTHENTICATED, '404': NOT_A_WEBSOCKET, '503': BUSY_UPGRADE },
    },
  },
  '/reconciliation/{pair}/{period}': {
    get: {
      operationId: 'getReconciliationCounts', ...access('GET /reconciliation/{pair}/{period}'), summary: 'exact reconciliation counts of an operator pair in a month (public)', tags: ['reconciliation'],
      description: 'A pair or period nobody submitted for answers zero counts: counts are public, and "nothing yet" is a count like any other.',
      parameters: reconciliationParams,
      responses: { '200': json('the counts', ref('ReconciliationCounts')), '400': BAD_PARAMETER, '404': NOT_AVAILABLE, '500': INTERNAL },
    },
  },
  '/settlement/{period}': {
    get: {
      operationId: 'getSettlementPeriod', ...access('GET /settlement/{period}'), summary: 'a settlement period at the committed head: counts only (public)', tags: ['settlement'],
      description:
        'Its dates (end, close = end + the genesis grace), whether the committed head has ended or closed it, how many of the consortium\'s pairs hold a bilateral statement, ' +
        'whether it has its FX rate set and whether it is netted (docs/settlement.md). Never which pair, nor an amount.',
      parameters: [{ name: 'period', in: 'path', required: true, description: 'a period id of the consortium\'s rule, e.g. 2026-11 (monthly) or 2026-11-30+7d', schema: { type: 'string' } }],
      responses: { '200': json('the period', ref('SettlementPeriod')), '400': BAD_PARAMETER, '500': INTERNAL },
    },
  },
  '/proofs/aggregate/{submitter}/{counterparty}/{period}': {
    get: {
      operationId: 'getChargeAggregate', ...access('GET /proofs/aggregate/{submitter}/{counterparty}/{period}'), summary: "the committed charge aggregate of a pair's proven batches in a settlement period (public: a commitment)", tags: ['proofs'],
      description:
        "Every batch proof a block commits adds its chunks' Pedersen charge commitments to the aggregate of its batch's (submitter → counterparty, settlement period), in the state root. " +
        'The submitter (and its counterparty) opens it from the chunks\' totals and salts (src/proofs/charge-aggregate.ts); a later link proof ties a bilateral statement to it (docs/proofs.md §7).',
      parameters: [
        { name: 'submitter', in: 'path', required: true, schema: PLMN },
        { name: 'counterparty', in: 'path', required: true, schema: PLMN },
        { name: 'period', in: 'path', required: true, description: "a period id of the consortium's rule, e.g. 2026-11", schema: { type: 'string' } },
      ],
      responses: { '200': json('the aggregate', ref('ChargeAggregate')), '400': BAD_PARAMETER, '404': errorResponse('no batch of this pair and period is proven (yet)', ['not_found']), '500': INTERNAL },
    },
  },
  '/settlement/{period}/draft': {
    get: {
      operationId: 'getSettlementDraft', ...access('GET /settlement/{period}/draft'), summary: 'the unsigned settlement proposal of a closed period, from the node\'s own netting (public: commitments only)', tags: ['settlement'],
      description:
        'The netting contract run read-only over the period\'s recorded statements (a pair without one counts as the identity commitment): the involved operators, N_k of each, ' +
        'the next attempt and a deadline. Refused while the period is open (period_open, 422), settled (already_settled, 409), has a live proposal (proposal_pending, 409) or has no statement (bad_netting_input, 422).',
      parameters: [{ name: 'period', in: 'path', required: true, description: 'a period id of the consortium\'s rule', schema: { type: 'string' } }],
      responses: {
        '200': json('the draft', ref('SettlementDraft')),
        '400': BAD_PARAMETER,
        '409': errorResponse('settled, or a proposal awaits approval', ['already_settled', 'proposal_pending']),
        '422': errorResponse('the period is open, has no statement, or its statements do not net', ['period_open', 'bad_netting_input', 'not_a_party']),
        '404': errorResponse('this node drafts no settlements', ['not_found']),
        '500': INTERNAL,
      },
    },
  },
  '/settlement/{period}/disclosures/{plmn}': {
    get: {
      operationId: 'getSettlementDisclosure', ...access('GET /settlement/{period}/disclosures/{plmn}'), summary: "an involved operator's sealed transfer opening (the operator and the settlement bank only)", tags: ['settlement'],
      description:
        'Posted by the operator with a disclosure settlement transaction (POST /settle) for the live or final proposal; the chain checked its proof of an opening of T_k. ' +
        'The bank signs its requests as plmn:<bank id> with its genesis request key. 404 when the operator has disclosed nothing for the current proposal.',
      parameters: [
        { name: 'period', in: 'path', required: true, description: 'a period id of the consortium\'s rule', schema: { type: 'string' } },
        { name: 'plmn', in: 'path', required: true, description: 'the involved operator', schema: U32 },
      ],
      responses: {
        '200': json('the sealed opening', ref('SettlementDisclosure')),
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '403': errorResponse('an operator other than the one named (or anyone but the settlement bank)', ['forbidden']),
        '404': errorResponse('no disclosure of the current proposal by this operator', ['not_found']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/reconciliation/{pair}/{period}/disputes': {
    get: {
      operationId: 'listReconciliationDisputes', ...access('GET /reconciliation/{pair}/{period}/disputes'), summary: "the pair's disputed events in a month (the two operators only)", tags: ['reconciliation'],
      description:
        'Readable by the two operators of the pair: a request signed by one of them, when the node authenticates operators; without authentication, ' +
        'anyone on a devnet or --solo node (INSECURE, development only) and nobody (401) elsewhere.',
      parameters: [
        ...reconciliationParams,
        { name: 'offset', in: 'query', description: 'first dispute of the page (default 0); a deep offset walks every dispute before it', schema: U32 },
        { name: 'after', in: 'query', description: "a page's `next`: the page after it (each page a seek, however deep); not with offset", schema: DISPUTE_CURSOR },
        { name: 'limit', in: 'query', description: 'disputes in the page: 1..1000 (default 100)', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      ],
      responses: {
        '200': json('a page of disputes', ref('ReconciliationDisputes')),
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '403': errorResponse('an operator outside the pair', ['forbidden']),
        '404': NOT_AVAILABLE,
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/reconciliation/{pair}/{period}/verdict': {
    get: {
      operationId: 'getReconciliationVerdict', ...access('GET /reconciliation/{pair}/{period}/verdict'), summary: "the pair's signed verdict of a month in full (the two operators only)", tags: ['reconciliation'],
      description: 'The latest revision, with its tolerances and resolutions digest; GET /reconciliation/{pair}/{period} shows its counts to anyone. Who may read it: as for the disputes.',
      parameters: reconciliationParams,
      responses: {
        '200': json('the latest verdict (null: none yet)', ref('ReconciliationVerdict')),
        '400': BAD_PARAMETER,
        '401': UNAUTHENTICATED,
        '403': errorResponse('an operator outside the pair', ['forbidden']),
        '500': INTERNAL,
        '503': SIGNED_BUSY,
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'getOpenApi', ...access('GET /openapi.json'), summary: 'this document', tags: ['operations'],
      responses: { '200': json('the OpenAPI 3.1 document (docs/openapi.json)', { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } } }) },
    },
  },
  '/': explorerIndex('getExplorer', 'the explorer web page', 'GET /'),
  '/explorer': explorerIndex('getExplorerIndex', 'the explorer web page (same as /)', 'GET /explorer'),
  '/explorer/{asset}': {
    get: {
      operationId: 'getExplorerAsset', ...access('GET /explorer/{asset}'), summary: "the explorer's assets", tags: ['explorer'],
      description: 'Content-hashed names are cached for a year (immutable); others revalidate by ETag. Brotli or gzip copies when the client takes them.',
      parameters: [
        { name: 'asset', in: 'path', required: true, description: 'a path under dist/explorer (may contain /; no dot-files, no ..)', schema: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$' } },
        ifNoneMatch,
      ],
      responses: {
        '200': { description: 'the file', content: EXPLORER_ASSET_TYPES },
        '304': { description: 'unchanged since the ETag given in If-None-Match' },
        '404': errorResponse('no such asset', ['not_found']),
        '503': errorResponse('the explorer is not built (asked for index.html)', ['explorer_not_built']),
      },
    },
  },
} as const;

/** The OpenAPI 3.1 document of the node's HTTP API. */
export const NODE_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'cdrchain node API',
    version: NODE_API_VERSION,
    description:
      'The HTTP and WebSocket API of a cdrchain node (README: API). Hashes are lower-case hex; 64-bit numbers are decimal strings. ' +
      'Errors are `{error, message}` JSON with a stable `error` code. Any other path or method answers 404 `not_found` ("no such endpoint"). ' +
      'WebSocket frames (WS /ingest, WS /events): docs/websocket.md. ' +
      'Every operation declares its audience (`x-audience`: public, operator, pair, consortium; src/api/endpoint-audiences.ts). A node with `api.auth: signatures` ' +
      'serves the non-public ones only to requests an operator signed (securitySchemes.operatorSignature, RFC 9421), and only that operator\'s own or its pair\'s data; ' +
      'an open node (`api.auth: open`, the devnet default: INSECURE) serves everything to anyone.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  tags: [
    { name: 'chain', description: 'blocks, batches, transactions, receipts, operators, consensus' },
    { name: 'submit', description: 'signed batches and contract transactions over HTTP' },
    { name: 'reconciliation', description: 'per operator pair and month: counts (public), disputes and signed verdicts (the pair)' },
    { name: 'settlement', description: 'settlement periods: counts of statements, rate sets, netting (public; docs/settlement.md)' },
    { name: 'streams', description: 'WebSocket ingest and events' },
    { name: 'operations', description: 'health, metrics, this document' },
    { name: 'explorer', description: 'the explorer web page and its assets' },
  ],
  paths: PATHS,
  components: {
    schemas: SCHEMAS,
    securitySchemes: {
      operatorSignature: {
        type: 'apiKey', in: 'header', name: 'Signature',
        description:
          'HTTP Message Signatures (RFC 9421) by an operator: `Signature-Input` and `Signature` headers, algorithm ed25519 with the operator\'s batch key ' +
          '(genesis), keyid `plmn:<PLMN id>`, tag `cdrchain`; covering @method, @authority, @path, @query and, with a body, content-digest (RFC 9530, sha-256 or sha-512); ' +
          '`created` within ±300 s of the node\'s clock; each signature accepted once (sign every request, with a nonce). src/client/request-signer.ts signs; src/api/auth/ verifies.',
        'x-rfc9421': {
          alg: 'ed25519', keyid: 'plmn:<PLMN id>', tag: 'cdrchain', covered: ['@method', '@authority', '@path', '@query'], bodyCovered: 'content-digest',
          params: { required: ['created', 'keyid', 'tag'], optional: ['alg', 'nonce', 'expires'] }, maxSkewSeconds: 300,
        },
      },
    },
  },
} as const;

/** The document as served and as written to docs/openapi.json (two-space indent, final newline). */
export const NODE_OPENAPI_JSON = `${JSON.stringify(NODE_OPENAPI, null, 2)}\n`;
