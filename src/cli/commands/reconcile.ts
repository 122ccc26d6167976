import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { operatorFromKeyFile, readKeyFile, type KeyFile } from '../../client/key-file.js';
import { httpBase } from '../../client/node-http.js';
import { Operator } from '../../client/operator.js';
import { devnetChainIdentity } from '../../chain/devnet-chain.js';
import { devnetBatchSeed } from '../../chain/genesis.js';
import { NodeAnswerError, NodeApiClient, NodeApiError, NodeUnreachableError } from '../../client/node-api-client.js';
import { fetchNodeChain } from '../../client/node-http.js';
import { fromHex, toHex } from '../../codec/bytes.js';
import { privateKeyObject } from '../../crypto/ed25519.js';
import { ReconciliationInputError, VerdictInputError } from '../../reconciliation/errors.js';
import { explainViews, type ComparedRecord, type Explanation } from '../../reconciliation/explain.js';
import {
  BatchAnswerError, BatchRefusedError, comparedRecord, readDisputedRecords, type DisputedRecords, type SideRecord,
} from '../../reconciliation/disputed-records.js';
import { SealedOpenError } from '../../client/sealed-batches.js';
import { devnetEncryptionKeyPair, readEncryptionKeyFile } from '../../privacy/encryption-key-file.js';
import { EncryptionKeyFileError } from '../../privacy/errors.js';
import type { Cdr } from '../../cdr/model.js';
import { formatOperatorPair, parseOperatorPair, type OperatorPair } from '../../reconciliation/pair.js';
import { formatCalendarMonth, monthIndex, parseCalendarMonth } from '../../reconciliation/period.js';
import {
  computeVerdict, sameVerdict, signVerdict, verdictFrame, verdictFromJson, verdictTolerances, verdictToJson, verdictTxHash,
  type PairVerdict, type VerdictJson, type VerdictTolerances,
} from '../../reconciliation/verdict.js';
import {
  ReconciliationClient, ReconciliationHttpError, ReconciliationUnreachableError, type CountsJson, type DisputeJson,
} from '../../reconciliation/reconciliation-client.js';
import { viewsByEventHash, type CallViews } from '../../reconciliation/views-by-event.js';
import { readCdrFile } from '../cdr-files.js';
import { CliError, EXIT, parseIntOption, parsePlmnOption } from '../errors.js';
import { tolerancesFrom, withToleranceOptions } from '../tolerance-options.js';
import { requestSigner } from '../request-signing.js';
import { SignedReconciliationClient } from '../signed-reconciliation-client.js';

interface ReconcileOptions {
  pair: string;
  period: string;
  url: string;
  maxDisputes: number;
  json?: boolean;
  explain?: boolean;
  mine?: string;
  theirs?: string;
  operator?: number;
  key?: string;
  encryptionKey?: string;
  toleranceDuration: string;
  toleranceCharge: string;
  toleranceVolume: string;
  verdict?: string;
  cosign?: string;
  supersede?: boolean;
}

/**
 * cdrchain reconcile --pair A-B --period YYYY-MM: the node's counts for a (pair, period), its match
 * rate and the disputed events. With --explain, both sides' records of each disputed event, opened
 * from the node's sealed batches (readDisputedRecords) or taken from the operator's files (--mine,
 * --theirs), say which fields differ, and whether within the agreed tolerances.
 */
export function registerReconcile(program: Command): void {
  const command = program
    .command('reconcile')
    .description("a pair's reconciliation for a month: counts, match rate, disputed events (and, with --explain, why)")
    .requiredOption('--pair <a-b>', 'the two operators, PLMN ids joined by "-" (e.g. 20801-23415; either order)')
    .requiredOption('--period <yyyy-mm>', 'calendar month (UTC) of the batches\' period start, e.g. 2026-11')
    .option('--url <url>', 'node HTTP address', 'http://127.0.0.1:7400')
    .option('--max-disputes <n>', 'disputed events to fetch and list', parseIntOption('max-disputes', 0, 10_000_000), 1000)
    .option('--json', 'print one JSON document instead of text')
    .option('--explain', "explain each disputed event: both sides' records read from the node's sealed payloads (or from --mine / --theirs)")
    .option('--mine <file>', '--explain: your CDRs of the pair from a file (CSV as `cdrchain generate` writes it, or JSON/NDJSON) instead of the node')
    .option('--theirs <file>', "--explain: the counterparty's CDRs of the pair, as it shared them with you, instead of the node")
    .option('--operator <plmn>', 'you, with the devnet keys (INSECURE): signs the requests; --explain: your secrets (default: the submitter of the first record of --mine)', parsePlmnOption)
    .option('--key <file>', 'your key file: signs the requests (a node with api.auth signatures shows disputes and batches to the pair only); --explain: its pair secret links your files to the ledger\'s event hashes')
    .option('--encryption-key <file>', "--explain from the node: your X25519 key file, opens the pair's sealed batches (default: the devnet's INSECURE key of --operator)");
  withToleranceOptions(command, '--explain: ')
    .option('--verdict <file>', '--explain: sign the verdict (counts under the tolerances) as your half and write it to FILE for the counterparty; with --cosign, the fully signed one')
    .option('--cosign <file>', "--explain: the counterparty's half-signed verdict: recompute it from your records (the node's, or your files) under its tolerances, sign it if it is yours too, and submit it")
    .option('--supersede', "--verdict: replace the pair's latest recorded verdict of the period (the next revision)")
    .addHelpText('after', `
Counts are public; the list of disputed events is the pair's (an open devnet/--solo node serves it to
anyone; a node with operator authentication only to the pair's operators).

--explain reads both sides' records of each disputed event from the node: the ledger's public part
holds hashes and commitments only, but every batch of a sealed pair carries its payloads encrypted
to its submitter and its counterparty, so you can open your own batches and the counterparty's. Each
batch a dispute names is fetched once (GET /batch/{id} and /sealed, signed as you), checked against
its id and its public records, and opened with your encryption key (--encryption-key, or the devnet's
key of --operator). A plain (unsealed) batch has nothing to open: its events say "not sealed", and
--mine / --theirs supply the records instead. With --mine and --theirs, your plaintext files are used
(one of them: that side from the file, the other from the node): records are matched by event key
(IMSI and call reference), and their event hash is derived with your pair secret (--key, or the
devnet secrets) to find the ledger's disputed events in your files. Tolerances are applied here, on
your side. With --verdict FILE, the counts under those tolerances (matched, accepted within
tolerance, disputed, only one side) and a digest of each disputed event's resolution are signed with
your batch key and written to FILE; the counterparty runs the same command with --cosign FILE: its
own records must give the same verdict, then it signs and submits it as a transaction (GET
/reconciliation shows its counts to anyone). Every disputed event must be listed (--max-disputes).

Exit codes: 0 done; 2 bad arguments or files, or your encryption key does not open a batch; 3 the
node refused (401/403: authentication; a batch of a dispute: 404; a verdict: its code); 4 the node
could not be reached or answered something that is not the batch; 8 --cosign: your records give
another verdict.`)
    .action(async (o: ReconcileOptions) => {
      await reconcile(o);
    });
}

async function reconcile(o: ReconcileOptions): Promise<void> {
  let pair: OperatorPair;
  let period: string;
  try {
    pair = parseOperatorPair(o.pair);
    period = formatCalendarMonth(parseCalendarMonth(o.period));
  } catch (err) {
    if (err instanceof ReconciliationInputError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  let tolerances: VerdictTolerances | undefined;
  if ((o.verdict || o.cosign) && !o.explain) throw new CliError('--verdict and --cosign need --explain: the verdict is reached from your records', EXIT.usage);
  const halfSigned = o.cosign ? readVerdictFile(o.cosign) : undefined;
  if (o.explain) {
    // Co-signing: the tolerances are the ones the counterparty signed, not this command's.
    tolerances = halfSigned ? verdictTolerances(halfSigned.fields) : tolerancesFrom(o);
  }
  if (halfSigned && (halfSigned.pair.a !== pair.a || halfSigned.pair.b !== pair.b || monthIndex(halfSigned.period) !== monthIndex(parseCalendarMonth(period)))) {
    throw new CliError(`${o.cosign} is the verdict of ${formatOperatorPair(halfSigned.pair)} ${formatCalendarMonth(halfSigned.period)}, not of ${formatOperatorPair(pair)} ${period}`, EXIT.usage);
  }
  const pairText = formatOperatorPair(pair);
  // Signed as the operator of --key (or the devnet keys of --operator): a node that authenticates operators needs it for the disputes.
  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  const signAs = keyFile?.plmn ?? o.operator;
  const client = signAs !== undefined ? new SignedReconciliationClient(httpBase(o.url), requestSigner(keyFile, signAs)) : new ReconciliationClient(httpBase(o.url));
  let counts: CountsJson;
  let disputes: { total: number; disputes: DisputeJson[] };
  try {
    counts = await client.counts(pairText, period);
    disputes = o.maxDisputes > 0 ? await client.disputes(pairText, period, o.maxDisputes) : { total: counts.mismatched + counts.onlyA + counts.onlyB, disputes: [] };
  } catch (err) {
    if (err instanceof ReconciliationUnreachableError) throw new CliError(err.message, EXIT.connection);
    if (err instanceof ReconciliationHttpError) {
      throw new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, err.status === 400 ? EXIT.usage : EXIT.rejected);
    }
    throw err;
  }
  const explained = o.explain ? await explainDisputes(o, pair, disputes.disputes, tolerances!) : undefined;
  const explanations = explained?.explained;
  let verdict: VerdictOutcome | undefined;
  if (explained && (o.verdict || o.cosign)) {
    const unread = explained.explained.filter((e) => e.unexplained === 'not_sealed' || e.unexplained === 'pruned').length;
    if (unread > 0) throw new CliError(`${unread} disputed events are in batches the node cannot open for you (not sealed, or pruned): pass --mine and --theirs to reach a verdict`, EXIT.usage);
    verdict = await reachVerdict(o, { pair, period: parseCalendarMonth(period), me: explained.me, keyFile, counts, disputes, explained: explained.explained, tolerances: tolerances!, halfSigned });
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({
      ...counts, disputesTotal: disputes.total, disputes: disputes.disputes.map((d, i) => ({ ...d, ...(explanations ? { explanation: explanations[i] ?? null } : {}) })),
      ...(verdict ? { verdict: { ...verdict.json, hash: verdict.hash, ...(verdict.submitted ? { submitted: verdict.submitted } : {}) } } : {}),
    })}\n`);
    return;
  }
  process.stdout.write(formatReport(counts, disputes, explanations));
  if (verdict) process.stdout.write(formatVerdict(verdict, o));
}

interface VerdictOutcome {
  readonly json: VerdictJson;
  readonly hash: string;
  /** --cosign: what the node answered. */
  readonly submitted?: { readonly hash: string; readonly status: string };
}

/**
 * The verdict of the listed disputes under `tolerances`, signed by `me`: written to --verdict (a half
 * for the counterparty), or, with --cosign, checked against the counterparty's half, completed and
 * submitted.
 */
async function reachVerdict(o: ReconcileOptions, v: {
  pair: OperatorPair; period: ReturnType<typeof parseCalendarMonth>; me: number; keyFile: KeyFile | undefined;
  counts: CountsJson; disputes: { total: number; disputes: DisputeJson[] }; explained: readonly ExplainedDispute[];
  tolerances: VerdictTolerances; halfSigned: PairVerdict | undefined;
}): Promise<VerdictOutcome> {
  if (v.disputes.disputes.length !== v.disputes.total) {
    throw new CliError(`a verdict covers every disputed event: ${v.disputes.total} are disputed and ${v.disputes.disputes.length} listed (raise --max-disputes)`, EXIT.usage);
  }
  const base = httpBase(o.url);
  const node = await fetchNodeChain(base).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  });
  const api = new NodeApiClient(base, { signer: requestSigner(v.keyFile, v.me) });
  const half = v.halfSigned;
  let supersedes: { hash: Uint8Array; revision: number } | undefined;
  if (half?.fields.supersedes) supersedes = { hash: half.fields.supersedes, revision: half.fields.revision - 1 };
  else if (!half && o.supersede) {
    const latest = await api.reconciliationVerdict(formatOperatorPair(v.pair), formatCalendarMonth(v.period)).catch((err: unknown) => { throw nodeError(err); });
    if (!latest.verdict) throw new CliError(`${formatOperatorPair(v.pair)} has no verdict for ${formatCalendarMonth(v.period)} to supersede`, EXIT.usage);
    supersedes = { hash: fromHex(latest.verdict.txHash, 32), revision: latest.verdict.revision };
  }
  // Co-signing: the node's counts must still be the ones the half was reached on (its height may have moved on).
  const height = half ? Number(half.fields.indexedHeight) : v.counts.indexedHeight;
  if (height > v.counts.indexedHeight) throw new CliError(`the node's index is at height ${v.counts.indexedHeight}, below the verdict's ${height}: retry shortly, or ask another node`, EXIT.rejected);
  let mine: PairVerdict;
  try {
    mine = computeVerdict({
      pair: v.pair, period: v.period, counts: { ...v.counts, indexedHeight: height }, tolerances: v.tolerances,
      events: v.disputes.disputes.map((d, i) => ({ eventHash: d.eventHash, class: d.class, explanation: v.explained[i]?.explanation ?? null })),
      ...(supersedes ? { supersedes } : {}),
    });
  } catch (err) {
    if (err instanceof VerdictInputError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  const key = privateKeyObject(v.keyFile ? fromHex(v.keyFile.batchSeed, 32) : devnetBatchSeed(v.me));
  if (half && !sameVerdict(half.fields, mine.fields)) {
    const a = verdictToJson(half);
    const b = verdictToJson(mine);
    const differ = (['counts', 'resolutionsDigest', 'indexedHeight', 'revision', 'supersedes'] as const).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    throw new CliError(`your records give another verdict than ${o.cosign} (${differ.join(', ')} differ: yours ${JSON.stringify(b.counts)}, theirs ${JSON.stringify(a.counts)}); not signed`, EXIT.verdictDisagrees);
  }
  const signed = signVerdict(half ?? mine, v.me, key, node.genesisHash);
  const hash = toHex(verdictTxHash(signed.fields, node.genesisHash));
  if (o.verdict) writeFileSync(o.verdict, `${JSON.stringify(verdictToJson(signed), null, 2)}\n`);
  if (!half) return { json: verdictToJson(signed), hash };
  let frame: Uint8Array;
  try {
    frame = verdictFrame(signed, v.me);
  } catch (err) {
    if (err instanceof VerdictInputError) throw new CliError(`${o.cosign}: ${err.message}`, EXIT.usage);
    throw err;
  }
  const accepted = await api.submitContractTx(frame).catch((err: unknown) => {
    if (err instanceof NodeApiError && err.code !== 'not_json') throw new CliError(`the node refused the verdict: ${err.code}: ${err.message}`, EXIT.rejected);
    throw nodeError(err);
  });
  return { json: verdictToJson(signed), hash, submitted: { hash: accepted.hash, status: accepted.status } };
}

function readVerdictFile(file: string): PairVerdict {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
  }
  try {
    return verdictFromJson(JSON.parse(text));
  } catch (err) {
    if (err instanceof VerdictInputError || err instanceof SyntaxError) throw new CliError(`${file}: ${err.message}`, EXIT.usage);
    throw err;
  }
}

function nodeError(err: unknown): CliError {
  if (err instanceof NodeApiError && err.code !== 'not_json') return new CliError(`the node refused: ${err.status} ${err.code}: ${err.message}`, EXIT.rejected);
  return new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
}

function formatVerdict(v: VerdictOutcome, o: ReconcileOptions): string {
  const c = v.json.counts;
  const [a, b] = v.json.pair.split('-');
  const lines = [
    `verdict ${v.json.pair} ${v.json.period} revision ${v.json.revision}: matched ${c.matched}, accepted within tolerance ${c.accepted}, disputed ${c.disputed}, only ${a} ${c.onlyA}, only ${b} ${c.onlyB}`,
  ];
  if (v.submitted) lines.push(`signed by both operators and submitted: transaction ${v.submitted.hash} (${v.submitted.status})`);
  else lines.push(`signed by you${o.verdict ? `, written to ${o.verdict}` : ''}: the counterparty co-signs it (reconcile --explain ... --cosign FILE)`);
  return `${lines.join('\n')}\n`;
}

interface ExplainedDispute {
  /** The call reference, when a file had the call (payloads carry no call reference). */
  readonly callRef: string | null;
  /** A record id of the call: yours, else the counterparty's. */
  readonly recordId: string | null;
  readonly explanation: Explanation | null;
  /** Why there is no explanation: the files lack the call, or a batch read from the node has no payloads to open. */
  readonly unexplained?: 'not_in_files' | 'not_sealed' | 'pruned';
}

/** A side's record of a call, from a file (a CDR) or from the node (a payload); undefined when that side has none. */
interface SideView {
  readonly record: ComparedRecord;
  readonly recordId: string;
  readonly callRef: string | null;
}
type Unreadable = 'not_sealed' | 'pruned';

async function explainDisputes(o: ReconcileOptions, pair: OperatorPair, disputes: readonly DisputeJson[], t: VerdictTolerances): Promise<{ me: number; explained: ExplainedDispute[] }> {
  const mine = o.mine ? await readCdrFile(o.mine, 'reconcile') : undefined;
  const theirs = o.theirs ? await readCdrFile(o.theirs, 'reconcile') : undefined;
  const keyFile = o.key ? readKeyFile(o.key) : undefined;
  const me = keyFile?.plmn ?? o.operator ?? mine?.[0]?.submitter;
  if (me === undefined) throw new CliError(`--explain: cannot tell who you are${o.mine ? ` (empty ${o.mine})` : ''}: pass --operator or --key`, EXIT.usage);
  if (me !== pair.a && me !== pair.b) throw new CliError(`--explain: operator ${me} is not in pair ${formatOperatorPair(pair)}`, EXIT.usage);
  const mySide = me === pair.a ? 'a' : 'b';
  const theirSide = mySide === 'a' ? 'b' : 'a';
  let views: Map<string, CallViews> | undefined;
  if (mine || theirs) {
    if (!keyFile) process.stderr.write(`reconcile: deriving event hashes with the devnet secrets of ${me} (INSECURE; pass --key for real ones)\n`);
    const op = keyFile ? operatorFromKeyFile(keyFile, devnetChainIdentity()) : Operator.devnet(me);
    views = viewsByEventHash(me, mine ?? [], theirs ?? [], (cdrs) => op.publicRecords(cdrs));
  }
  const sides = mySide === 'a' ? { a: !mine, b: !theirs } : { a: !theirs, b: !mine };
  const read = !mine || !theirs ? await nodeRecords(o, me, keyFile, disputes, sides) : undefined;
  const fromFile = (c: Cdr | undefined): SideView | undefined => (c ? { record: c, recordId: c.recordId, callRef: c.callRef } : undefined);
  const fromNode = (r: SideRecord): SideView | Unreadable | undefined => {
    if (r.state === 'read') return { record: comparedRecord(r.record), recordId: r.record.recordId, callRef: null };
    return r.state === 'unreadable' ? r.reason : undefined;
  };
  return {
    me,
    explained: disputes.map((d, i): ExplainedDispute => {
      const v = views?.get(d.eventHash);
      const m = mine ? fromFile(v?.mine) : fromNode(read![i]![mySide]);
      const th = theirs ? fromFile(v?.theirs) : fromNode(read![i]![theirSide]);
      if (typeof m === 'string' || typeof th === 'string') return { callRef: null, recordId: null, explanation: null, unexplained: typeof m === 'string' ? m : (th as Unreadable) };
      if (!m && !th) return { callRef: null, recordId: null, explanation: null, unexplained: 'not_in_files' };
      return { callRef: m?.callRef ?? th?.callRef ?? null, recordId: (m ?? th)!.recordId, explanation: explainViews(m?.record, th?.record, t) };
    }),
  };
}

/** The disputes' records read from the node's sealed batches, signed and opened as `me`. */
async function nodeRecords(o: ReconcileOptions, me: number, keyFile: KeyFile | undefined, disputes: readonly DisputeJson[], sides: { a: boolean; b: boolean }): Promise<DisputedRecords[]> {
  let privateKey: Uint8Array;
  try {
    privateKey = o.encryptionKey ? readEncryptionKeyFile(o.encryptionKey).privateKey : (await devnetEncryptionKeyPair(me)).privateKey;
  } catch (err) {
    if (err instanceof EncryptionKeyFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  if (!o.encryptionKey) process.stderr.write(`reconcile: opening sealed batches with the devnet encryption key of ${me} (INSECURE; pass --encryption-key for a real one)\n`);
  const base = httpBase(o.url);
  const node = await fetchNodeChain(base).catch((err: unknown) => {
    throw new CliError(err instanceof Error ? err.message : String(err), EXIT.connection);
  });
  const api = new NodeApiClient(base, { signer: requestSigner(keyFile, me) });
  try {
    return await readDisputedRecords({ api, chain: node.genesisHash, reader: me, privateKey, disputes, sides, concurrency: 4 });
  } catch (err) {
    if (err instanceof BatchRefusedError) throw new CliError(err.message, EXIT.rejected);
    if (err instanceof SealedOpenError) throw new CliError(err.message, EXIT.usage);
    if (err instanceof BatchAnswerError) throw new CliError(`${base}: ${err.message}`, EXIT.connection);
    if (err instanceof NodeUnreachableError || err instanceof NodeAnswerError || err instanceof NodeApiError) throw new CliError(`${base}: ${err.message}`, EXIT.connection);
    throw err;
  }
}

function formatReport(c: CountsJson, d: { total: number; disputes: readonly DisputeJson[] }, explained: readonly ExplainedDispute[] | undefined): string {
  const lines: string[] = [];
  const pct = c.matchRate === null ? 'n/a' : `${(c.matchRate * 100).toFixed(2)}%`;
  const w = (n: number) => String(n).padStart(10);
  lines.push(`reconciliation ${c.pair} ${c.period} (every block through height ${c.indexedHeight} classified)`);
  lines.push(`  events      ${w(c.events)}`);
  lines.push(`  matched     ${w(c.matched)}   match rate ${pct}`);
  lines.push(`  mismatched  ${w(c.mismatched)}`);
  lines.push(`  only ${String(c.a).padEnd(6)} ${w(c.onlyA)}`);
  lines.push(`  only ${String(c.b).padEnd(6)} ${w(c.onlyB)}`);
  lines.push(`  records     ${c.a}: ${c.records.a}, ${c.b}: ${c.records.b}${c.duplicates.a + c.duplicates.b > 0 ? ` (repeated event keys: ${c.a}: ${c.duplicates.a}, ${c.b}: ${c.duplicates.b})` : ''}`);
  lines.push(`disputed events: ${d.total}${d.disputes.length < d.total ? ` (listing ${d.disputes.length}; --max-disputes for more)` : ''}`);
  const cls = (x: DisputeJson) => (x.class === 'mismatched' ? 'mismatched' : `only ${x.class === 'only_a' ? c.a : c.b}`);
  const loc = (plmn: number, l: DisputeJson['a']) => (l ? `${plmn} ${l.batchId.slice(0, 16)}…#${l.recordIndex}` : '');
  const tally = { equal: 0, within_tolerance: 0, differs: 0, only_mine: 0, only_theirs: 0, unknown: 0, unread: 0 };
  d.disputes.forEach((x, i) => {
    let line = `  ${cls(x).padEnd(11)} ${x.eventHash}  ${[loc(c.a, x.a), loc(c.b, x.b)].filter(Boolean).join('  ')}`;
    const e = explained?.[i];
    if (e) {
      if (!e.explanation) {
        if (e.unexplained === 'not_sealed' || e.unexplained === 'pruned') {
          tally.unread++;
          line += `\n      ${e.unexplained === 'not_sealed' ? 'not sealed' : 'pruned by retention'}: pass --mine/--theirs`;
        } else {
          tally.unknown++;
          line += '\n      not in your files';
        }
      } else {
        tally[e.explanation.verdict]++;
        line += `\n      ${e.callRef !== null ? `call ${e.callRef}` : `record ${e.recordId}`}: ${describe(e.explanation)}`;
      }
    }
    lines.push(line);
  });
  if (explained) {
    lines.push(`explained: ${tally.within_tolerance} within tolerance, ${tally.differs} beyond tolerance, ${tally.only_mine + tally.only_theirs} recorded by one side only` +
      `${tally.equal ? `, ${tally.equal} equal in your records (the records on the ledger are not these files)` : ''}${tally.unknown ? `, ${tally.unknown} not in your files` : ''}` +
      `${tally.unread ? `, ${tally.unread} in batches without payloads to open (not sealed or pruned: pass --mine/--theirs)` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function describe(e: Explanation): string {
  switch (e.verdict) {
    case 'only_mine':
      return 'only in your records (the counterparty has none)';
    case 'only_theirs':
      return "only in the counterparty's records (you have none)";
    case 'equal':
      return 'the two records agree on every field';
    default:
      return `${e.differences.map((f) => `${f.field} ${f.mine} vs ${f.theirs}${f.tolerated ? ' (tolerated)' : ''}`).join(', ')} → ${e.verdict === 'within_tolerance' ? 'within tolerance' : 'beyond tolerance'}`;
  }
}
