// Issue 13's ingest targets for sealed payloads (docs/privacy.md), in one run:
//
//   npx tsc -p tsconfig.build.json && node dist/bench/privacy/sealed.js [--cdrs N] [--client-cdrs N] [--rounds R] [--no-profile] [--node-profile] [--regen]
//     (or node dist/bench/run-all.js --only sealed [--cdrs N])
//
// 1. The operator's side, one thread on one core (this process's main thread): the same synthetic
//    traffic of one pair cut into 1,000-record batches, (a) plain: derive public records (Poseidon(5)
//    commitments, hashes) and sign; (b) sealed from a cold client: derive, encrypt each payload under
//    its record key, wrap each new subscriber-day group key to the lawful-access key, HPKE-wrap the
//    batch key twice, sign header and key material (`Operator.sealedBatch`); (c) the same CDRs sealed
//    again by that client, every group's key and wrap reused. Alternated `rounds` times. The headline
//    `clientCdrPerSecPerCore` is (b): a client starting its day, per second of this process's CPU
//    time (the machine is shared: CPU time is the per-core figure, wall time is given beside it).
//    If it is under the target, one more profiled round of (b) says where the time goes.
// 2. Ingest: a plain and a sealed data set of the same traffic (bench/pipeline/dataset.ts), replayed
//    flat out into a fresh node each (every check on, the reconciliation index on: the node's
//    default), phases in ABBA order over the rounds (plain, sealed, sealed, plain, …) so a drift of
//    the machine's load hits both alike. `encryptedRatio` = sealed ÷ plain committed CDR/s (means over
//    the rounds); `encryptedCpuRatio` = plain ÷ sealed node CPU per committed CDR, the same comparison
//    with little of the other helpers' load in it; `diskBytesPerCdrEncrypted` = growth of the sealed
//    node's data directory over the replay ÷ committed CDRs (a fresh node starts at ~100 KB).
// Writes bench/results/sealed.json.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { getPriority, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuiltBatch } from '../../src/cdr/batch-builder.js';
import type { Cdr } from '../../src/cdr/model.js';
import { generateTraffic } from '../../src/cdr/synthetic.js';
import { devnetGenesis } from '../../src/chain/genesis.js';
import type { GenesisPrivacy } from '../../src/chain/genesis-privacy.js';
import { Operator } from '../../src/client/operator.js';
import { decodeBatch } from '../../src/codec/batch.js';
import { toHex } from '../../src/codec/bytes.js';
import { decodeSealedSection } from '../../src/codec/sealed-section.js';
import { machineLine, repoRoot, resultEnvelope, writeResult, type ResultEnvelope } from '../machine.js';
import { round } from '../pipeline/analysis.js';
import { summariseProfile, type ProfileSummary } from '../pipeline/cpu-profile.js';
import { chainOf } from '../pipeline/dataset.js';
import { killAllChildren } from '../pipeline/processes.js';
import { logPhase, prepareDataset, runPhase, type PhaseResult } from '../pipeline/run.js';

export const SEALED_TARGETS = {
  /** Sealed ÷ plain committed CDR/s, same run. */
  encryptedRatio: 0.85,
  diskBytesPerCdrEncrypted: 400,
  clientCdrPerSecPerCore: 15_000,
} as const;

export interface SealedBenchOptions {
  /** CDRs per ingest phase (rounded up to whole batches per submitter). */
  readonly cdrs?: number;
  /** CDRs of the one-thread client measurement. */
  readonly clientCdrs?: number;
  readonly rounds?: number;
  /** Profile one extra sealing round when the client is under target (default true). */
  readonly profile?: boolean;
  /** CPU profiles of every ingest phase's node and replay (bench/.data/profiles/<phase>-node, -replay). */
  readonly nodeProfile?: boolean;
  readonly regenerate?: boolean;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

const DAY = 86_400;
const BATCH = 1_000;
const SUBMITTER = 20801;
const COUNTERPARTY = 23415;
const WINDOW = 4;

interface Timed {
  readonly cdrs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface ClientRound {
  readonly plain: Timed;
  readonly sealedCold: Timed;
  readonly sealedWarm: Timed;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function timed(cdrs: number, fn: () => Promise<void> | void): Promise<Timed> {
  const c = cpuNow();
  const t = performance.now();
  await fn();
  return { cdrs, wallMs: performance.now() - t, cpuMs: cpuNow() - c };
}

const perSec = (n: number, ms: number): number => Math.round((n * 1000) / Math.max(ms, 1e-9));

export interface ClientResult {
  readonly cdrs: number;
  readonly batchSize: number;
  readonly rounds: readonly ClientRound[];
  /** Per CPU second of this process (one thread working), summed over the rounds. */
  readonly cdrPerCpuSec: { readonly plain: number; readonly sealedCold: number; readonly sealedWarm: number };
  readonly cdrPerWallSec: { readonly plain: number; readonly sealedCold: number; readonly sealedWarm: number };
  /**
   * Where a sealed CDR's CPU goes, µs: derive + sign as plain; the rest of sealing but the threshold
   * wraps (warm − plain: record keys and AES-GCM, lawful tags, key table, two HPKE wraps and the
   * key-material signature per batch, the re-encoded frame, more garbage); lawful-access wraps (cold − warm).
   */
  readonly usPerCdr: { readonly deriveAndSign: number; readonly sealingBesidesWraps: number; readonly lawfulWraps: number; readonly total: number };
  /** Subscriber-day groups: carried per batch on average, wrapped (new) per sealing from cold. */
  readonly groups: { readonly carried: number; readonly perBatch: number; readonly wrapped: number; readonly wrapsPerCdr: number; readonly usPerWrap: number };
  /**
   * A whole day of one pair's traffic as the pipeline's 7 M-CDR data set has it (7 M over 6 × 5 pairs):
   * its subscriber-days counted (one wrap each, the rest reused), and the rate the measured parts give
   * for it: 10⁶ ÷ (deriveAndSign + sealingBesidesWraps + wrapsPerCdr × usPerWrap). Arithmetic, not a run.
   */
  readonly day: { readonly cdrs: number; readonly subscriberDays: number; readonly wrapsPerCdr: number; readonly cdrPerCpuSecEstimate: number };
  /** Bytes per CDR of the sealed frames vs the plain ones (wire). */
  readonly frameBytesPerCdr: { readonly plain: number; readonly sealed: number };
  readonly profile?: ProfileSummary;
}

/** The operator's side on this thread: plain, sealed from cold, sealed again (warm), `rounds` times. */
export async function measureClient(o: { cdrs: number; rounds: number; profile: boolean; log: (l: string) => void }): Promise<ClientResult> {
  const genesis = devnetGenesis();
  const chain = chainOf(genesis);
  const privacy = genesis.privacy as GenesisPrivacy;
  const startTime = Math.floor(Date.now() / 1000 / DAY) * DAY - 2 * DAY;
  const cdrs: Cdr[] = [
    ...generateTraffic({ seed: 'cdrchain-sealed-client-1', submitter: SUBMITTER, counterparty: COUNTERPARTY, count: o.cdrs, startTime, periodSeconds: DAY, subscribers: 10_000 }),
  ];
  const batches: Cdr[][] = [];
  for (let at = 0; at < cdrs.length; at += BATCH) batches.push(cdrs.slice(at, at + BATCH));

  // Warm-up: WASM tiers up, the lawful-access key's table and the HPKE suite are built.
  {
    const op = Operator.devnet(SUBMITTER, chain);
    op.batch(batches[0]!, 1n);
    await op.sealedBatch(batches[0]!.slice(0, 50), 1n, privacy);
  }

  const rounds: ClientRound[] = [];
  let frames = { plain: 0, sealed: 0 };
  let carried = 0;
  let wrapped = 0;
  for (let r = 0; r < o.rounds; r++) {
    const plainOp = Operator.devnet(SUBMITTER, chain);
    const plainBuilt: BuiltBatch[] = [];
    const plain = await timed(cdrs.length, () => {
      let seq = 1n;
      for (const b of batches) plainBuilt.push(plainOp.batch(b, seq++));
    });
    const op = Operator.devnet(SUBMITTER, chain);
    const coldBuilt: BuiltBatch[] = [];
    const sealedCold = await timed(cdrs.length, async () => {
      let seq = 1n;
      for (const b of batches) coldBuilt.push(await op.sealedBatch(b, seq++, privacy));
    });
    const sealedWarm = await timed(cdrs.length, async () => {
      let seq = BigInt(batches.length + 1);
      for (const b of batches) await op.sealedBatch(b, seq++, privacy);
    });
    rounds.push({ plain, sealedCold, sealedWarm });
    if (r === 0) {
      frames = { plain: plainBuilt.reduce((n, b) => n + b.frame.length, 0), sealed: coldBuilt.reduce((n, b) => n + b.frame.length, 0) };
      const tags = new Set<string>();
      for (const b of coldBuilt) {
        const d = decodeBatch(b.frame);
        const groups = decodeSealedSection(d.sealed!, d.header.recordCount).sealed.groups;
        carried += groups.length;
        for (const g of groups) tags.add(toHex(g.tag));
      }
      wrapped = tags.size;
    }
    o.log(
      `client round ${r + 1}: CDR/s per CPU second (wall): plain ${perSec(plain.cdrs, plain.cpuMs).toLocaleString('en-US')} (${perSec(plain.cdrs, plain.wallMs).toLocaleString('en-US')}), ` +
        `sealed from cold ${perSec(sealedCold.cdrs, sealedCold.cpuMs).toLocaleString('en-US')} (${perSec(sealedCold.cdrs, sealedCold.wallMs).toLocaleString('en-US')}), ` +
        `sealed warm ${perSec(sealedWarm.cdrs, sealedWarm.cpuMs).toLocaleString('en-US')} (${perSec(sealedWarm.cdrs, sealedWarm.wallMs).toLocaleString('en-US')})`,
    );
  }
  const sum = (k: keyof ClientRound, f: 'cpuMs' | 'wallMs'): number => rounds.reduce((n, r) => n + r[k][f], 0);
  const total = cdrs.length * rounds.length;
  const cdrPerCpuSec = { plain: perSec(total, sum('plain', 'cpuMs')), sealedCold: perSec(total, sum('sealedCold', 'cpuMs')), sealedWarm: perSec(total, sum('sealedWarm', 'cpuMs')) };
  const us = (k: keyof ClientRound): number => (sum(k, 'cpuMs') * 1000) / total;
  const wrapsUs = us('sealedCold') - us('sealedWarm');

  // One pair's day: a wrap per distinct (IMSI, visited network, day), i.e. per pseudonym-day group.
  const dayCdrs = Math.round(7_000_000 / 30);
  const seen = new Set<string>();
  for (const c of generateTraffic({ seed: 'cdrchain-sealed-day-1', submitter: SUBMITTER, counterparty: COUNTERPARTY, count: dayCdrs, startTime, periodSeconds: DAY, subscribers: 10_000 })) {
    seen.add(`${c.imsi}|${c.visitedPlmn}|${Math.floor(c.startTime / DAY)}`);
  }
  // Every cold round seals the same CDRs from an empty cache: `wrapped` wraps each.
  const perWrapUs = (wrapsUs * cdrs.length) / Math.max(1, wrapped);
  const dayWraps = seen.size / dayCdrs;
  const day = {
    cdrs: dayCdrs,
    subscriberDays: seen.size,
    wrapsPerCdr: round(dayWraps, 4),
    cdrPerCpuSecEstimate: Math.round(1e6 / (us('sealedWarm') + dayWraps * perWrapUs)),
  };
  o.log(`one pair's day (${dayCdrs.toLocaleString('en-US')} CDRs): ${seen.size.toLocaleString('en-US')} subscriber-days, ${day.wrapsPerCdr} wraps per CDR: ~${day.cdrPerCpuSecEstimate.toLocaleString('en-US')} CDR/s per core from the measured parts`);

  let profile: ProfileSummary | undefined;
  if (o.profile && cdrPerCpuSec.sealedCold < SEALED_TARGETS.clientCdrPerSecPerCore) {
    const dir = join(repoRoot(), 'bench', '.data', 'profiles');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'sealed-client.cpuprofile');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const op = Operator.devnet(SUBMITTER, chain);
    let seq = 1n;
    for (const b of batches) await op.sealedBatch(b, seq++, privacy);
    const { profile: p } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(p));
    profile = summariseProfile(file, 20);
    o.log(`client profile (sealed from cold, self time): ${JSON.stringify(profile.areas)}`);
    o.log(`client profile top: ${profile.top.slice(0, 10).map((t) => `${t.fn} ${t.pct}%`).join('; ')}`);
  }
  return {
    cdrs: cdrs.length,
    batchSize: BATCH,
    rounds: rounds.map((r) => ({
      plain: roundTimed(r.plain),
      sealedCold: roundTimed(r.sealedCold),
      sealedWarm: roundTimed(r.sealedWarm),
    })),
    cdrPerCpuSec,
    cdrPerWallSec: { plain: perSec(total, sum('plain', 'wallMs')), sealedCold: perSec(total, sum('sealedCold', 'wallMs')), sealedWarm: perSec(total, sum('sealedWarm', 'wallMs')) },
    usPerCdr: { deriveAndSign: round(us('plain'), 1), sealingBesidesWraps: round(us('sealedWarm') - us('plain'), 1), lawfulWraps: round(wrapsUs, 1), total: round(us('sealedCold'), 1) },
    groups: {
      carried,
      perBatch: round(carried / batches.length, 1),
      wrapped,
      wrapsPerCdr: round(wrapped / cdrs.length, 4),
      usPerWrap: round(perWrapUs, 1),
    },
    day,
    frameBytesPerCdr: { plain: round(frames.plain / cdrs.length, 1), sealed: round(frames.sealed / cdrs.length, 1) },
    ...(profile ? { profile } : {}),
  };
}

const roundTimed = (t: Timed): Timed => ({ cdrs: t.cdrs, wallMs: round(t.wallMs, 1), cpuMs: round(t.cpuMs, 1) });

export type SealedResult = ResultEnvelope & {
  readonly name: 'sealed';
  readonly encryptedCdrPerSec: number;
  readonly plainCdrPerSec: number;
  readonly encryptedRatio: number;
  /**
   * Plain ÷ sealed node CPU µs per committed CDR (main thread + verify workers), means over the rounds:
   * the sealed node's capacity relative to the plain one's, much less sensitive than wall-clock rates
   * to what else runs on the machine.
   */
  readonly encryptedCpuRatio: number;
  readonly nodeCpuUsPerCdr: { readonly plain: number; readonly sealed: number };
  readonly diskBytesPerCdrEncrypted: number;
  readonly diskBytesPerCdrPlain: number;
  /** The sealed node's whole data directory ÷ committed CDRs, the fresh node's start size included. */
  readonly diskBytesPerCdrEncryptedRaw: number;
  /** Bytes per committed CDR under each top-level entry of the data directory, sealed and plain nodes. */
  readonly diskBreakdownBytesPerCdr: { readonly sealed: Record<string, number>; readonly plain: Record<string, number> };
  readonly clientCdrPerSecPerCore: number;
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[]; readonly nice: number };
  readonly targets: Record<string, { readonly target: number; readonly measured: number; readonly met: boolean; readonly note: string }>;
  readonly setup: Record<string, unknown>;
  readonly client: ClientResult;
  readonly ingest: {
    readonly cdrsPerPhase: number;
    readonly order: readonly string[];
    /** cpuRatio: plain ÷ sealed node CPU per committed CDR (main thread + workers), the noise-robust view of the same ratio. */
    readonly perRound: readonly { readonly plainCdrPerSec: number; readonly sealedCdrPerSec: number; readonly ratio: number; readonly cpuRatio: number }[];
    readonly datasets: Record<'plain' | 'sealed', { readonly key: string; readonly frameBytesPerCdr: number; readonly generationSeconds: number; readonly generatedCdrPerSec: number; readonly generated: boolean }>;
    readonly phases: readonly PhaseResult[];
  };
};

const loadAverage = (): number[] => loadavg().map((x) => round(x, 2));

export async function runSealedBench(opts: SealedBenchOptions = {}): Promise<SealedResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[sealed] ${l}\n`));
  const cdrs = opts.cdrs ?? 180_000;
  const rounds = opts.rounds ?? 3;
  const loadBefore = loadAverage();
  log(`machine: ${machineLine()}; load average ${loadBefore.join(' ')}; nice ${getPriority()}`);
  try {
    const client = await measureClient({ cdrs: opts.clientCdrs ?? 10_000, rounds, profile: opts.profile ?? true, log });

    const params = { cdrs, batchSize: BATCH };
    const plainSet = await prepareDataset('plain set', params, opts.regenerate ?? false, log);
    const sealedSet = await prepareDataset('sealed set', { ...params, sealed: true }, opts.regenerate ?? false, log);
    const phases: PhaseResult[] = [];
    const order: string[] = [];
    const perRound: { plainCdrPerSec: number; sealedCdrPerSec: number; ratio: number; cpuRatio: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const kinds = r % 2 === 0 ? (['plain', 'sealed'] as const) : (['sealed', 'plain'] as const);
      const got: Partial<Record<'plain' | 'sealed', PhaseResult>> = {};
      for (const kind of kinds) {
        const phase = await runPhase({
          name: `${kind}-${r + 1}`, dataset: kind === 'plain' ? plainSet : sealedSet, mode: 'flat', window: WINDOW,
          maxSendSeconds: 60, warmupSec: 2, workers: 2, log,
          ...(opts.nodeProfile ? { profileDir: join(repoRoot(), 'bench', '.data', 'profiles') } : {}),
          // A short replay: 4 batches in flight per submitter (24 in all) keep both verify workers busy
          // without queueing most of the data set at once, which would leave no steady window.
        });
        logPhase(phase, log);
        phases.push(phase);
        order.push(phase.name);
        got[kind] = phase;
      }
      const p = got.plain!.rates.committedCdrPerSec;
      const s = got.sealed!.rates.committedCdrPerSec;
      perRound.push({
        plainCdrPerSec: p, sealedCdrPerSec: s, ratio: round(s / p, 3),
        cpuRatio: round(got.plain!.cpu.nodeCpuUsPerCdr / got.sealed!.cpu.nodeCpuUsPerCdr, 3),
      });
    }
    const of = (kind: string): PhaseResult[] => phases.filter((p) => p.name.startsWith(`${kind}-`));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const plainRate = Math.round(mean(of('plain').map((p) => p.rates.committedCdrPerSec)));
    const sealedRate = Math.round(mean(of('sealed').map((p) => p.rates.committedCdrPerSec)));
    const ratio = round(sealedRate / plainRate, 3);
    const nodeCpu = (kind: string): number => mean(of(kind).map((p) => p.cpu.nodeCpuUsPerCdr));
    const cpuRatio = round(nodeCpu('plain') / nodeCpu('sealed'), 3);
    // A fresh node's data directory is not empty (LMDB's first pages, pre-sized files): net of it.
    const net = (p: PhaseResult): number => (p.node.dataDirBytes - p.node.dataDirBytesAtStart) / Math.max(1, p.node.committedCdrs);
    const disk = round(mean(of('sealed').map(net)), 1);
    const diskPlain = round(mean(of('plain').map(net)), 1);
    const diskRaw = round(mean(of('sealed').map((p) => p.node.diskBytesPerCdr)), 1);
    // Where the sealed node's bytes are: body files (public records), data.mdb (chain state and the
    // sealed store), reconciliation (its index), nullifiers; per committed CDR, mean over the phases.
    const breakdown = (kind: string): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const p of of(kind)) {
        for (const [k, v] of Object.entries(p.node.dataDirEntries ?? {})) out[k] = (out[k] ?? 0) + v / Math.max(1, p.node.committedCdrs) / of(kind).length;
      }
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, round(v, 1)]));
    };
    const clientRate = client.cdrPerCpuSec.sealedCold;
    const set = (d: typeof plainSet): SealedResult['ingest']['datasets']['plain'] => ({
      key: d.index.key,
      frameBytesPerCdr: round(d.index.totalBytes / d.index.totalCdrs, 1),
      generationSeconds: round(d.index.generationSeconds, 1),
      generatedCdrPerSec: Math.round(d.index.totalCdrs / d.index.generationSeconds),
      generated: d.generated,
    });
    const result: SealedResult = {
      ...resultEnvelope(opts.command),
      name: 'sealed',
      encryptedCdrPerSec: sealedRate,
      plainCdrPerSec: plainRate,
      encryptedRatio: ratio,
      encryptedCpuRatio: cpuRatio,
      nodeCpuUsPerCdr: { plain: round(nodeCpu('plain'), 1), sealed: round(nodeCpu('sealed'), 1) },
      diskBytesPerCdrEncrypted: disk,
      diskBytesPerCdrPlain: diskPlain,
      diskBytesPerCdrEncryptedRaw: diskRaw,
      diskBreakdownBytesPerCdr: { sealed: breakdown('sealed'), plain: breakdown('plain') },
      clientCdrPerSecPerCore: clientRate,
      load: { before: loadBefore, after: loadAverage(), nice: getPriority() },
      targets: {
        // Met only when the node-CPU ratio agrees: on a shared machine the wall-clock ratio swings by
        // ±0.3 between rounds, and a lucky draw must not read as a capacity the node does not have.
        encryptedRatio: {
          target: SEALED_TARGETS.encryptedRatio, measured: ratio, met: ratio >= SEALED_TARGETS.encryptedRatio && cpuRatio >= SEALED_TARGETS.encryptedRatio,
          note: '≥, sealed ÷ plain committed CDR/s, flat out, same run, reconciliation index on in both; met only if encryptedCpuRatio (plain ÷ sealed node CPU per CDR) is ≥ too',
        },
        diskBytesPerCdrEncrypted: { target: SEALED_TARGETS.diskBytesPerCdrEncrypted, measured: disk, met: disk <= SEALED_TARGETS.diskBytesPerCdrEncrypted, note: '≤, growth of the sealed node\'s data directory (public records, sealed sections, blocks, indexes) over the replay ÷ committed CDRs' },
        clientCdrPerSecPerCore: { target: SEALED_TARGETS.clientCdrPerSecPerCore, measured: clientRate, met: clientRate >= SEALED_TARGETS.clientCdrPerSecPerCore, note: '≥, derive + encrypt + wrap + seal + sign on one thread from a cold client, per CPU second' },
      },
      setup: {
        client: `one thread (this process), ${client.cdrs.toLocaleString('en-US')} CDRs of one pair (${SUBMITTER} → ${COUNTERPARTY}, 10,000 Zipf(1) subscribers, one day) in batches of ${BATCH}; plain, sealed from a cold client, sealed again warm, alternated ${rounds} times`,
        ingest: `${cdrs.toLocaleString('en-US')} CDRs per phase, batches of ${BATCH}, all six devnet submitters, flat out (window ${WINDOW} per submitter), fresh node per phase (2 verify workers, defaults: reconciliation index on, sealed payloads optional in the devnet genesis), phases ${order.join(', ')}`,
        cores: 'node (main + 2 verify workers) and replay share the machine with whatever else runs (see load)',
      },
      client,
      ingest: { cdrsPerPhase: plainSet.index.totalCdrs, order, perRound, datasets: { plain: set(plainSet), sealed: set(sealedSet) }, phases },
    };
    log(
      `sealed ${sealedRate.toLocaleString('en-US')} vs plain ${plainRate.toLocaleString('en-US')} committed CDR/s: ratio ${ratio} (per round ${perRound.map((p) => p.ratio).join(', ')}); node CPU per CDR plain ÷ sealed ${cpuRatio} (per round ${perRound.map((p) => p.cpuRatio).join(', ')}); ` +
        `${disk} B/CDR on disk sealed (${diskPlain} plain; whole directory ${diskRaw}); client ${clientRate.toLocaleString('en-US')} CDR/s per core sealing from cold (${client.cdrPerCpuSec.sealedWarm.toLocaleString('en-US')} warm, ${client.cdrPerCpuSec.plain.toLocaleString('en-US')} plain)`,
    );
    log(`wrote ${writeResult('sealed', result)}`);
    return result;
  } finally {
    killAllChildren();
  }
}

/**
 * The CI gate's sealed check (bench/gate.ts): a plain and a sealed replay of the same small traffic,
 * back to back. 30 batches are a burst of about a second, whose wall-clock rates swing ×2 with other
 * load (sealed ÷ plain 0.54–1.19 over six runs); node CPU per committed CDR swings less (plain ÷ sealed
 * 0.55–1.08), so the floor is on that.
 */
export const GATE_SEALED = { cdrs: 30_000, minCpuRatio: 0.4 } as const;

export async function runSealedGatePhases(log: (l: string) => void): Promise<{ readonly plain: PhaseResult; readonly sealed: PhaseResult; readonly cpuRatio: number; readonly wallRatio: number }> {
  const params = { cdrs: GATE_SEALED.cdrs, batchSize: BATCH };
  const plainSet = await prepareDataset('gate plain', params, false, log);
  const sealedSet = await prepareDataset('gate sealed', { ...params, sealed: true }, false, log);
  const phase = async (name: string, dataset: typeof plainSet): Promise<PhaseResult> => {
    const p = await runPhase({ name, dataset, mode: 'flat', window: WINDOW, maxSendSeconds: 60, warmupSec: 1, workers: 2, log });
    logPhase(p, log);
    return p;
  };
  const plain = await phase('gate-plain', plainSet);
  const sealed = await phase('gate-sealed', sealedSet);
  return {
    plain,
    sealed,
    cpuRatio: round(plain.cpu.nodeCpuUsPerCdr / Math.max(1e-9, sealed.cpu.nodeCpuUsPerCdr), 3),
    wallRatio: round(sealed.rates.overallCommittedCdrPerSec / Math.max(1, plain.rates.overallCommittedCdrPerSec), 3),
  };
}

function argValue(args: readonly string[], name: string): number | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const raw = args[i]!.includes('=') ? args[i]!.split('=')[1] : args[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer, got '${raw}'`);
  return n;
}

/** --cdrs, --client-cdrs, --rounds, --no-profile, --node-profile, --regen from a command line (run-all passes its own). */
export function sealedOptionsFromArgs(args: readonly string[]): SealedBenchOptions {
  const cdrs = argValue(args, '--cdrs');
  const clientCdrs = argValue(args, '--client-cdrs');
  const rounds = argValue(args, '--rounds');
  return {
    ...(cdrs !== undefined ? { cdrs } : {}),
    ...(clientCdrs !== undefined ? { clientCdrs } : {}),
    ...(rounds !== undefined ? { rounds } : {}),
    profile: !args.includes('--no-profile'),
    nodeProfile: args.includes('--node-profile'),
    regenerate: args.includes('--regen'),
  };
}

const script = process.argv[1];
if (script !== undefined && fileURLToPath(import.meta.url) === script) {
  try {
    await runSealedBench(sealedOptionsFromArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`sealed benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    killAllChildren();
    process.exitCode = 1;
  }
}
