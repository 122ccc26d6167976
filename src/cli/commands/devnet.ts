import { devnetCircuits, genesisCircuitsToJson } from '../../chain/genesis-circuits.js';
import { genesisSettlement, genesisSettlementToJson } from '../../chain/genesis-settlement.js';
import { devnetPrivacyJson } from '../../chain/genesis-privacy.js';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../codec/bytes.js';
import { DEFAULT_CONSENSUS_POLICY, type ConsensusPolicy } from '../../consensus/policy.js';
import {
  devnetBlsSeed,
  devnetGenesis,
  MAX_WELL_KNOWN_VALIDATORS,
  DEVNET_OPERATORS,
  DEVNET_SETTLEMENT_BANK_ID,
  devnetSettlementBank,
  GENESIS_POLICY_FIELDS,
  GenesisError,
  genesisFromJson,
  genesisToJson,
  genesisValidator,
  type GenesisJson,
  type GenesisValidator,
} from '../../chain/genesis.js';
import { blsKeyPairFromSeed } from '../../crypto/bls/bls.js';
import { devnetKeyFile, writeKeyFile } from '../../client/key-file.js';
import { createConsortiumCa, issueNodeCertificate } from '../../pki/consortium-ca.js';
import { PkiError } from '../../pki/errors.js';
import { writeCaDir, writeNodeDir } from '../../pki/pki-files.js';
import { runDevnet } from '../devnet-launcher.js';
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
export const DEVNET_FILES = Object.freeze({ bls: 'bls.key.json', batchKey: 'batch.key.json', ports: 'ports.json', genesis: 'genesis.json', plan: 'devnet.json', bank: 'settlement-bank.key.json' });

export { BlsKeyFileError, readBlsKeyFile, writeBlsKeyFile, type BlsKeyFile } from '../../crypto/bls/key-file.js';
import { writeBlsKeyFile } from '../../crypto/bls/key-file.js';
import { bankKeys, writeBankKeyFile } from '../../client/bank-key-file.js';
import { writeValidatorFile } from '../../node/validator-dir.js';

/** What `devnet init` wrote (DIR/devnet.json): what a launcher reads. */
export interface DevnetPlan {
  readonly chainId: string;
  readonly genesis: string;
  readonly ca: string;
  readonly validators: readonly { readonly index: number; readonly plmn: number; readonly name: string; readonly dir: string; readonly ports: DevnetPorts }[];
}

/** Where validator i listens (127.0.0.1): consecutive pairs from the base port. */
export interface DevnetPorts {
  readonly ingest: number;
  readonly p2p: number;
}

function portsOf(basePort: number, index: number): DevnetPorts {
  return { ingest: basePort + 2 * index, p2p: basePort + 2 * index + 1 };
}

export interface DevnetInitOptions {
  readonly validators: number;
  readonly out: string;
  readonly chainId: string;
  readonly basePort: number;
  readonly force: boolean;
  /** Consensus-critical constants over the defaults (tests use short batches). */
  readonly policy?: Partial<Record<(typeof GENESIS_POLICY_FIELDS)[number], number>>;
  /** Local timings every validator.json carries (not consensus-critical; tests use short ones). */
  readonly localPolicy?: Partial<ConsensusPolicy>;
  /**
   * The embedded devnet's genesis (`devnetGenesis({ validators })`: all six devnet operators
   * submit, the first N validate) with its well-known INSECURE BLS keys, instead of fresh keys and
   * a genesis of its own: the chain identity is then the same on every machine, so the benchmarks'
   * cached signed data sets replay into it. N ≤ 6; `chainId` and `policy` are the embedded ones.
   */
  readonly wellKnownKeys?: boolean;
}

/**
 * Writes a local consortium: DIR/ca, DIR/v<i>/ (TLS key and certificate, BLS key, batch key,
 * ports.json), DIR/genesis.json (validators with proofs of possession) and DIR/devnet.json (the
 * plan a launcher reads). Certificates and BLS keys are fresh; batch keys and consortium secrets are
 * the well-known INSECURE devnet ones (`cdrchain keys devnet`), so the devnet clients sign for it.
 */
export async function devnetInit(o: DevnetInitOptions): Promise<DevnetPlan> {
  if (existsSync(o.out) && readdirSync(o.out).length > 0 && !o.force) throw new CliError(`${o.out} is not empty; pass --force to overwrite`, EXIT.usage);
  if (o.basePort + 2 * o.validators - 1 > 65_535) throw new CliError(`--base-port ${o.basePort} leaves no room for ${o.validators} validators`, EXIT.usage);
  if (o.wellKnownKeys && o.validators > MAX_WELL_KNOWN_VALIDATORS) throw new CliError(`the well-known devnet keys cover ${MAX_WELL_KNOWN_VALIDATORS} validators, not ${o.validators}`, EXIT.usage);
  mkdirSync(o.out, { recursive: true, mode: 0o700 });
  const members = DEVNET_VALIDATOR_OPERATORS.slice(0, o.validators);
  const embedded = o.wellKnownKeys ? devnetGenesis({ validators: o.validators }) : undefined;
  // Who holds batch keys: the embedded devnet's six operators, or the validators' operators.
  const plmns = embedded ? embedded.operators.map((op) => op.plmn) : members.map((m) => m.plmn);

  const ca = await createConsortiumCa({ name: `cdrchain devnet ${o.chainId}`, days: 3650 });
  writeCaDir(join(o.out, 'ca'), ca, o.force);

  // The settlement bank: the embedded devnet's well-known INSECURE keys, or fresh ones.
  const wellKnownBank = devnetSettlementBank();
  const bank = embedded ? bankKeys(wellKnownBank.bank.id, wellKnownBank.encryptionPrivateKey, wellKnownBank.requestSeed) : bankKeys(DEVNET_SETTLEMENT_BANK_ID, randomBytes(32), randomBytes(32));
  const plan: { index: number; plmn: number; name: string; dir: string; ports: DevnetPorts }[] = [];
  const operators: GenesisJson['operators'] = [];
  const validators: GenesisValidator[] = [];
  for (const [index, m] of members.entries()) {
    const dir = join(o.out, `v${index}`);
    const node = await issueNodeCertificate(ca, { plmn: m.plmn, role: 'validator', days: 365 });
    writeNodeDir(dir, node, o.force);

    const bls = blsKeyPairFromSeed(embedded ? devnetBlsSeed(m.plmn) : randomBytes(32));
    writeBlsKeyFile(join(dir, DEVNET_FILES.bls), { plmn: m.plmn, blsSecretKey: toHex(bls.secretKey), blsPublicKey: toHex(bls.publicKey) });
    if (!embedded) validators.push(genesisValidator(m.plmn, bls.secretKey, 1));

    const key = devnetKeyFile(m.plmn, plmns);
    writeKeyFile(join(dir, DEVNET_FILES.batchKey), key);
    operators.push({ plmn: m.plmn, name: m.name, batchKey: key.batchKey });

    const ports = portsOf(o.basePort, index);
    writeFileSync(join(dir, DEVNET_FILES.ports), `${JSON.stringify({ host: '127.0.0.1', ...ports }, null, 2)}\n`);
    plan.push({ index, plmn: m.plmn, name: m.name, dir: resolve(dir), ports });
  }

  const json: GenesisJson = embedded ? genesisToJson(embedded) : {
    chainId: o.chainId,
    timestampMs: String(Date.now()),
    operators,
    consensus: {
      policy: Object.fromEntries(GENESIS_POLICY_FIELDS.map((f) => [f, o.policy?.[f] ?? DEFAULT_CONSENSUS_POLICY[f]])),
      validators: validators.map((v) => ({ plmn: v.plmn, blsKey: toHex(v.blsKey), pop: toHex(v.pop), power: v.power })),
    },
    // Sealed payloads optional, with the devnet's well-known INSECURE encryption and lawful-access keys.
    privacy: devnetPrivacyJson(operators.map((op) => op.plmn)),
    // Batch proofs of the 4-record test circuit, under the committed key of the INSECURE dev setup (docs/proofs.md §4).
    circuits: genesisCircuitsToJson(devnetCircuits()),
    // Default periods, XDR, 0.15 %, committed mode; the validators publish FX rates with their BLS keys.
    // ... and a settlement bank with fresh keys (DIR/settlement-bank.key.json): transfer openings are sealed to it.
    settlement: genesisSettlementToJson(genesisSettlement({
      ratePublishers: validators.map((v) => v.blsKey),
      bank: { id: bank.id, encryptionKey: bank.encryptionPublicKey, requestKey: bank.requestPublicKey },
    })),
  };
  writeBankKeyFile(join(o.out, DEVNET_FILES.bank), bank);
  // Load it as a node would (proofs of possession verified) and write the canonical form.
  const genesis = genesisToJson(genesisFromJson(json));
  const genesisPath = join(o.out, DEVNET_FILES.genesis);
  writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`);
  for (const v of plan) {
    writeValidatorFile(v.dir, {
      plmn: v.plmn,
      p2p: { host: '127.0.0.1', port: v.ports.p2p },
      peers: plan.filter((p) => p.plmn !== v.plmn).map((p) => ({ plmn: p.plmn, host: '127.0.0.1', port: p.ports.p2p })),
      ...(o.localPolicy ? { policy: o.localPolicy } : {}),
    });
  }
  const summary: DevnetPlan = { chainId: json.chainId, genesis: resolve(genesisPath), ca: resolve(join(o.out, 'ca')), validators: plan };
  writeFileSync(join(o.out, DEVNET_FILES.plan), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

export function registerDevnet(program: Command): void {
  const devnet = program
    .command('devnet')
    .description('a local consortium of validator processes on 127.0.0.1 (the main job: `npm start`); `devnet init` only writes its files')
    .option('--validators <n>', `number of validators (1..${MAX_DEVNET_VALIDATORS})`, parseIntOption('validators', 1, MAX_DEVNET_VALIDATORS), 4)
    .option('--dir <dir>', 'keys, certificates, genesis and each validator\'s data and log', './data/devnet')
    .option('--base-port <port>', 'validator i serves HTTP on base+2i and P2P on base+2i+1 (first run only)', parseIntOption('base-port', 1024, 65_535), 7700)
    .option('--workers <n>', 'verification threads per validator', parseIntOption('workers', 1, 64), 1)
    .option('--reset', 'delete the devnet directory first (a fresh chain)')
    .option('--log-level <level>', 'validators\' log level (their logs: DIR/v<i>/node.log)', 'info')
    .action(async (o: { validators: number; dir: string; basePort: number; workers: number; reset?: boolean; logLevel: string }) => {
      await runDevnet({ ...o, reset: o.reset === true, out: (line) => process.stderr.write(`${line}\n`) });
    });
  devnet
    .command('init')
    .description('write a CA, per-validator TLS, BLS and batch keys with a port plan, and a genesis listing the validators (--validators and --base-port as for devnet)')
    .requiredOption('--out <dir>', 'directory to write (must be empty unless --force)')
    .option('--chain-id <id>', 'chain id', 'cdrchain-devnet-local')
    .option('--force', 'write into a non-empty directory, overwriting files')
    .option('--well-known-keys', `the embedded devnet genesis with its well-known INSECURE BLS keys (N ≤ ${MAX_WELL_KNOWN_VALIDATORS}): the same chain identity on every machine`)
    .action(async (o: { out: string; chainId: string; force?: boolean; wellKnownKeys?: boolean }, cmd: Command) => {
      // --validators and --base-port are devnet's options (commander parses them there, before or after `init`).
      const { validators, basePort } = cmd.optsWithGlobals<{ validators: number; basePort: number }>();
      try {
        const summary = await devnetInit({ validators, out: o.out, chainId: o.chainId, basePort, force: o.force === true, wellKnownKeys: o.wellKnownKeys === true });
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } catch (err) {
        if (err instanceof PkiError || err instanceof GenesisError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
    });
}
