import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../codec/bytes.js';
import { DEFAULT_CONSENSUS_POLICY } from '../../consensus/policy.js';
import {
  DEVNET_OPERATORS,
  GENESIS_POLICY_FIELDS,
  GenesisError,
  genesisFromJson,
  genesisToJson,
  genesisValidator,
  type GenesisJson,
  type GenesisValidator,
} from '../../chain/genesis.js';
import { BLS_SECRET_KEY_BYTES, blsKeyPairFromSeed, blsPublicKeyFromSecretKey } from '../../crypto/bls/bls.js';
import { devnetKeyFile, writeKeyFile } from '../../client/key-file.js';
import { createConsortiumCa, issueNodeCertificate } from '../../pki/consortium-ca.js';
import { PkiError } from '../../pki/errors.js';
import { writeCaDir, writeNodeDir } from '../../pki/pki-files.js';
import { CliError, EXIT, parseIntOption } from '../errors.js';

export const MAX_DEVNET_VALIDATORS = 16;

/** The devnet operators first, then more real PLMN ids, so up to 16 validators have distinct operators. */
const DEVNET_VALIDATOR_OPERATORS: readonly { plmn: number; name: string }[] = [
  ...DEVNET_OPERATORS,
  { plmn: 20810, name: 'SFR' },
  { plmn: 21407, name: 'Movistar' },
  { plmn: 22201, name: 'TIM' },
  { plmn: 20408, name: 'KPN' },
  { plmn: 24001, name: 'Telia Sweden' },
  { plmn: 23201, name: 'A1 Austria' },
  { plmn: 26801, name: 'Vodafone Portugal' },
  { plmn: 44010, name: 'NTT Docomo' },
  { plmn: 45005, name: 'SK Telecom' },
  { plmn: 50501, name: 'Telstra' },
];

/** File names in a validator's directory. */
export const DEVNET_FILES = Object.freeze({ bls: 'bls.key.json', batchKey: 'batch.key.json', ports: 'ports.json', genesis: 'genesis.json', plan: 'devnet.json' });

/** A validator's BLS key file (JSON, mode 0600). */
export interface BlsKeyFile {
  plmn: number;
  /** 32-byte secret key, hex. */
  blsSecretKey: string;
  /** 48-byte compressed public key, hex (what the genesis lists). */
  blsPublicKey: string;
}

export class BlsKeyFileError extends Error {
  override readonly name = 'BlsKeyFileError';
}

export function writeBlsKeyFile(path: string, k: BlsKeyFile): void {
  writeFileSync(path, `${JSON.stringify(k, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode of writeFileSync does not apply to an existing file
}

/** Reads a BLS key file and checks that its public key is the secret key's. */
export function readBlsKeyFile(path: string): { plmn: number; secretKey: Uint8Array; publicKey: Uint8Array } {
  let k: BlsKeyFile;
  try {
    k = JSON.parse(readFileSync(path, 'utf8')) as BlsKeyFile;
  } catch (err) {
    throw new BlsKeyFileError(`cannot read BLS key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    const secretKey = fromHex(k.blsSecretKey, BLS_SECRET_KEY_BYTES);
    const publicKey = blsPublicKeyFromSecretKey(secretKey);
    if (toHex(publicKey) !== k.blsPublicKey) throw new BlsKeyFileError(`${path}: the public key is not the secret key's`);
    if (!Number.isInteger(k.plmn)) throw new BlsKeyFileError(`${path}: no PLMN id`);
    return { plmn: k.plmn, secretKey, publicKey };
  } catch (err) {
    if (err instanceof BlsKeyFileError) throw err;
    throw new BlsKeyFileError(`${path} is not a BLS key file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Where validator i listens (127.0.0.1): consecutive pairs from the base port. */
export interface DevnetPorts {
  readonly ingest: number;
  readonly p2p: number;
}

function portsOf(basePort: number, index: number): DevnetPorts {
  return { ingest: basePort + 2 * index, p2p: basePort + 2 * index + 1 };
}

interface DevnetInitOptions {
  readonly validators: number;
  readonly out: string;
  readonly chainId: string;
  readonly basePort: number;
  readonly force: boolean;
}

/**
 * Writes a local consortium: DIR/ca, DIR/v<i>/ (TLS key and certificate, BLS key, batch key,
 * ports.json), DIR/genesis.json (validators with proofs of possession) and DIR/devnet.json (the
 * plan a launcher reads). Certificates and BLS keys are fresh; batch keys and consortium secrets are
 * the well-known INSECURE devnet ones (`cdrchain keys devnet`), so the devnet clients sign for it.
 */
async function devnetInit(o: DevnetInitOptions): Promise<object> {
  if (existsSync(o.out) && readdirSync(o.out).length > 0 && !o.force) throw new CliError(`${o.out} is not empty; pass --force to overwrite`, EXIT.usage);
  if (o.basePort + 2 * o.validators - 1 > 65_535) throw new CliError(`--base-port ${o.basePort} leaves no room for ${o.validators} validators`, EXIT.usage);
  mkdirSync(o.out, { recursive: true, mode: 0o700 });
  const members = DEVNET_VALIDATOR_OPERATORS.slice(0, o.validators);
  const plmns = members.map((m) => m.plmn);

  const ca = await createConsortiumCa({ name: `cdrchain devnet ${o.chainId}`, days: 3650 });
  writeCaDir(join(o.out, 'ca'), ca, o.force);

  const plan: { index: number; plmn: number; name: string; dir: string; ports: DevnetPorts }[] = [];
  const operators: GenesisJson['operators'] = [];
  const validators: GenesisValidator[] = [];
  for (const [index, m] of members.entries()) {
    const dir = join(o.out, `v${index}`);
    const node = await issueNodeCertificate(ca, { plmn: m.plmn, role: 'validator', days: 365 });
    writeNodeDir(dir, node, o.force);

    const bls = blsKeyPairFromSeed(randomBytes(32));
    writeBlsKeyFile(join(dir, DEVNET_FILES.bls), { plmn: m.plmn, blsSecretKey: toHex(bls.secretKey), blsPublicKey: toHex(bls.publicKey) });
    validators.push(genesisValidator(m.plmn, bls.secretKey, 1));

    const key = devnetKeyFile(m.plmn, plmns);
    writeKeyFile(join(dir, DEVNET_FILES.batchKey), key);
    operators.push({ plmn: m.plmn, name: m.name, batchKey: key.batchKey });

    const ports = portsOf(o.basePort, index);
    writeFileSync(join(dir, DEVNET_FILES.ports), `${JSON.stringify({ host: '127.0.0.1', ...ports }, null, 2)}\n`);
    plan.push({ index, plmn: m.plmn, name: m.name, dir: resolve(dir), ports });
  }

  const json: GenesisJson = {
    chainId: o.chainId,
    timestampMs: String(Date.now()),
    operators,
    consensus: {
      policy: Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, DEFAULT_CONSENSUS_POLICY[f]])),
      validators: validators.map((v) => ({ plmn: v.plmn, blsKey: toHex(v.blsKey), pop: toHex(v.pop), power: v.power })),
    },
  };
  // Load it as a node would (proofs of possession verified) and write the canonical form.
  const genesis = genesisToJson(genesisFromJson(json));
  const genesisPath = join(o.out, DEVNET_FILES.genesis);
  writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`);
  const summary = { chainId: o.chainId, genesis: resolve(genesisPath), ca: resolve(join(o.out, 'ca')), validators: plan };
  writeFileSync(join(o.out, DEVNET_FILES.plan), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

export function registerDevnet(program: Command): void {
  const devnet = program.command('devnet').description('a local consortium of validators on 127.0.0.1');
  devnet
    .command('init')
    .description('write a CA, per-validator TLS, BLS and batch keys with a port plan, and a genesis listing the validators')
    .requiredOption('--validators <n>', `number of validators (1..${MAX_DEVNET_VALIDATORS})`, parseIntOption('validators', 1, MAX_DEVNET_VALIDATORS))
    .requiredOption('--out <dir>', 'directory to write (must be empty unless --force)')
    .option('--chain-id <id>', 'chain id', 'cdrchain-devnet-local')
    .option('--base-port <port>', 'validator i listens on base+2i (ingest) and base+2i+1 (P2P)', parseIntOption('base-port', 1024, 65_535), 7700)
    .option('--force', 'write into a non-empty directory, overwriting files')
    .action(async (o: { validators: number; out: string; chainId: string; basePort: number; force?: boolean }) => {
      try {
        const summary = await devnetInit({ validators: o.validators, out: o.out, chainId: o.chainId, basePort: o.basePort, force: o.force === true });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } catch (err) {
        if (err instanceof PkiError || err instanceof GenesisError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
    });
}
