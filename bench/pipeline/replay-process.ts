// Child-process entry: replays a cached data set into a node over WebSocket, one IngestClient per
// submitter, all submitters in parallel, either flat out (each keeps `window` batches in flight) or
// paced at a target CDR rate (sends on a fixed schedule, submitters phase-shifted evenly). Into a
// consortium, submitter i streams to validator i mod N (`ingestUrls`) and may wait for Final.
//
//   child → parent  { type: 'ready', batches, cdrs }            frames loaded, sockets open
//   parent → child  { type: 'go' }                              start sending
//   child → parent  { type: 'progress', ...ReplayProgress }     about once a second
//   child → parent  { type: 'done', result: ReplayResult }      then the process exits
//   child → parent  { type: 'error', message }                  then the process exits 1
//
// Per batch it records the send time (epoch ms, high resolution), the scheduled time (paced),
// send→ack, send→committed and (waitFor 'final') send→final as the client measures them (the
// client's clock starts at the actual ws.send; Busy retries keep the original start), and the outcome.
import { performance } from 'node:perf_hooks';
import { decodeBatch } from '../../src/codec/batch.js';
import { BatchNackError, IngestClient } from '../../src/client/ingest-client.js';
import { loadIndex, readSubmitterFrames } from './dataset.js';
import { BatchOutcome, type ReplayOptions, type ReplayProgress, type ReplayRecords, type ReplayResult } from './protocol.js';

const epochNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function send(msg: unknown): void {
  if (process.send && process.connected) process.send(msg);
}

/** Sends a last message and exits once it has left (disconnecting first could drop it). */
function sendAndExit(msg: unknown, code: number): void {
  process.removeAllListeners('disconnect');
  const exit = (): void => process.exit(code);
  setTimeout(exit, 10_000).unref();
  if (process.send && process.connected) process.send(msg, undefined, {}, exit);
  else exit();
}

class Semaphore {
  private readonly waiters: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  /** Like acquire, but gives up at `deadline` (epoch ms): false, and no slot is taken. */
  async acquireUntil(deadline: number): Promise<boolean> {
    if (this.free > 0) {
      this.free--;
      return true;
    }
    if (!Number.isFinite(deadline)) {
      await this.acquire();
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
      }, Math.max(0, deadline - epochNow()));
      this.waiters.push(waiter);
    });
  }
  release(): void {
    const w = this.waiters.shift();
    if (w) w();
    else this.free++;
  }
}

interface SubmitterStream {
  readonly plmn: number;
  readonly frames: readonly Uint8Array[];
  readonly sequences: readonly bigint[];
  readonly counts: readonly number[];
  client?: IngestClient;
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ReplayOptions;
  const lifetime = setTimeout(() => {
    process.stderr.write(`replay-process: lifetime limit of ${opts.maxLifetimeSec ?? 1800} s reached, exiting\n`);
    process.exit(3);
  }, (opts.maxLifetimeSec ?? 1800) * 1000);
  lifetime.unref();
  process.on('disconnect', () => process.exit(2));

  const index = loadIndex(opts.datasetDir);
  if (!index) throw new Error(`no complete data set in ${opts.datasetDir}`);
  const perSubmitterCdrLimit = opts.maxCdrs !== undefined ? Math.ceil(opts.maxCdrs / index.submitters.length) : Number.POSITIVE_INFINITY;
  const streams: SubmitterStream[] = index.submitters.map((s) => {
    const all = readSubmitterFrames(opts.datasetDir, s);
    const frames: Uint8Array[] = [];
    const sequences: bigint[] = [];
    const counts: number[] = [];
    let cdrs = 0;
    for (const f of all) {
      if (cdrs >= perSubmitterCdrLimit) break;
      const h = decodeBatch(f).header;
      frames.push(f);
      sequences.push(h.sequence);
      counts.push(h.recordCount);
      cdrs += h.recordCount;
    }
    return { plmn: s.plmn, frames, sequences, counts };
  });
  const urls = opts.ingestUrls && opts.ingestUrls.length > 0 ? opts.ingestUrls : [opts.ingestUrl];
  const urlOf = (si: number): string => urls[si % urls.length]!;
  const waitFinal = opts.waitFor === 'final';
  const releaseOn = opts.releaseOn ?? 'ack';
  if (releaseOn === 'final' && !waitFinal) throw new Error("releaseOn 'final' needs waitFor 'final'");
  for (const [si, s] of streams.entries()) s.client = await IngestClient.connect(urlOf(si), { window: opts.window + 1 });

  const plannedBatches = streams.reduce((n, s) => n + s.frames.length, 0);
  const plannedCdrs = streams.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0);
  send({ type: 'ready', batches: plannedBatches, cdrs: plannedCdrs });
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type: string }) => {
      if (m.type === 'go') resolve();
    });
  });

  const records: ReplayRecords = { submitterIndex: [], cdrs: [], sentAt: [], scheduledAt: [], ackMs: [], committedMs: [], finalMs: [], outcome: [] };
  const nacks: Record<string, number> = {};
  const errors: string[] = [];
  let sent = 0;
  let acked = 0;
  let committed = 0;
  let ackedCdrs = 0;
  let committedCdrs = 0;
  let finalCdrs = 0;
  let failed = false;
  // Set once the drain is over: the clients' own close then rejects what is still awaited.
  let closing = false;
  let peakRss = process.memoryUsage.rss();
  const cpuStart = process.cpuUsage();
  const startedAt = epochNow();
  const sendDeadline = opts.maxSendSeconds !== undefined ? startedAt + opts.maxSendSeconds * 1000 : Number.POSITIVE_INFINITY;
  let stoppedBy: ReplayResult['stoppedBy'] = opts.maxCdrs !== undefined && plannedCdrs < index.totalCdrs ? 'cdr-limit' : 'dataset-end';
  const lastSendAt = streams.map(() => startedAt);

  const progress = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
    const p: ReplayProgress = {
      sentBatches: sent, ackedBatches: acked, committedBatches: committed, ackedCdrs, committedCdrs, finalCdrs, plannedCdrs,
      elapsedSec: (epochNow() - startedAt) / 1000,
    };
    send({ type: 'progress', ...p });
  }, 1000);

  const pending: Promise<void>[] = [];
  const S = streams.length;
  const intervalMs = (cdrsPerBatch: number): number => (opts.rateCdrPerSec ? (cdrsPerBatch * S * 1000) / opts.rateCdrPerSec : 0);

  const runStream = async (si: number): Promise<void> => {
    const s = streams[si]!;
    const client = s.client!;
    const window = new Semaphore(opts.window);
    const firstCount = s.counts[0] ?? 1;
    const phase = (si * intervalMs(firstCount)) / S;
    let scheduled = startedAt + phase;
    for (let i = 0; i < s.frames.length; i++) {
      if (failed) return;
      if (opts.mode === 'paced') {
        await sleep(scheduled - epochNow());
        if (scheduled > sendDeadline) {
          stoppedBy = 'time-limit';
          return;
        }
      }
      // Bounded by the send deadline: a stalled node (nothing acknowledged, committed or final) must not hold the replay forever.
      if (!(await window.acquireUntil(sendDeadline))) {
        stoppedBy = 'time-limit';
        return;
      }
      if (failed) return;
      const now = epochNow();
      if (now > sendDeadline) {
        stoppedBy = 'time-limit';
        window.release();
        return;
      }
      const r = records.sentAt.length;
      records.submitterIndex.push(si);
      records.cdrs.push(s.counts[i]!);
      records.sentAt.push(now);
      records.scheduledAt.push(opts.mode === 'paced' ? scheduled : Number.NaN);
      records.ackMs.push(Number.NaN);
      records.committedMs.push(Number.NaN);
      records.finalMs.push(Number.NaN);
      records.outcome.push(BatchOutcome.NoReply);
      lastSendAt[si] = now;
      sent++;
      const submitted = client.submit(s.frames[i]!, s.sequences[i]!);
      // Exactly once per batch, at the stage `releaseOn` names or at the first failure.
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        window.release();
      };
      pending.push(
        submitted.then(
          async (res) => {
            if (releaseOn === 'ack') release();
            records.ackMs[r] = res.ackMs;
            records.outcome[r] = BatchOutcome.NotCommitted;
            acked++;
            ackedCdrs += records.cdrs[r]!;
            try {
              const c = await res.committed;
              records.committedMs[r] = c.committedMs;
              records.outcome[r] = waitFinal ? BatchOutcome.NotFinal : BatchOutcome.Committed;
              committed++;
              committedCdrs += records.cdrs[r]!;
              if (releaseOn === 'committed') release();
              if (!waitFinal) return;
              const f = await res.final;
              records.finalMs[r] = f.finalMs;
              records.outcome[r] = BatchOutcome.Committed;
              finalCdrs += records.cdrs[r]!;
            } finally {
              release();
            }
          },
          (err: unknown) => {
            release();
            if (err instanceof BatchNackError) {
              records.outcome[r] = BatchOutcome.Nacked;
              nacks[err.reason] = (nacks[err.reason] ?? 0) + 1;
              if (errors.length < 20) errors.push(err.message);
              return;
            }
            if (closing) return; // never answered before the drain ended: stays NoReply
            records.outcome[r] = BatchOutcome.ConnectionFailed;
            if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err));
            failed = true;
            stoppedBy = 'error';
          },
        ).catch((err: unknown) => {
          // committed or final promise rejected: the connection was lost after the ack, or we closed it after the drain
          if (closing) return;
          records.outcome[r] = BatchOutcome.ConnectionFailed;
          if (errors.length < 20) errors.push(err instanceof Error ? err.message : String(err));
          failed = true;
          stoppedBy = 'error';
        }),
      );
      // The client has its own await before sending: yield so this send goes out now, in order.
      await Promise.resolve();
      scheduled += intervalMs(s.counts[i]!);
    }
  };

  await Promise.all(streams.map((_, si) => runStream(si)));
  const drainMs = (opts.drainTimeoutSec ?? 60) * 1000;
  await Promise.race([Promise.all(pending), sleep(drainMs)]);
  clearInterval(progress);
  const cpu = process.cpuUsage(cpuStart);
  const finishedAt = epochNow();
  closing = true;
  for (const s of streams) await Promise.race([s.client?.close(), sleep(2000)]);
  const result: ReplayResult = {
    mode: opts.mode,
    rateCdrPerSec: opts.rateCdrPerSec,
    window: opts.window,
    submitters: streams.map((s) => s.plmn),
    submitterUrls: streams.map((_, si) => urlOf(si)),
    waitFor: waitFinal ? 'final' : 'committed',
    startedAt,
    lastSendAt,
    finishedAt,
    records,
    nacks,
    errors,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()),
    stoppedBy,
  };
  sendAndExit({ type: 'done', result }, 0);
}

main().catch((err: unknown) => {
  sendAndExit({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) }, 1);
});
