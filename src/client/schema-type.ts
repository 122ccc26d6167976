// The TypeScript type a JSON Schema (given as a `const` literal) describes: enough of JSON Schema
// 2020-12 for the node's OpenAPI document (src/api/openapi.ts), so the client's types are derived
// from the document itself and cannot disagree with it. Keywords that only narrow a value
// (pattern, minimum, maxItems…) leave its TypeScript type as it is.

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RefName<R> = R extends `#/components/schemas/${infer N}` ? N : never;

type ObjectOf<P, Req, Defs> = Simplify<
  { readonly [K in keyof P as K extends Req ? K : never]: SchemaType<P[K], Defs> } & {
    readonly [K in keyof P as K extends Req ? never : K]?: SchemaType<P[K], Defs>;
  }
>;

/** The type of values valid under schema `S`; `$ref`s resolve in `Defs` (components.schemas). */
// prettier-ignore
export type SchemaType<S, Defs> =
  S extends { readonly $ref: infer R } ? (RefName<R> extends keyof Defs ? SchemaType<Defs[RefName<R>], Defs> : never)
  : S extends { readonly const: infer C } ? C
  : S extends { readonly enum: readonly (infer E)[] } ? E
  : S extends { readonly oneOf: readonly (infer O)[] } ? (O extends unknown ? SchemaType<O, Defs> : never)
  : S extends { readonly type: readonly (infer T)[] } ? (T extends unknown ? SchemaType<Omit<S, 'type'> & { readonly type: T }, Defs> : never)
  : S extends { readonly type: 'object'; readonly properties: infer P }
    ? ObjectOf<P, S extends { readonly required: readonly (infer Req)[] } ? Req : never, Defs>
  : S extends { readonly type: 'object' } ? Readonly<Record<string, unknown>>
  : S extends { readonly type: 'array'; readonly items: infer I } ? readonly SchemaType<I, Defs>[]
  : S extends { readonly type: 'string' } ? string
  : S extends { readonly type: 'integer' | 'number' } ? number
  : S extends { readonly type: 'boolean' } ? boolean
  : S extends { readonly type: 'null' } ? null
  : unknown;
