import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import type { BuiltBatch } from '../../cdr/batch-builder.js';
import { readCdrCsv } from '../../cdr/csv.js';
import { readCdrJson } from '../../cdr/json.js';
import type { Cdr } from '../../cdr/model.js';
import type { CdrParseError } from '../../cdr/errors.js';
import { equalBytes, HexError } from '../../codec/bytes.js';
import { RejectCode } from '../../codec/ingest-reply.js';
import { BatchNackError, IngestClient, IngestConnectionError } from '../../client/ingest-client.js';
import { operatorFromKeyFile, readKeyFile } from '../../client/key-file.js';
import {
  fetchNodeChain, fetchOperatorSequences, fetchStoredBatch, httpBase, NodeAuthError, NodeHttpError, parseChainIdentity, UnknownOperatorError,
  waitForStoredCommit, WrongChainError, type NodeChain,
} from '../../client/node-http.js';
import { Operator } from '../../client/operator.js';
import { SealingKeysError } from '../../client/sealed-batches.js';
import type { OperatorRequestSigner } from '../../client/request-signer.js';
import { SubmitJournal, SubmitJournalError } from '../../client/submit-journal.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';
import { readGenesisFile } from '../../chain/genesis.js';
import { devnetPrivacy, type GenesisPrivacy } from '../../chain/genesis-privacy.js';
import { requestSigner } from '../request-signing.js';
import { startCountProgress } from '../progress.js';

interface SubmitOptions {
  operator?: number;
  key?: string;
  url: string;
  batchSize: number;
  window: number;
  format?: string;
  /** true or 'committed': until each batch is in a block; 'final': until that block is final; false: Ack only. */
  wait: boolean | string;
  skipInvalid?: boolean;
  chain?: Uint8Array;
  /** A path; false (--no-journal) for none; unset for the default, FILE.journal. */
  journal?: string | false;
  /** Seal each batch's payloads (issue 13, P2) with the keys of the genesis' privacy section. */
  seal?: boolean;
  /** The genesis whose privacy section names the keys (default: the embedded devnet's). */
  genesis?: string;
}

/** How a batch ended up on the node: acknowledged now, or found stored by an earlier run. */
interface Delivered {
  readonly stored: boolean;
  /** The block height once committed (started only when asked: polling is not free). */
  committed(): Promise<number>;
}

/** Re-signings of one batch under a fresh sequence after a Replay the node does not hold: beyond that, a real rejection. */
const MAX_RESEQUENCES = 2;

/** The privacy section sealed batches are made for: `--genesis FILE`'s, else the embedded devnet's. */
function sealingKeys(genesisFile: string | undefined): GenesisPrivacy {
  let privacy: GenesisPrivacy | undefined;
  try {
    privacy = genesisFile ? readGenesisFile(genesisFile).privacy : devnetPrivacy();
  } catch (err) {
    throw new CliError(`${genesisFile}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
  if (!privacy || privacy.sealedPayloads === 'off') throw new CliError(`--seal: the genesis ${genesisFile ?? '(embedded devnet)'} takes no sealed payloads`, EXIT.usage);
  return privacy;
}

function parseChainOption(v: string): Uint8Array {
  try {
    return parseChainIdentity(v);
  } catch (err) {
    if (err instanceof HexError) throw new CliError(`--chain must be a chain identity (64 hex digits, the genesisHash of GET /status), got "${v}"`, EXIT.usage);
    throw err;
  }
}

/**
 * cdrchain submit FILE: reads CDRs (CSV, JSON array or NDJSON), validates them, cuts them into
 * signed batches per counterparty, streams them over WS /ingest within a window of unanswered
 * batches, and waits until every accepted batch is committed.
 *
 * Batches are signed for the chain of the node it talks to (GET /status `genesisHash`; `--chain`
 * pins it). A journal beside the file remembers the sequence of every batch sent, so a re-run after
 * a crash signs those batches identically: when the node answers Replay, the client asks for the
 * batch by its id and, if the node holds it, reports it accepted (stored by the earlier run).
 */
export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .argument('<file>', 'CDRs as .csv, .json or .ndjson')
    .description('submit a file of CDRs to a node')
    .option('--operator <plmn>', 'submitting operator (devnet keys); default: the key file\'s, else the first CDR\'s submitter', parsePlmnOption)
    .option('--key <file>', 'operator key file (default: the devnet keys of --operator); it also signs the API calls (a node with api.auth signatures needs them)')
    .option('--url <url>', 'node address (ws:// or http://)', 'ws://127.0.0.1:7400')
    .option('--chain <hash>', 'refuse a node of any other chain (its genesisHash, as GET /status shows it); exit code 6', parseChainOption)
    .option('--batch-size <n>', 'CDRs per batch', parseIntOption('batch-size', 1, 65_536), 1000)
    .option('--window <n>', 'batches in flight before waiting for answers', parseIntOption('window', 1, 1024), 16)
    .option('--format <fmt>', 'csv | json (default: from the file extension)')
    .option('--journal <file>', 'where to remember what was sent, so a re-run recognises batches already stored (default: FILE.journal)')
    .option('--no-journal', 'keep no journal (a re-run then sees batches stored before a crash as duplicates)')
    .option('--wait [stage]', 'wait for each batch to reach: committed (in a block) | final (in a final block: a macro block with consensus)', 'committed')
    .option('--no-wait', 'do not wait for commits')
    .option('--skip-invalid', 'report and skip invalid CDRs instead of stopping at the first')
    .option('--seal', 'encrypt each record\'s payload (AES-256-GCM) and wrap the keys for this operator, the counterparty and the lawful-access key (HPKE, threshold ElGamal); keeps no journal: every sealing makes a new batch id')
    .option('--genesis <file>', 'with --seal: the genesis whose privacy section registers the encryption and lawful-access keys (default: the embedded devnet\'s)')
    .action(async (file: string, o: SubmitOptions) => {
      const summary = await submitFile(file, o);
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.rejectedBatches > 0) throw new CliError(`${summary.rejectedBatches} batch(es) rejected: ${JSON.stringify(summary.rejects)}`, EXIT.rejected);
    });
}

/** The sequence plan of one run: the journal of earlier runs, and the next fresh sequence. */
interface Plan {
  readonly journal: SubmitJournal | undefined;
  next: bigint;
}

async function submitFile(file: string, o: SubmitOptions) {
  if (typeof o.wait === 'string' && o.wait !== 'committed' && o.wait !== 'final') throw new CliError(`--wait ${o.wait}: expected committed or final`, EXIT.usage);
  // A stored batch's "committed" is durable in the node's chain: with consensus, already final.
  const waitFinal = o.wait === 'final';
  const format = o.format ?? (file.endsWith('.csv') ? 'csv' : file.endsWith('.json') || file.endsWith('.ndjson') ? 'json' : undefined);
  if (format !== 'csv' && format !== 'json') throw new CliError(`cannot tell the format of ${file}: pass --format csv|json`, EXIT.usage);
  const invalid: CdrParseError[] = [];
  const readOpts = o.skipInvalid ? { onError: (e: CdrParseError) => invalid.push(e) } : {};
  const source = createReadStream(file);
  const cdrs = format === 'csv' ? readCdrCsv(source, readOpts) : readCdrJson(source, readOpts);

  const base = httpBase(o.url);
  // Sign for the chain of the node we talk to, and only for the pinned one if --chain says so.
  const node: NodeChain = await fetchNodeChain(base, o.chain).catch((err: unknown) => {
    throw nodeError(err);
  });
  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  const privacy = o.seal ? sealingKeys(o.genesis) : undefined;
  let operator: Operator | undefined = keyFile
    ? operatorFromKeyFile(keyFile, node.genesisHash)
    : o.operator ? Operator.devnet(o.operator, node.genesisHash) : undefined;
  // Connected once the operator is known (it may be the first CDR's submitter): the upgrade is signed as it.
  let signer: OperatorRequestSigner | undefined;
  let client: IngestClient | undefined;
  const connect = async (op: Operator): Promise<IngestClient> => {
    signer = requestSigner(keyFile, op.plmn);
    return IngestClient.connect(`${base.replace(/^http/, 'ws')}/ingest`, { window: o.window, signer }).catch((err: unknown) => {
      throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
    });
  };

  // A bar on a terminal; plain timed lines in a pipe or a log (the count of a streamed file is open-ended).
  const progress = startCountProgress({ label: 'submit' });
  const showProgress = () => progress.update(accepted, `${accepted.toLocaleString('en-US')} CDRs accepted, ${acceptedBatches.toLocaleString('en-US')} batches, ${rejectedBatches.toLocaleString('en-US')} rejected`);
  const rejects: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let accepted = 0;
  let acceptedBatches = 0;
  let alreadyStoredBatches = 0;
  let rejectedBatches = 0;
  let plan: Plan | undefined;
  let batchIndex = 0;
  const committedHeights: number[] = [];
  const buffers = new Map<number, Cdr[]>();

  const startPlan = async (op: Operator): Promise<Plan> => {
    const { lastSequence } = await fetchOperatorSequences(base, op.plmn, signer);
    // A sealed batch's id changes with every sealing (fresh keys): a journal could not recognise it.
    const journal = o.journal === false || privacy ? undefined : SubmitJournal.open(typeof o.journal === 'string' ? o.journal : `${file}.journal`, {
      genesisHash: node.genesisHash, submitter: op.plmn, batchSize: o.batchSize,
    });
    const journalMax = journal?.maxSequence ?? 0n;
    return { journal, next: (journalMax > lastSequence ? journalMax : lastSequence) + 1n };
  };

  /** Batch `index` signed as an earlier run signed it (same sequence, so same id), else with a fresh sequence. */
  const sign = async (op: Operator, p: Plan, batchCdrs: Cdr[], index: number): Promise<BuiltBatch> => {
    if (privacy) return op.sealedBatch(batchCdrs, p.next++, privacy);
    const earlier = p.journal?.get(index);
    if (!earlier) return op.batch(batchCdrs, p.next++);
    const built = op.batch(batchCdrs, earlier.sequence);
    // The file changed since: this is another batch, and the old sequence is not its own.
    return equalBytes(built.id, earlier.id) ? built : op.resequence(built, p.next++);
  };

  const deliver = async (op: Operator, p: Plan, first: BuiltBatch, index: number, batchCdrs: Cdr[]): Promise<Delivered> => {
    let built = first;
    for (let attempt = 0; ; attempt++) {
      const known = p.journal?.get(index);
      if (!known || known.sequence !== built.header.sequence) p.journal?.record(index, built.header.sequence, built.id);
      try {
        const r = await client!.submit(built.frame, built.header.sequence, built.id);
        return { stored: false, committed: async () => (waitFinal ? (await r.final).height : (await r.committed).height) };
      } catch (err) {
        if (!(err instanceof BatchNackError) || err.code !== RejectCode.Replay) throw err;
        // Our sequence is taken: by this very batch, stored by an earlier run whose ack never came?
        const stored = await fetchStoredBatch(base, built.id, signer).catch((e: unknown) => {
          throw nodeError(e);
        });
        if (stored) return { stored: true, committed: () => waitForStoredCommit(base, built.id, { first: stored, ...(signer ? { signer } : {}) }) };
        if (attempt >= MAX_RESEQUENCES) throw err;
        // A sealed batch binds its sequence into every record key: seal it again.
        built = privacy ? await op.sealedBatch(batchCdrs, p.next++, privacy) : op.resequence(built, p.next++);
      }
    }
  };

  const send = async (batchCdrs: Cdr[]) => {
    if (!operator) throw new CliError('no operator: pass --operator or --key', EXIT.usage);
    const op = operator;
    client ??= await connect(op);
    plan ??= await startPlan(op);
    const p = plan;
    const index = batchIndex++;
    const built = await sign(op, p, batchCdrs, index);
    const outcome = deliver(op, p, built, index, batchCdrs).then(
      async (d) => {
        accepted += batchCdrs.length;
        acceptedBatches++;
        if (d.stored) alreadyStoredBatches++;
        showProgress();
        if (o.wait) committedHeights.push(await d.committed());
      },
      (err: unknown) => {
        if (err instanceof BatchNackError) {
          rejectedBatches++;
          rejects[err.reason] = (rejects[err.reason] ?? 0) + 1;
          showProgress();
          return;
        }
        throw err;
      },
    );
    pending.push(outcome);
    // Wait for the window: IngestClient.submit queues beyond it, so pace the reader too.
    if (client.inflight >= o.window) await Promise.race(pending.slice(-o.window));
  };

  let total = 0;
  try {
    for await (const c of cdrs) {
      total++;
      if (!operator) operator = Operator.devnet(c.submitter, node.genesisHash);
      if (c.submitter !== operator.plmn) throw new CliError(`CDR ${c.recordId} belongs to submitter ${c.submitter}, not ${operator.plmn}`, EXIT.usage);
      const buf = buffers.get(c.counterparty) ?? [];
      buffers.set(c.counterparty, buf);
      buf.push(c);
      if (buf.length >= o.batchSize) await send(buffers.get(c.counterparty)!.splice(0));
    }
    for (const counterparty of [...buffers.keys()].sort((a, b) => a - b)) {
      const rest = buffers.get(counterparty)!;
      if (rest.length > 0) await send(rest.splice(0));
    }
    await Promise.all(pending);
  } catch (err) {
    if (err instanceof IngestConnectionError) throw new CliError(err.message, EXIT.connection);
    if (err instanceof CliError) throw err;
    if (err instanceof SealingKeysError) throw new CliError(`--seal: ${err.message}`, EXIT.usage);
    if (err instanceof SubmitJournalError) throw new CliError(`${err.message}: pass --journal FILE elsewhere, or --no-journal`, EXIT.usage);
    if (err instanceof NodeHttpError || err instanceof UnknownOperatorError || err instanceof NodeAuthError) throw nodeError(err);
    if (err instanceof Error && err.name === 'CdrParseError') throw new CliError(`${file}: ${err.message}`, EXIT.usage);
    throw err;
  } finally {
    progress.stop();
    plan?.journal?.close();
    await client?.close();
  }
  return {
    file, submitter: operator?.plmn, chain: node.chainId, cdrsRead: total, invalidCdrs: invalid.length, acceptedCdrs: accepted,
    acceptedBatches, alreadyStoredBatches, rejectedBatches, rejects,
    ...(o.wait && committedHeights.length ? { committedUpToHeight: Math.max(...committedHeights) } : {}),
  };
}

/** A failure to learn what the node knows, as the CLI reports it. */
function nodeError(err: unknown): CliError {
  if (err instanceof NodeAuthError) return new CliError(err.message, EXIT.rejected);
  if (err instanceof WrongChainError) return new CliError(err.message, EXIT.wrongChain);
  if (err instanceof UnknownOperatorError) return new CliError(err.message, EXIT.rejected);
  if (err instanceof NodeHttpError) return new CliError(err.message, EXIT.connection);
  return new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
}
