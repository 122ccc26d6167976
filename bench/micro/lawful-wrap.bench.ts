// One lawful-access wrap (src/privacy/threshold/lawful-wrap.ts), pure JavaScript against libsodium,
// side by side in one process: the wrap as the client sealed it before libsodium (@noble/curves,
// window tables on G and Y, the three encodings of a batch's wraps in one batch inversion:
// `encodeDoubled`), as it seals now (`sealLawfulWraps`: three libsodium multiplications straight to
// encodings), and the multiplications alone. Rounds alternate the two (ABBA) so a shared machine's
// load drifts over both; the figures are medians over rounds, with the load average beside them.
// Beside it the batch key's HPKE seal (key-wrap.ts, two a batch) on the pure-JavaScript X25519 KEM
// (`@hpke/dhkem-x25519`, used before) and on `@hpke/core`'s WebCrypto one (Node's native X25519).
//
//   npx tsc -p tsconfig.build.json && node dist/bench/micro/lawful-wrap.bench.js [--wraps 300] [--rounds 6]
//
// `--wraps` is the batch of new groups one sealing wraps (a cold client's 1,000-record batch of this
// traffic has ~300). Writes bench/results/lawful-wrap.json.
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256 as NativeX25519Kem, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 as JsX25519Kem } from '@hpke/dhkem-x25519';
import { hkdfSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { aesGcmSeal } from '../../src/privacy/aead.js';
import { ascii, batchContext, concatBytes } from '../../src/privacy/context.js';
import { deal } from '../../src/privacy/threshold/feldman.js';
import {
  EdwardsPoint,
  Point,
  WINDOW_BITS,
  baseEdwards,
  edwardsOf,
  encodeDoubled,
  encodeScalar,
  hashToScalar,
  mod,
  mulBaseToBytes,
  mulToBytes,
  randomScalar,
} from '../../src/privacy/threshold/group.js';
import { LawfulAccessSetup } from '../../src/privacy/threshold/lawful-access-setup.js';
import { lawfulWrapLabel, sealLawfulGroups, verifyLawfulWrap } from '../../src/privacy/threshold/lawful-wrap.js';
import { currentCommand, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';

// The wrap's constants (lawful-wrap.ts), for the JavaScript reference below.
const POK_DST = 'cdrchain:lawful-wrap-pok:1';
const KEK_INFO = ascii('cdrchain:lawful-kek:1');
const ZERO_IV = new Uint8Array(12);

interface Item {
  readonly label: Uint8Array;
  readonly groupKey: Uint8Array;
}

/** The batched wraps as lawful-wrap.ts made them on @noble/curves before libsodium (2026-12-05 main). */
function sealWrapsNoble(y: EdwardsPoint, yBytes: Uint8Array, items: readonly Item[]): Uint8Array[] {
  const g = baseEdwards();
  const n = items.length;
  const halves = items.map(() => ({ r: randomScalar(), k: randomScalar() }));
  const encoded = encodeDoubled([...halves.map((h) => g.multiply(h.r)), ...halves.map((h) => y.multiply(h.r)), ...halves.map((h) => g.multiply(h.k))]);
  return items.map((it, i) => {
    const r = mod(2n * halves[i]!.r);
    const k = mod(2n * halves[i]!.k);
    const u = encoded[i]!;
    const kek = new Uint8Array(hkdfSync('sha256', encoded[n + i]!, u, concatBytes(KEK_INFO, it.label), 32));
    const sealed = aesGcmSeal(kek, ZERO_IV, it.label, it.groupKey);
    const e = hashToScalar(POK_DST, yBytes, u, encoded[2 * n + i]!, sealed, it.label);
    return concatBytes(u, encodeScalar(e), encodeScalar(mod(k + e * r)), sealed);
  });
}

export interface LawfulWrapBenchResult extends ResultEnvelope {
  readonly name: 'lawful-wrap';
  readonly wrapsPerBatch: number;
  readonly rounds: number;
  readonly loadAverage: { readonly before: number; readonly after: number };
  /** Median µs per operation over the rounds (a multiplication includes its product's encoding). */
  readonly us: {
    readonly wrapNoble: number;
    readonly wrapLibsodium: number;
    readonly mulBaseNoble: number;
    readonly mulBaseLibsodium: number;
    readonly mulKeyNoble: number;
    readonly mulKeyLibsodium: number;
    /** One HPKE seal of a 32-byte key to an X25519 public key (deserialise it, encapsulate, seal). */
    readonly hpkeSealJs: number;
    readonly hpkeSealNative: number;
  };
  /** noble ÷ libsodium time; pure-JavaScript ÷ native X25519 KEM. */
  readonly speedup: { readonly wrap: number; readonly mulBase: number; readonly mulKey: number; readonly hpkeSeal: number };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeUs(n: number, f: () => void): number {
  const t0 = performance.now();
  f();
  return ((performance.now() - t0) * 1000) / n;
}

async function hpkeSealer(kem: JsX25519Kem | NativeX25519Kem): Promise<(n: number) => Promise<number>> {
  const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  const pk = new Uint8Array(await suite.kem.serializePublicKey((await suite.kem.generateKeyPair()).publicKey));
  const key = new Uint8Array(32);
  return async (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await suite.seal({ recipientPublicKey: await suite.kem.deserializePublicKey(pk) }, key);
    return ((performance.now() - t0) * 1000) / n;
  };
}

export async function runLawfulWrapBench(opts: { wraps?: number; rounds?: number; command?: string; log?: (line: string) => void } = {}): Promise<LawfulWrapBenchResult> {
  const wraps = opts.wraps ?? 300;
  const rounds = opts.rounds ?? 6;
  const log = opts.log ?? ((line: string) => console.log(line));
  const before = loadavg()[0]!;
  const setup = LawfulAccessSetup.fromCommitments({ threshold: 2, holders: 3 }, deal({ threshold: 2, holders: 3 }, 1).commitments);
  const yBytes = setup.publicKeyBytes();
  const yEdwards = edwardsOf(setup.publicKey);
  yEdwards.precompute(WINDOW_BITS, false);
  const yPoint = Point.fromBytes(yBytes);
  yPoint.precompute(WINDOW_BITS, false);
  const base = Point.BASE;
  base.precompute(WINDOW_BITS, false);
  const pair = batchContext({ chainId: new Uint8Array(32).fill(7), submitter: 26201, counterparty: 23415, sequence: 1n });
  const items: Item[] = Array.from({ length: wraps }, (_, i) => {
    const tag = new Uint8Array(32);
    new DataView(tag.buffer).setUint32(0, i);
    return { label: lawfulWrapLabel(pair, tag), groupKey: new Uint8Array(32).fill(i & 0xff) };
  });
  // Since sealed sections of version 2 the client's path makes KEM wraps (the group key is the KEM's
  // output: no AES-GCM seal of it); the three multiplications are the same and dominate.
  const labels = items.map((it) => it.label);
  // Both paths make wraps the verifier accepts (the reference is the code it replaced, not a sketch).
  sealWrapsNoble(yEdwards, yBytes, items.slice(0, 4)).forEach((w, i) => verifyLawfulWrap(setup, items[i]!.label, w));
  const scalars = Array.from({ length: 200 }, () => randomScalar());
  const samples: Record<keyof LawfulWrapBenchResult['us'], number[]> = {
    wrapNoble: [],
    wrapLibsodium: [],
    mulBaseNoble: [],
    mulBaseLibsodium: [],
    mulKeyNoble: [],
    mulKeyLibsodium: [],
    hpkeSealJs: [],
    hpkeSealNative: [],
  };
  const hpkeJs = await hpkeSealer(new JsX25519Kem());
  const hpkeNative = await hpkeSealer(new NativeX25519Kem());
  let sink = 0;
  const noble = async (): Promise<void> => {
    samples.hpkeSealJs.push(await hpkeJs(100));
    samples.wrapNoble.push(timeUs(wraps, () => (sink ^= sealWrapsNoble(yEdwards, yBytes, items)[0]![0]!)));
    samples.mulBaseNoble.push(timeUs(scalars.length, () => scalars.forEach((s) => (sink ^= base.multiply(s).toBytes()[0]!))));
    samples.mulKeyNoble.push(timeUs(scalars.length, () => scalars.forEach((s) => (sink ^= yPoint.multiply(s).toBytes()[0]!))));
  };
  const sodium = async (): Promise<void> => {
    samples.hpkeSealNative.push(await hpkeNative(100));
    samples.wrapLibsodium.push(timeUs(wraps, () => (sink ^= sealLawfulGroups(setup, labels)[0]!.wrap[0]!)));
    samples.mulBaseLibsodium.push(timeUs(scalars.length, () => scalars.forEach((s) => (sink ^= mulBaseToBytes(s)[0]!))));
    samples.mulKeyLibsodium.push(timeUs(scalars.length, () => scalars.forEach((s) => (sink ^= mulToBytes(yBytes, s)[0]!))));
  };
  // Warm-up (JIT, tables), not counted.
  sealWrapsNoble(yEdwards, yBytes, items.slice(0, 20));
  sealLawfulGroups(setup, labels.slice(0, 20));
  await hpkeJs(20);
  await hpkeNative(20);
  for (let r = 0; r < rounds; r++) {
    if (r % 4 === 0 || r % 4 === 3) {
      await noble();
      await sodium();
    } else {
      await sodium();
      await noble();
    }
    log(`round ${r + 1}/${rounds}: wrap ${samples.wrapNoble.at(-1)!.toFixed(0)} µs (noble) / ${samples.wrapLibsodium.at(-1)!.toFixed(0)} µs (libsodium)`);
  }
  const after = loadavg()[0]!;
  const us = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(1))])) as LawfulWrapBenchResult['us'];
  const ratio = (a: number, b: number): number => Number((a / b).toFixed(2));
  const result: LawfulWrapBenchResult = {
    ...resultEnvelope(opts.command ?? currentCommand()),
    name: 'lawful-wrap',
    wrapsPerBatch: wraps,
    rounds,
    loadAverage: { before, after },
    us,
    speedup: { wrap: ratio(us.wrapNoble, us.wrapLibsodium), mulBase: ratio(us.mulBaseNoble, us.mulBaseLibsodium), mulKey: ratio(us.mulKeyNoble, us.mulKeyLibsodium), hpkeSeal: ratio(us.hpkeSealJs, us.hpkeSealNative) },
  };
  log(
    `µs per wrap: noble ${us.wrapNoble} / libsodium ${us.wrapLibsodium} (×${result.speedup.wrap}); r·G ${us.mulBaseNoble} / ${us.mulBaseLibsodium} (×${result.speedup.mulBase}); ` +
      `r·Y ${us.mulKeyNoble} / ${us.mulKeyLibsodium} (×${result.speedup.mulKey}); HPKE seal JS ${us.hpkeSealJs} / native ${us.hpkeSealNative} (×${result.speedup.hpkeSeal}); load ${before.toFixed(2)} → ${after.toFixed(2)}; sink ${sink >= 0 ? 'ok' : '?'}`,
  );
  log(`wrote ${writeResult('lawful-wrap', result)}`);
  return result;
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const wraps = arg('--wraps');
  const rounds = arg('--rounds');
  await runLawfulWrapBench({ ...(wraps !== undefined ? { wraps } : {}), ...(rounds !== undefined ? { rounds } : {}) });
}
