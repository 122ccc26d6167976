#!/usr/bin/env node
// Writes ops/grafana/cdrchain.json, the Grafana dashboard over a cdrchain node's /metrics.
// The JSON is what operators import; this script is how it is kept regular (unique ids, one grid,
// the same selector in every query). Edit here, then: node ops/grafana/generate-dashboard.mjs
// (src/metrics/ops-dashboards.test.ts fails when the JSON and this script disagree).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DS = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
/** Every series is narrowed to the chosen jobs and instances, so one dashboard shows every validator. */
const SEL = 'job=~"$job",instance=~"$instance"';
const RATE = '[$__rate_interval]';

const m = (name, extra = '') => `${name}{${SEL}${extra ? `,${extra}` : ''}}`;
const rate = (name, extra) => `rate(${m(name, extra)}${RATE})`;
const quantile = (q, base, by = 'instance') => `histogram_quantile(${q}, sum by (${by}, le) (${rate(`${base}_bucket`)}))`;

/** A panel: `targets` are [expr, legend] pairs. */
function ts(title, description, unit, targets, opts = {}) {
  return { kind: opts.kind ?? 'timeseries', title, description, unit, targets, w: opts.w ?? 8, h: opts.h ?? 8, ...opts };
}

const rows = [
  {
    title: 'Ingest',
    panels: [
      ts('CDR/s accepted and committed', 'CDRs in batches accepted (durable, Ack sent) and CDRs written in committed blocks (on a validator: final), per node.', 'cps', [
        [`sum by (instance) (${rate('cdrchain_ingest_cdrs_accepted_total')})`, 'accepted {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_cdrs_committed_total')})`, 'committed {{instance}}'],
      ]),
      ts('Batches by outcome', 'Batches received per second, accepted or rejected.', 'reqps', [
        [`sum by (instance, outcome) (${rate('cdrchain_ingest_batches_total')})`, '{{outcome}} {{instance}}'],
      ]),
      ts('Rejects by reason', 'Rejected batches per second by RejectCode (schemas/ingest.fbs). Busy and StorageFull are retried by the client; BadSignature, Replay, DuplicateRecord point at a submitter.', 'reqps', [
        [`sum by (reason) (${rate('cdrchain_ingest_rejects_total')})`, '{{reason}}'],
      ]),
      ts('Admission latency p50 / p99', 'Frame received to batch accepted and durable (cdrchain_admission_seconds), and the LMDB commit with its fsync that the Ack waits for (cdrchain_admission_persist_seconds).', 's', [
        [quantile(0.5, 'cdrchain_admission_seconds'), 'p50 {{instance}}'],
        [quantile(0.99, 'cdrchain_admission_seconds'), 'p99 {{instance}}'],
        [quantile(0.99, 'cdrchain_admission_persist_seconds'), 'persist p99 {{instance}}'],
      ]),
      ts('In flight and mempool', 'Batches between receipt and verdict; accepted transactions waiting for a block.', 'short', [
        [m('cdrchain_ingest_inflight_batches'), 'in flight {{instance}}'],
        [m('cdrchain_mempool_txs'), 'mempool txs {{instance}}'],
      ]),
      ts('Ingest bytes/s', 'Bytes of batch frames received.', 'Bps', [
        [`sum by (instance) (${rate('cdrchain_ingest_bytes_total')})`, '{{instance}}'],
      ]),
      ts('API refusals by reason', 'Connections, subscribers and uploads refused or closed to protect the node (connection caps, malformed frames, bad signatures).', 'reqps', [
        [`sum by (instance, reason) (${rate('cdrchain_api_refusals_total')})`, '{{reason}} {{instance}}'],
      ]),
      ts('WebSocket connections', 'Open WS /ingest and /events connections.', 'short', [
        [`sum by (instance, endpoint) (${m('cdrchain_ws_connections')})`, '{{endpoint}} {{instance}}'],
      ]),
      ts('Contract transactions by outcome', 'Contract deploy/call transactions received (accepted or the reject reason) and receipts by status.', 'reqps', [
        [`sum by (outcome) (${rate('cdrchain_contract_txs_total')})`, '{{outcome}}'],
        [`sum by (status) (${rate('cdrchain_contract_receipts_total')})`, 'receipt {{status}}'],
      ]),
    ],
  },
  {
    title: 'Storage',
    panels: [
      ts('Storage writable', '1: the data directory takes writes. 0: a write failed (disk full, I/O error): batches get StorageFull, /health/ready is 503, a probe retries with back-off.', 'none', [
        [m('cdrchain_storage_writable'), '{{instance}}'],
      ], { kind: 'stat', w: 6, mappings: [{ type: 'value', options: { 0: { text: 'NOT WRITABLE', color: 'red' }, 1: { text: 'writable', color: 'green' } } }], thresholds: [['red', null], ['green', 1]] }),
      ts('Write and commit failures', 'Failed durable writes by what was written, and block commits that failed (retried with back-off).', 'short', [
        [`sum by (instance, what) (increase(${m('cdrchain_storage_write_failures_total')}${RATE}))`, '{{what}} {{instance}}'],
        [`sum by (instance) (increase(${m('cdrchain_block_commit_failures_total')}${RATE}))`, 'block commit {{instance}}'],
      ], { w: 6 }),
      ts('LMDB and body files', 'Size of LMDB\'s data file (never shrinks; freed pages are reused) and of the transaction body segment files (batch frames).', 'bytes', [
        [m('cdrchain_lmdb_size_bytes'), 'LMDB {{instance}}'],
        [m('cdrchain_tx_body_bytes'), 'bodies {{instance}}'],
      ], { w: 6 }),
      ts('Disk per CDR', 'LMDB + body files + nullifier segments (16 B per cold key) over every record ever accepted (cdrchain_nullifier_set_size). ~142 B/CDR without retention; retention lowers it.', 'bytes', [
        [`(${m('cdrchain_lmdb_size_bytes')} + ${m('cdrchain_tx_body_bytes')} + 16 * ${m('cdrchain_nullifier_cold_keys')}) / clamp_min(${m('cdrchain_nullifier_set_size')}, 1)`, '{{instance}}'],
      ], { w: 6 }),
      ts('Block commit time p99', 'Writing a block (on a validator: every block of a batch at its macro block) and its state in one LMDB transaction.', 's', [
        [quantile(0.99, 'cdrchain_block_commit_seconds'), 'p99 {{instance}}'],
        [quantile(0.5, 'cdrchain_block_commit_seconds'), 'p50 {{instance}}'],
      ]),
      ts('Nullifier index', 'Records ever accepted (every nullifier is kept), keys in the in-memory tables, and sorted segment files.', 'short', [
        [m('cdrchain_nullifier_set_size'), 'keys {{instance}}'],
        [m('cdrchain_nullifier_hot_entries'), 'hot {{instance}}'],
        [m('cdrchain_nullifier_segments'), 'segments {{instance}}'],
      ]),
      ts('Retention', 'Records and block bodies pruned per second, and prune runs that failed.', 'short', [
        [`sum by (instance) (${rate('cdrchain_pruned_records_total')})`, 'records/s {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_pruned_block_bodies_total')})`, 'block bodies/s {{instance}}'],
        [`sum by (instance) (increase(${m('cdrchain_prune_failures_total')}${RATE}))`, 'failed runs {{instance}}'],
      ]),
      ts('Reconciliation index', 'Committed blocks the index has not classified yet, records classified per second, and the p99 of its worker\'s time per chunk. The index is derived from committed blocks in its own worker: a lag that keeps growing means it classifies more slowly than blocks commit, and reconciliation reports trail the chain.', 'short', [
        [m('cdrchain_reconciliation_index_lag_blocks'), 'lag (blocks) {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_reconciliation_indexed_records_total')})`, 'records/s {{instance}}'],
        [quantile(0.99, 'cdrchain_reconciliation_chunk_seconds'), 'chunk p99 (s) {{instance}}'],
      ]),
      ts('Reconciliation entries', 'Entries the index holds: events both sides submitted (matched ones only while their month is open), events seen from one side (kept: they are disputes; a one-sided entry a newer run superseded counts until a merge drops it), (pair, month)s still open, and the sorted runs holding them by storage (files: large runs; lmdb: small ones). Runs merge four at a time, so a (pair, month) has a handful.', 'short', [
        [`sum by (instance, kind) (${m('cdrchain_reconciliation_index_entries')})`, '{{kind}} {{instance}}'],
        [`sum by (instance, storage) (${m('cdrchain_reconciliation_index_runs')})`, 'runs ({{storage}}) {{instance}}'],
      ]),
    ],
  },
  {
    title: 'Workers',
    panels: [
      ts('Job queue depth by kind', 'Jobs waiting for a worker per kind (batch verification, BLS signature sets). A full queue refuses jobs (queue_full below).', 'short', [
        [`sum by (instance, kind) (${m('cdrchain_job_queue_depth')})`, '{{kind}} {{instance}}'],
        [m('cdrchain_pool_queue_depth'), 'verification tasks {{instance}}'],
      ]),
      ts('Worker utilisation', 'Share of worker time spent on tasks since start (0-1). Near 1: verification is the bottleneck; add --workers or cores.', 'percentunit', [
        [m('cdrchain_pool_utilization'), '{{instance}}'],
      ], { max: 1 }),
      ts('Job seconds by kind (p50 / p99)', 'Worker time per job, by kind.', 's', [
        [quantile(0.5, 'cdrchain_job_seconds', 'instance, kind'), 'p50 {{kind}} {{instance}}'],
        [quantile(0.99, 'cdrchain_job_seconds', 'instance, kind'), 'p99 {{kind}} {{instance}}'],
      ]),
      ts('Job wait p99 by kind', 'Time a job waited in its queue before a worker took it.', 's', [
        [quantile(0.99, 'cdrchain_job_wait_seconds', 'instance, kind'), '{{kind}} {{instance}}'],
      ]),
      ts('Jobs and job errors', 'Jobs completed per second by kind; jobs not completed by kind and reason (queue_full: backpressure, failed: the worker threw, closed: the pool closed).', 'ops', [
        [`sum by (instance, kind) (${rate('cdrchain_jobs_total')})`, '{{kind}} {{instance}}'],
        [`sum by (instance, kind, reason) (${rate('cdrchain_job_errors_total')})`, 'error {{kind}} {{reason}} {{instance}}'],
      ]),
      ts('BLS signature sets', 'BLS signature sets verified per second by result (votes, justifications), and batches whose combined check failed and were verified set by set.', 'ops', [
        [`sum by (instance, result) (${rate('cdrchain_bls_signature_sets_total')})`, '{{result}} {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_bls_batch_retries_total')})`, 'retried batches {{instance}}'],
      ]),
      ts('Verification task time p99', 'Worker time per batch verification task (signature, records digest, Merkle root).', 's', [
        [quantile(0.99, 'cdrchain_pool_task_seconds'), '{{instance}}'],
      ]),
    ],
  },
  {
    title: 'Consensus',
    panels: [
      ts('Head and final height', 'Head of the block tree (micro blocks, not final) and the last final (macro) block. Every validator should show the same final height a moment apart.', 'short', [
        [m('cdrchain_consensus_head_height'), 'head {{instance}}'],
        [m('cdrchain_consensus_final_height'), 'final {{instance}}'],
      ]),
      ts('Blocks above final', 'Head height minus final height: grows past the batch length (32) only when macro blocks are not being decided.', 'short', [
        [`${m('cdrchain_consensus_head_height')} - ${m('cdrchain_consensus_final_height')}`, '{{instance}}'],
      ]),
      ts('Finality p50 / p99', 'From a block joining the head branch here to it becoming final.', 's', [
        [quantile(0.5, 'cdrchain_consensus_finality_seconds'), 'p50 {{instance}}'],
        [quantile(0.99, 'cdrchain_consensus_finality_seconds'), 'p99 {{instance}}'],
      ]),
      ts('Blocks by kind', 'Blocks per second that joined the head branch or became final, by kind. Skip blocks: a producer missed its slot (it is down, slow or partitioned).', 'ops', [
        [`sum by (instance, kind) (${rate('cdrchain_consensus_blocks_total')})`, '{{kind}} {{instance}}'],
      ]),
      ts('Macro round', 'Tendermint round of the next macro block (-1 before it starts). Rounds above 0: a proposal or a vote timed out.', 'short', [
        [m('cdrchain_consensus_macro_round'), '{{instance}}'],
      ], { w: 6 }),
      ts('Batch and epoch', 'Current batch (blocks between two macro blocks) and epoch.', 'short', [
        [m('cdrchain_consensus_batch'), 'batch {{instance}}'],
        [m('cdrchain_consensus_epoch'), 'epoch {{instance}}'],
      ], { w: 6 }),
      ts('Fork proofs', 'Fork proofs carried by accepted blocks: a producer signed two blocks for one slot. Any is an incident.', 'short', [
        [`sum by (instance) (increase(${m('cdrchain_consensus_fork_proofs_total')}${RATE}))`, '{{instance}}'],
      ], { w: 6 }),
      ts('Behind peers', 'Blocks between the highest height seen from peers and the head here (0: in sync).', 'short', [
        [m('cdrchain_consensus_sync_behind_blocks'), '{{instance}}'],
      ], { w: 6 }),
      ts('Messages by verdict', 'Consensus messages judged per second, by verdict (accept, ignore, reject, penalise).', 'ops', [
        [`sum by (instance, verdict) (${rate('cdrchain_consensus_messages_total')})`, '{{verdict}} {{instance}}'],
      ], { w: 12 }),
      ts('Messages by kind', 'Consensus messages judged per second, by message kind.', 'ops', [
        [`sum by (kind) (${rate('cdrchain_consensus_messages_total')})`, '{{kind}}'],
      ], { w: 12 }),
    ],
  },
  {
    title: 'P2P',
    panels: [
      ts('Peers', 'Validators connected and authenticated (TLS 1.3, consortium certificates). A validator needs peers holding 2f+1 of the voting power with it to make progress.', 'short', [
        [m('cdrchain_p2p_peers'), '{{instance}}'],
      ], { w: 6 }),
      ts('Peer scores', 'Score of each peer as this node sees it; below the threshold a peer is disconnected and backed off.', 'short', [
        [m('cdrchain_p2p_peer_score'), 'peer {{peer}} @ {{instance}}'],
      ], { w: 6 }),
      ts('P2P bytes/s by kind', 'P2P payload bytes per second by direction and message kind.', 'Bps', [
        [`sum by (direction, kind) (${rate('cdrchain_p2p_bytes_total')})`, '{{direction}} {{kind}}'],
      ], { w: 12 }),
      ts('Dropped frames by reason', 'P2P frames dropped unread (over budget, malformed, unknown kind).', 'ops', [
        [`sum by (instance, reason) (${rate('cdrchain_p2p_frames_dropped_total')})`, '{{reason}} {{instance}}'],
      ], { w: 12 }),
      ts('Refused connections by reason', 'P2P connections refused at or after the TLS handshake (unknown CA, not a member, duplicate, banned).', 'ops', [
        [`sum by (instance, reason) (${rate('cdrchain_p2p_connections_refused_total')})`, '{{reason}} {{instance}}'],
      ], { w: 12 }),
    ],
  },
  {
    title: 'Relay',
    panels: [
      ts('Relayed transactions', 'Transactions admitted from clients here and relayed to the validators, by kind; bytes per copy before fan-out.', 'ops', [
        [`sum by (instance, kind) (${rate('cdrchain_relay_txs_total')})`, '{{kind}} {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_relay_bytes_total')})`, 'bytes/s {{instance}}'],
      ]),
      ts('Received from peers by outcome', 'Transactions received from peers (relayed or fetched) by kind and admission outcome.', 'ops', [
        [`sum by (kind, outcome) (${rate('cdrchain_relay_received_total')})`, '{{kind}} {{outcome}}'],
      ]),
      ts('Bodies requested and served', 'Bodies asked of peers because a block named them before they arrived, and bodies sent to peers that asked.', 'ops', [
        [`sum by (instance) (${rate('cdrchain_relay_bodies_requested_total')})`, 'requested {{instance}}'],
        [`sum by (instance) (${rate('cdrchain_relay_bodies_served_total')})`, 'served {{instance}}'],
      ]),
    ],
  },
  {
    title: 'Process',
    panels: [
      ts('Resident memory', 'Process RSS (target < 1 GiB; the mapped LMDB file counts, see README "Nullifiers") and V8 heap used.', 'bytes', [
        [m('cdrchain_process_resident_memory_bytes'), 'RSS {{instance}}'],
        [m('cdrchain_nodejs_heap_size_used_bytes'), 'heap {{instance}}'],
      ]),
      ts('CPU', 'CPU seconds per second (user + system; worker threads included): 1 = one core.', 'percentunit', [
        [rate('cdrchain_process_cpu_seconds_total'), '{{instance}}'],
      ]),
      ts('Event-loop lag', 'Main-thread event-loop delay: admission order, WebSocket replies and consensus timers wait behind it.', 's', [
        [m('cdrchain_nodejs_eventloop_lag_p50_seconds'), 'p50 {{instance}}'],
        [m('cdrchain_nodejs_eventloop_lag_p99_seconds'), 'p99 {{instance}}'],
        [m('cdrchain_nodejs_eventloop_lag_max_seconds'), 'max {{instance}}'],
      ]),
      ts('Open file descriptors', 'Open descriptors against the limit (LimitNOFILE in the systemd unit): sockets, body segments, nullifier segments.', 'short', [
        [m('cdrchain_process_open_fds'), 'open {{instance}}'],
        [m('cdrchain_process_max_fds'), 'limit {{instance}}'],
      ]),
    ],
  },
];

function panelJson(p, id, x, y) {
  const targets = p.targets.map(([expr, legendFormat], i) => ({
    datasource: DS,
    editorMode: 'code',
    expr,
    legendFormat,
    range: true,
    refId: String.fromCharCode(65 + i),
  }));
  const thresholds = {
    mode: 'absolute',
    steps: (p.thresholds ?? [['green', null]]).map(([color, value]) => ({ color, value })),
  };
  const defaults = {
    unit: p.unit,
    thresholds,
    ...(p.max !== undefined ? { max: p.max, min: 0 } : {}),
    ...(p.mappings ? { mappings: p.mappings } : {}),
  };
  if (p.kind === 'stat') {
    return {
      id, type: 'stat', title: p.title, description: p.description, datasource: DS,
      gridPos: { h: p.h, w: p.w, x, y },
      fieldConfig: { defaults: { ...defaults, color: { mode: 'thresholds' } }, overrides: [] },
      options: { colorMode: 'background', graphMode: 'none', justifyMode: 'auto', orientation: 'auto', textMode: 'value_and_name', reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } },
      targets,
    };
  }
  return {
    id, type: 'timeseries', title: p.title, description: p.description, datasource: DS,
    gridPos: { h: p.h, w: p.w, x, y },
    fieldConfig: {
      defaults: { ...defaults, color: { mode: 'palette-classic' }, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false } },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
    targets,
  };
}

export function dashboard() {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowH = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        x = 0;
        y += rowH;
        rowH = 0;
      }
      panels.push(panelJson(p, id++, x, y));
      x += p.w;
      rowH = Math.max(rowH, p.h);
    }
    y += rowH;
  }
  const variable = (name, label, query) => ({
    name, label, type: 'query', datasource: DS,
    query: { query, refId: `${name}-variable` },
    definition: query,
    refresh: 2, includeAll: true, multi: true, allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    sort: 1, hide: 0, options: [], regex: '',
  });
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'The Prometheus that scrapes the cdrchain nodes (ops/prometheus/prometheus.yml)', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '11.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'stat', name: 'Stat', version: '' },
    ],
    annotations: { list: [{ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' }] },
    description: 'cdrchain nodes: ingest, storage, workers, consensus, P2P, relay, process (metrics: README "API" /metrics; alerts: ops/prometheus/alerts.yml; guide: docs/operating.md)',
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    panels,
    refresh: '10s',
    schemaVersion: 41,
    tags: ['cdrchain'],
    templating: {
      list: [
        variable('job', 'job', 'label_values(cdrchain_chain_height, job)'),
        variable('instance', 'instance', 'label_values(cdrchain_chain_height{job=~"$job"}, instance)'),
      ],
    },
    time: { from: 'now-1h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    title: 'cdrchain',
    uid: 'cdrchain-nodes',
    version: 1,
  };
}

const out = fileURLToPath(new URL('./cdrchain.json', import.meta.url));
const text = `${JSON.stringify(dashboard(), null, 2)}\n`;
if (process.argv.includes('--print')) process.stdout.write(text);
else writeFileSync(out, text);
