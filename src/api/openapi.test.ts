import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { RejectCode, ReplyKind, rejectCodeName } from '../codec/ingest-reply.js';
import type { BatchView, ContractTxView } from '../chain/queries.js';
import type { Batch, ContractTxBody, NodeStatus as ClientStatus, Receipt } from '../client/node-api-client.js';
import type { StoredReceipt } from '../storage/index.js';
import { findPackageRoot } from '../wasm/load.js';
import { EVENT_TOPICS } from './events.js';
import { INGEST_CLOSE } from './ingest.js';
import type { NodeStatus } from './node-api.js';
import { NODE_OPENAPI, NODE_OPENAPI_JSON } from './openapi.js';
import { httpStatusFor } from './reject-status.js';

/**
 * The OpenAPI document against the code that serves it (no node running; the answers of a running
 * node are checked in openapi-contract.test.ts): the committed docs/openapi.json, the routes the
 * server registers, the reject codes and their statuses, and docs/websocket.md.
 */

const ROOT = findPackageRoot();
type Responses = Readonly<Record<string, { readonly content?: Readonly<Record<string, { readonly schema: unknown }>> }>>;
type Operation = { readonly responses: Responses };
const paths = NODE_OPENAPI.paths as unknown as Readonly<Record<string, Readonly<Record<string, Operation>>>>;
const schemas = NODE_OPENAPI.components.schemas as unknown as Readonly<Record<string, unknown>>;

describe('the OpenAPI document', () => {
  it('is what docs/openapi.json holds (run `npm run gen:openapi` after changing src/api/openapi.ts)', () => {
    expect(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')).toBe(NODE_OPENAPI_JSON);
  });

  it("carries the package's version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(NODE_OPENAPI.info.version).toBe(pkg.version);
  });

  it('compiles under JSON Schema 2020-12 (strict): every component, every response schema, every $ref', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addSchema({ $id: 'node', $defs: retarget(schemas) });
    for (const name of Object.keys(schemas)) expect(() => ajv.compile({ $ref: `node#/$defs/${name}` }), name).not.toThrow();
    let compiled = 0;
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const [type, c] of Object.entries(r.content ?? {})) {
            expect(() => ajv.compile(retarget(c.schema) as object), `${method} ${path} ${status} ${type}`).not.toThrow();
            compiled++;
          }
        }
      }
    }
    expect(compiled).toBeGreaterThan(60);
  });

  it('documents every route the server registers, and no route it does not', () => {
    const registered = new Set<string>();
    const dir = join(ROOT, 'src', 'api');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      // get('/x', …) (server.ts' wrapper), app.get / app.post / app.ws<T>('/x', …); app.any('/*') is the 404.
      for (const m of text.matchAll(/\b(?:app\.)?(get|post|ws|any)(?:<[^>]*>)?\(\s*'(\/[^']*)'/g)) {
        const [, verb, route] = m as unknown as [string, string, string];
        if (verb === 'any') continue;
        registered.add(`${verb === 'post' ? 'post' : 'get'} ${route.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{asset}')}`);
      }
    }
    const documented = new Set(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)));
    expect(registered.size).toBeGreaterThanOrEqual(18);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it("lists each reject code under the HTTP status POST /cdr answers it with (src/api/reject-status.ts)", () => {
    const cdr = paths['/cdr']!['post']!.responses;
    const tx = paths['/tx']!['post']!.responses;
    const codesAt = (responses: Responses, status: number): string[] => errorCodes(responses[String(status)]?.content?.['application/json']?.schema);
    // Batch proofs', verdicts' and settlement transactions' own codes are answered by POST /tx only; every other code by POST /cdr.
    const proofOnly = new Set([
      RejectCode.UnknownCircuit, RejectCode.UnknownBatch, RejectCode.BadProof, RejectCode.VerdictConflict, RejectCode.CountsMismatch,
      RejectCode.BadCommitment, RejectCode.PeriodNotEnded, RejectCode.AlreadyNetted, RejectCode.DuplicateStatement, RejectCode.RateMoveTooLarge, RejectCode.BadRate, RejectCode.NotParty,
      RejectCode.PeriodOpen, RejectCode.AlreadySettled, RejectCode.ProposalPending, RejectCode.NoProposal, RejectCode.ProposalExpired, RejectCode.NotAParty,
      RejectCode.DuplicateApproval, RejectCode.BadNettingInput, RejectCode.WrongMode, RejectCode.BadAmount,
      RejectCode.BadOpening, RejectCode.DuplicateDisclosure, RejectCode.NoSettlementBank, RejectCode.MissingLinkProof, RejectCode.BadLinkProof,
    ].map(rejectCodeName));
    for (const code of Object.values(RejectCode).filter((v): v is RejectCode => typeof v === 'number' && v !== RejectCode.None)) {
      const name = rejectCodeName(code);
      expect(codesAt(proofOnly.has(name) ? tx : cdr, httpStatusFor(code)), name).toContain(name);
    }
    // Contract transactions and batch proofs take the same path and statuses, without the record checks.
    for (const [status, r] of Object.entries(tx)) {
      if (status === '202') continue;
      for (const code of errorCodes(r.content?.['application/json']?.schema)) if (!proofOnly.has(code)) expect(codesAt(cdr, Number(status)), `${status} ${code}`).toContain(code);
    }
  });

  it('docs/websocket.md names every reply kind, reject code, close code and event, with the schemas of the document', () => {
    const md = readFileSync(join(ROOT, 'docs', 'websocket.md'), 'utf8');
    for (const [name, value] of Object.entries(ReplyKind).filter(([, v]) => typeof v === 'number')) expect(md).toContain(`| \`${name}\` | ${String(value)} |`);
    for (const code of Object.values(RejectCode).filter((v): v is RejectCode => typeof v === 'number' && v !== RejectCode.None)) {
      expect(md).toContain(`| \`${RejectCode[code]}\` | ${code} | \`${rejectCodeName(code)}\` | ${httpStatusFor(code)} |`);
    }
    for (const code of Object.values(INGEST_CLOSE)) expect(md).toContain(`| ${code} | node |`);
    for (const topic of EVENT_TOPICS) expect(md).toContain(`(topic \`${topic}\`)`);
    const eventNames = ['BatchAcceptedEvent', 'BlockConfirmedEvent', 'BlockCommittedEvent', 'ContractTxAcceptedEvent', 'ContractReceiptEvent'];
    const eventRefs = (NODE_OPENAPI.components.schemas.Event.oneOf as readonly { $ref: string }[]).map((r) => r.$ref.split('/').at(-1));
    expect(eventRefs).toEqual(eventNames);
    for (const name of eventNames) {
      const at = md.indexOf(`JSON Schema (\`#/components/schemas/${name}\`):`);
      expect(at, name).toBeGreaterThan(0);
      const block = /```json\n([\s\S]*?)\n```/.exec(md.slice(at))?.[1];
      expect(JSON.parse(block ?? 'null'), name).toEqual(schemas[name]);
    }
  });
});

/** The `error` codes an error response's schema allows. */
function errorCodes(schema: unknown): string[] {
  const parts = (schema as { allOf?: { properties?: { error?: { enum?: string[] } } }[] } | undefined)?.allOf ?? [];
  return parts.flatMap((p) => p.properties?.error?.enum ?? []);
}

/** The document's `#/components/schemas/X` refs as refs into the schema registered under the id `node`. */
function retarget(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"node#/$defs/')) as unknown;
}

// Compile-time: what the server builds its answers from fits the document's types (npm run typecheck).
export const serverTypesFitTheDocument = {
  status: (s: NodeStatus): Omit<ClientStatus, 'node' | 'version' | 'auth' | 'uptimeSec'> => s,
  batch: (b: BatchView & Required<Pick<BatchView, 'stage'>>): Batch => b,
  contractTx: (t: ContractTxView): ContractTxBody => t,
  receipt: (r: StoredReceipt, hash: string): Receipt => ({ hash, ...r }),
};
