import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

/**
 * Everything `cdrchain node` can be told, in one table: its flag, its key in the configuration file
 * (JSON, `docs/config.schema.json`), its environment variable and its bounds. Precedence: a flag on
 * the command line, then the environment (`CDRCHAIN_*`), then the file (`--config FILE` or
 * `CDRCHAIN_CONFIG`), then the flag's default. Every value is checked against the same bounds,
 * whatever its source, and an error names the key and where it came from.
 */
export interface NodeSetting {
  /** The commander attribute (camelCase of the flag). */
  readonly attr: string;
  /** Dotted path in the configuration file. */
  readonly key: string;
  readonly env: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'enum';
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly help: string;
}

const int = (attr: string, key: string, min: number, max: number, help: string): NodeSetting => ({ attr, key, env: envName(key), type: 'integer', min, max, help });
const str = (attr: string, key: string, help: string): NodeSetting => ({ attr, key, env: envName(key), type: 'string', help });

export const NODE_SETTINGS: readonly NodeSetting[] = Object.freeze([
  str('data', 'data', 'data directory (LMDB, body files, nullifier segments)'),
  str('host', 'host', 'address the HTTP/WebSocket API listens on'),
  int('port', 'port', 0, 65_535, 'HTTP/WebSocket port (0: any free port)'),
  str('genesis', 'genesis', 'genesis JSON file (default: the embedded devnet)'),
  str('validator', 'validator', 'validator directory (validator.json, TLS certificate and key, bls.key.json): run as a validator'),
  { attr: 'solo', key: 'solo', env: 'CDRCHAIN_SOLO', type: 'boolean', help: 'run alone, one producer on a timer' },
  int('workers', 'workers', 1, 64, 'verification worker threads (default: one per core)'),
  { attr: 'reconciliation', key: 'reconciliation', env: 'CDRCHAIN_RECONCILIATION', type: 'boolean', help: 'keep the reconciliation index (GET /reconciliation; default true; costs disk and ingest rate, see README)' },
  { attr: 'logLevel', key: 'logLevel', env: envName('logLevel'), type: 'enum', values: ['trace', 'debug', 'info', 'warn', 'error'], help: 'log level' },
  int('blockInterval', 'blocks.intervalMs', 1, 60_000, 'solo: cut a block this often when transactions wait'),
  int('maxBlockGas', 'blocks.maxGas', 1, Number.MAX_SAFE_INTEGER, 'contract gas limits one block may sum to'),
  int('maxBatchRecords', 'limits.maxBatchRecords', 1, 65_536, 'largest batch accepted'),
  int('maxTxGas', 'limits.maxTxGas', 1, Number.MAX_SAFE_INTEGER, 'largest gas limit of one contract transaction'),
  int('nullifierFilterMib', 'nullifiers.filterMiB', 1, 2048, 'size of the nullifier Bloom filter in MiB, a power of two (default 256; the local devnet\'s validators 64): resident memory against false positives, README "Nullifiers"'),
  int('maxConnections', 'api.maxConnections', 1, 100_000, 'WS /ingest connections served at once'),
  int('maxSubscribers', 'api.maxSubscribers', 1, 100_000, 'WS /events subscribers served at once'),
  { attr: 'apiAuth', key: 'api.auth', env: envName('api.auth'), type: 'enum', values: ['open', 'signatures'], help: "who may read non-public endpoints: signatures (operators sign requests, RFC 9421; each reads its own data) or open (anyone reads everything: INSECURE, the devnet default)" },
  int('retentionRecordsDays', 'retention.recordsDays', 0, 36_500, "prune batches' public records N days after their block"),
  int('retentionRecordsBlocks', 'retention.recordsBlocks', 0, 0xffff_ffff, "prune batches' public records once N newer blocks exist"),
  int('retentionBlocksDays', 'retention.blocksDays', 0, 36_500, 'prune block bodies N days after the block'),
  int('retentionBlocksBlocks', 'retention.blocksBlocks', 0, 0xffff_ffff, 'prune block bodies once N newer blocks exist'),
  int('retentionPayloadsDays', 'retention.payloadsDays', 0, 36_500, 'prune encrypted payloads N days after their block'),
  int('retentionInterval', 'retention.intervalSeconds', 1, 7 * 86_400, 'apply the retention policy every N seconds'),
]);

/** `retention.recordsDays` → `CDRCHAIN_RETENTION_RECORDS_DAYS`. */
export function envName(key: string): string {
  return `CDRCHAIN_${key.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export class NodeSettingsError extends Error {
  override readonly name = 'NodeSettingsError';
}

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface EffectiveSettings {
  /** The options object the `node` action reads (commander's shape), every source merged. */
  readonly options: Record<string, unknown>;
  /** Where each set value came from, by file key. */
  readonly sources: Readonly<Record<string, SettingSource>>;
  readonly file: string | undefined;
}

/**
 * Merges the command line (`cmd`'s parsed options, with commander's record of which were given),
 * the environment and the configuration file. Throws NodeSettingsError naming the bad key.
 */
export function resolveNodeSettings(cmd: Pick<Command, 'opts' | 'getOptionValueSource'>, env: NodeJS.ProcessEnv = process.env): EffectiveSettings {
  const flags = cmd.opts<Record<string, unknown>>();
  const file = (flags['config'] as string | undefined) ?? env['CDRCHAIN_CONFIG'];
  const fromFile = file !== undefined ? readConfigFile(file) : {};
  const options: Record<string, unknown> = { ...flags };
  const sources: Record<string, SettingSource> = {};
  for (const s of NODE_SETTINGS) {
    const given = cmd.getOptionValueSource(s.attr);
    if (given === 'cli') {
      // Commander parsed integers already; enums and strings are checked here, like every other source.
      options[s.attr] = checkValue(s, options[s.attr], `--${kebab(s.attr)}`);
      sources[s.key] = 'flag';
      continue;
    }
    const fromEnv = env[s.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      options[s.attr] = parseValue(s, fromEnv, `environment variable ${s.env}`);
      sources[s.key] = 'env';
      continue;
    }
    const v = fromFile[s.key];
    if (v !== undefined) {
      options[s.attr] = checkValue(s, v, `${file}: ${s.key}`);
      sources[s.key] = 'file';
      continue;
    }
    if (options[s.attr] !== undefined) sources[s.key] = 'default';
  }
  return { options, sources, file };
}

/** Reads a configuration file into dotted keys; unknown keys and non-objects are errors. */
export function readConfigFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new NodeSettingsError(`cannot read configuration file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const known = new Set(NODE_SETTINGS.map((s) => s.key));
  const groups = new Set(NODE_SETTINGS.filter((s) => s.key.includes('.')).map((s) => s.key.split('.')[0]!));
  const out: Record<string, unknown> = {};
  const walk = (o: unknown, prefix: string): void => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new NodeSettingsError(`${path}: ${prefix === '' ? 'the file' : prefix} must be a JSON object`);
    for (const [k, v] of Object.entries(o)) {
      const key = prefix === '' ? k : `${prefix}.${k}`;
      if (key === '$schema') continue;
      if (prefix === '' && groups.has(k)) walk(v, k);
      else if (known.has(key)) out[key] = v;
      else throw new NodeSettingsError(`${path}: unknown key ${key} (known: ${[...known].join(', ')})`);
    }
  };
  walk(raw, '');
  return out;
}

function parseValue(s: NodeSetting, text: string, where: string): unknown {
  if (s.type === 'integer') {
    if (!/^[0-9]+$/.test(text)) throw new NodeSettingsError(`${where} (${s.key}) must be an integer in ${s.min}..${s.max}, got "${text}"`);
    return checkValue(s, Number(text), where);
  }
  if (s.type === 'boolean') {
    if (text !== 'true' && text !== 'false' && text !== '1' && text !== '0') throw new NodeSettingsError(`${where} (${s.key}) must be true or false, got "${text}"`);
    return text === 'true' || text === '1';
  }
  return checkValue(s, text, where);
}

function checkValue(s: NodeSetting, v: unknown, where: string): unknown {
  switch (s.type) {
    case 'integer':
      if (!Number.isSafeInteger(v) || (v as number) < s.min! || (v as number) > s.max!) throw new NodeSettingsError(`${where} must be an integer in ${s.min}..${s.max}, got ${JSON.stringify(v)}`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new NodeSettingsError(`${where} must be true or false, got ${JSON.stringify(v)}`);
      return v;
    case 'enum':
      if (typeof v !== 'string' || !s.values!.includes(v)) throw new NodeSettingsError(`${where} must be one of ${s.values!.join(', ')}, got ${JSON.stringify(v)}`);
      return v;
    default:
      if (typeof v !== 'string' || v.length === 0) throw new NodeSettingsError(`${where} must be a non-empty string, got ${JSON.stringify(v)}`);
      return v;
  }
}

/** The configuration file's JSON Schema (draft 2020-12), published as docs/config.schema.json. */
export function nodeConfigSchema(): object {
  const properties: Record<string, unknown> = {};
  for (const s of NODE_SETTINGS) {
    const leaf: Record<string, unknown> = { description: `${s.help} (flag --${kebab(s.attr)}, environment ${s.env})` };
    if (s.type === 'integer') Object.assign(leaf, { type: 'integer', minimum: s.min, maximum: s.max });
    else if (s.type === 'enum') Object.assign(leaf, { enum: s.values });
    else if (s.type === 'boolean') leaf['type'] = 'boolean';
    else Object.assign(leaf, { type: 'string', minLength: 1 });
    const [group, name] = s.key.includes('.') ? s.key.split('.') as [string, string] : [undefined, s.key];
    if (group === undefined) properties[name] = leaf;
    else {
      const g = (properties[group] ??= { type: 'object', additionalProperties: false, properties: {} }) as { properties: Record<string, unknown> };
      g.properties[name] = leaf;
    }
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://cdrchain.dev/schemas/config.schema.json',
    title: 'cdrchain node configuration',
    description: 'cdrchain node --config FILE (or CDRCHAIN_CONFIG). Precedence: command-line flag, then environment variable, then this file, then the default.',
    type: 'object',
    additionalProperties: false,
    properties: { $schema: { type: 'string' }, ...properties },
  };
}

function kebab(attr: string): string {
  return attr.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
