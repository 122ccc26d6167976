import { describe, expect, it } from 'vitest';
import type { Audience } from './audience.js';
import { ENDPOINT_AUDIENCES, type EndpointAudience } from './endpoint-audiences.js';
import { NODE_OPENAPI_JSON } from './openapi.js';

type Op = { readonly 'x-audience'?: string; readonly security?: readonly Record<string, unknown>[]; readonly responses: Readonly<Record<string, unknown>> };
const paths = JSON.parse(NODE_OPENAPI_JSON).paths as Readonly<Record<string, Readonly<Record<string, Op>>>>;

// The table's union and the API's are one: a new audience must be added to both.
const sameUnion: [EndpointAudience, Audience] extends [Audience, EndpointAudience] ? true : false = true;

describe('endpoint audiences: one table, carried by the OpenAPI document', () => {
  it('every operation of the document has exactly one rule, and its x-audience is the rule', () => {
    expect(sameUnion).toBe(true);
    const operations = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(Object.keys(ENDPOINT_AUDIENCES).sort());
    for (const [key, rule] of Object.entries(ENDPOINT_AUDIENCES)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = paths[path]![method.toLowerCase()]!;
      expect(op['x-audience'], key).toBe(rule.audience);
    }
  });

  it('non-public operations require the operator signature and document its 401; public ones neither', () => {
    for (const [key, rule] of Object.entries(ENDPOINT_AUDIENCES)) {
      const [method, path] = key.split(' ') as [string, string];
      const op = paths[path]![method.toLowerCase()]!;
      const signed = (op.security ?? []).some((s) => 'operatorSignature' in s);
      expect(signed, key).toBe(rule.audience !== 'public' || key === 'GET /events');
      expect('401' in op.responses, key).toBe(signed);
    }
  });
});
