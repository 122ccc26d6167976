import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { zKey, type SnarkjsLogger } from 'snarkjs';
import { CeremonyError } from './ceremony-errors.js';

/**
 * A Groth16 phase-2 ceremony for one circuit, kept in a directory that travels from contributor
 * to contributor: the circuit's R1CS (copied in), the phase-1 powers of tau it starts from (by path
 * and SHA-256), and one proving key per step, `0000.zkey` (no contribution yet), `0001.zkey`, ...
 * Each contribution mixes fresh secret randomness into the key (snarkjs `zkey contribute`); the
 * result is sound if one contributor was honest and destroyed its randomness. Anyone verifies the
 * whole transcript against the R1CS and the powers of tau (snarkjs `zkey verify`), which lists every
 * contribution by name and hash: each contributor checks that its published hash is there.
 * `ceremony.json` records what each step printed, for people; the keys are the truth.
 */
export interface CeremonyManifest {
  readonly version: 1;
  /** What the key is for, e.g. "cdrchain/batch-chunk v1, 4 records per chunk". */
  readonly circuit: string;
  readonly r1cs: { readonly file: string; readonly sha256: string };
  readonly ptau: { readonly path: string; readonly sha256: string };
  readonly steps: readonly CeremonyStep[];
}

export interface CeremonyStep {
  /** 0: the initial key; then one per contribution or beacon. */
  readonly index: number;
  readonly file: string;
  readonly kind: 'init' | 'contribution' | 'beacon';
  readonly name?: string;
  /** BLAKE2b-512 contribution hash as snarkjs prints it (hex, no spaces). */
  readonly hash?: string;
  readonly at: string;
}

export interface VerifiedContribution {
  readonly index: number;
  readonly name: string;
  readonly hash: string;
  readonly beacon?: string;
}

export interface CeremonyVerification {
  readonly valid: boolean;
  readonly circuitHash?: string;
  readonly contributions: readonly VerifiedContribution[];
  /** The key verified: the last step's. */
  readonly zkey: string;
  /** What snarkjs said, line by line (its reasons when the transcript is invalid). */
  readonly log: readonly string[];
}

const MANIFEST = 'ceremony.json';
const NAME_RE = /^[\x20-\x7e]{1,64}$/;
const BEACON_RE = /^(?:[0-9a-fA-F]{2}){16,64}$/;

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function stepFile(index: number): string {
  return `${String(index).padStart(4, '0')}.zkey`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A snarkjs logger that keeps what it says (and stays quiet). */
function collectingLogger(): { logger: SnarkjsLogger; lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (m: string) => lines.push(level === 'info' ? m : `${level}: ${m}`);
  return { logger: { debug: () => undefined, info: keep('info'), warn: keep('warn'), error: keep('error') }, lines };
}

export function readCeremony(dir: string): CeremonyManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new CeremonyError('usage', `${dir} is not a ceremony directory (no ${MANIFEST}): start one with \`cdrchain ceremony init\``);
  let m: CeremonyManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as CeremonyManifest;
  } catch {
    throw new CeremonyError('usage', `${path} is not JSON`);
  }
  if (m.version !== 1 || !Array.isArray(m.steps) || m.steps.length === 0 || typeof m.r1cs?.file !== 'string' || typeof m.ptau?.path !== 'string') {
    throw new CeremonyError('usage', `${path} is not a ceremony manifest of version 1`);
  }
  return m;
}

function writeCeremony(dir: string, m: CeremonyManifest): void {
  const tmp = join(dir, `${MANIFEST}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(tmp, join(dir, MANIFEST));
}

function lastStep(m: CeremonyManifest): CeremonyStep {
  return m.steps[m.steps.length - 1]!;
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new CeremonyError('usage', 'a contributor name is 1..64 printable ASCII characters');
}

export interface InitOptions {
  readonly dir: string;
  readonly r1cs: string;
  readonly ptau: string;
  readonly circuit: string;
}

/** Starts a ceremony in an empty (or new) directory: the initial key from the R1CS and the powers of tau. */
export async function initCeremony(o: InitOptions): Promise<CeremonyManifest> {
  for (const [what, p] of [['R1CS', o.r1cs], ['powers of tau', o.ptau]] as const) {
    if (!existsSync(p)) throw new CeremonyError('usage', `${what} file ${p} not found`);
  }
  mkdirSync(o.dir, { recursive: true });
  if (readdirSync(o.dir).length > 0) throw new CeremonyError('usage', `${o.dir} is not empty: a ceremony starts in a directory of its own`);
  const r1csFile = basename(o.r1cs);
  copyFileSync(o.r1cs, join(o.dir, r1csFile));
  const { logger } = collectingLogger();
  await zKey.newZKey(join(o.dir, r1csFile), o.ptau, join(o.dir, stepFile(0)), logger);
  const m: CeremonyManifest = {
    version: 1,
    circuit: o.circuit,
    r1cs: { file: r1csFile, sha256: sha256File(join(o.dir, r1csFile)) },
    ptau: { path: resolve(o.ptau), sha256: sha256File(o.ptau) },
    steps: [{ index: 0, file: stepFile(0), kind: 'init', at: new Date().toISOString() }],
  };
  writeCeremony(o.dir, m);
  return m;
}

/**
 * Adds one contribution: secret randomness from the operating system's CSPRNG (snarkjs mixes in its
 * own as well), never written anywhere. Returns the step with the hash the contributor publishes.
 */
export async function contribute(dir: string, name: string): Promise<CeremonyStep> {
  checkName(name);
  const m = readCeremony(dir);
  const prev = lastStep(m);
  const index = prev.index + 1;
  const entropy = randomBytes(64).toString('hex');
  const { logger } = collectingLogger();
  const hash = await zKey.contribute(join(dir, prev.file), join(dir, stepFile(index)), name, entropy, logger);
  const step: CeremonyStep = { index, file: stepFile(index), kind: 'contribution', name, hash: hex(hash), at: new Date().toISOString() };
  writeCeremony(dir, { ...m, steps: [...m.steps, step] });
  return step;
}

/**
 * Closes the ceremony with a public beacon (randomness nobody could know in advance, e.g. a future
 * block hash): anyone can recompute it, so it adds no secret, but no contributor could aim for it.
 */
export async function beacon(dir: string, beaconHex: string, iterationsExp = 10, name = 'final beacon'): Promise<CeremonyStep> {
  checkName(name);
  if (!BEACON_RE.test(beaconHex)) throw new CeremonyError('usage', 'the beacon is 16..64 bytes in hex');
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) throw new CeremonyError('usage', 'beacon iterations: an exponent in 10..63');
  const m = readCeremony(dir);
  const prev = lastStep(m);
  const index = prev.index + 1;
  const { logger, lines } = collectingLogger();
  const hash = await zKey.beacon(join(dir, prev.file), join(dir, stepFile(index)), name, beaconHex.toLowerCase(), iterationsExp, logger);
  if (hash === false) throw new CeremonyError('usage', `snarkjs refused the beacon: ${lines.join('; ')}`);
  const step: CeremonyStep = { index, file: stepFile(index), kind: 'beacon', name, hash: hex(hash), at: new Date().toISOString() };
  writeCeremony(dir, { ...m, steps: [...m.steps, step] });
  return step;
}

/** The hex words snarkjs' formatHash prints after a label, joined. */
function hashAfter(line: string): string {
  return line.slice(line.indexOf(':') + 1).replace(/[^0-9a-f]/gi, '').toLowerCase();
}

/**
 * Verifies the last key of the transcript against the R1CS and the powers of tau (both checked
 * against the manifest's hashes first), and lists the contributions the key itself carries.
 */
export async function verifyCeremony(dir: string): Promise<CeremonyVerification> {
  const m = readCeremony(dir);
  const r1cs = join(dir, m.r1cs.file);
  if (!existsSync(r1cs) || sha256File(r1cs) !== m.r1cs.sha256) throw new CeremonyError('invalid', `${r1cs} is missing or not the R1CS the ceremony started from`);
  if (!existsSync(m.ptau.path)) throw new CeremonyError('usage', `the powers of tau ${m.ptau.path} are not here: verify where they are`);
  if (sha256File(m.ptau.path) !== m.ptau.sha256) throw new CeremonyError('invalid', `${m.ptau.path} is not the powers of tau the ceremony started from`);
  const zkey = join(dir, lastStep(m).file);
  if (!existsSync(zkey)) throw new CeremonyError('usage', `${zkey} is missing`);
  const { logger, lines } = collectingLogger();
  let valid: boolean;
  try {
    valid = await zKey.verifyFromR1cs(r1cs, m.ptau.path, zkey, logger);
  } catch (err) {
    // A key too damaged to parse is as invalid as one that parses and fails.
    lines.push(`error: ${err instanceof Error ? err.message : String(err)}`);
    valid = false;
  }
  const contributions: VerifiedContribution[] = [];
  let circuitHash: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('Circuit Hash:')) circuitHash = hashAfter(line);
    const c = /^contribution #(\d+) ?(.*?):/.exec(line);
    if (c) {
      const next = lines[i + 1] ?? '';
      const beaconLine = next.startsWith('Beacon generator:') ? hashAfter(next) : undefined;
      contributions.push({ index: Number(c[1]), name: c[2] ?? '', hash: hashAfter(line), ...(beaconLine ? { beacon: beaconLine } : {}) });
    }
  }
  contributions.sort((a, b) => a.index - b.index); // snarkjs lists the newest first
  // The key must carry exactly the contributions the manifest recorded, in order.
  const recorded = m.steps.filter((s) => s.kind !== 'init');
  const matches = recorded.length === contributions.length && recorded.every((s, k) => s.hash === contributions[k]!.hash && s.name === contributions[k]!.name);
  if (valid && !matches) lines.push('error: the key does not carry the contributions ceremony.json records (a step replaced or dropped)');
  return { valid: valid && matches, ...(circuitHash ? { circuitHash } : {}), contributions, zkey, log: lines };
}

/** The verification key of the transcript's last key (what the ledger registers), as snarkjs exports it. */
export async function exportVerificationKey(dir: string): Promise<unknown> {
  const m = readCeremony(dir);
  return zKey.exportVerificationKey(join(dir, lastStep(m).file));
}
