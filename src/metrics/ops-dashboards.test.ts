import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGenesisFile } from '../chain/genesis.js';
import { devnetInit } from '../cli/commands/devnet.js';
import { IngestClient } from '../client/ingest-client.js';
import { Operator } from '../client/operator.js';
import { silentLogger } from '../log.js';
import { CdrNode } from '../node/node.js';
import { readValidatorDir } from '../node/validator-dir.js';
import { tempDataDir, traffic, TELEKOM_DE, VODAFONE_UK } from '../test-helpers/devnet.js';

/**
 * The operator's monitoring files (ops/): the Grafana dashboard, the Prometheus scrape configuration
 * and the alert rules. Every cdrchain_* metric their PromQL names must exist on a running validator
 * of a real consortium (four CdrNodes with TLS P2P and BLS, fed real batches), so a renamed metric
 * breaks this test rather than a dashboard nobody looks at until the incident.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPS = join(ROOT, 'ops');
const DASHBOARD = join(OPS, 'grafana', 'cdrchain.json');
const ALERTS = join(OPS, 'prometheus', 'alerts.yml');
const PROMETHEUS = join(OPS, 'prometheus', 'prometheus.yml');

interface Target { readonly expr: string; readonly refId: string; readonly datasource?: { readonly uid?: string } }
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly schemaVersion: number;
  readonly uid: string;
  readonly __inputs: readonly { readonly name: string; readonly pluginId: string }[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly definition: string; readonly datasource: { readonly uid: string } }[] };
  readonly panels: readonly Panel[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const METRIC = /\bcdrchain_[a-z0-9_]+/g;

/** The PromQL of every alert rule: `expr:` on one line, or a `>-` / `|` block below it. */
function alertExpressions(yaml: string): { alert: string; expr: string }[] {
  const lines = yaml.split('\n');
  const out: { alert: string; expr: string }[] = [];
  let alert = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const name = /^\s*- alert:\s*(\S+)/.exec(line);
    if (name) alert = name[1]!;
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    let expr = m[2]!.trim();
    if (expr === '>-' || expr === '|' || expr === '>' || expr === '|-') {
      const body: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > indent)) body.push(lines[++i]!.trim());
      expr = body.join(' ').trim();
    }
    out.push({ alert, expr });
  }
  return out;
}

function namesIn(exprs: readonly string[]): Set<string> {
  return new Set(exprs.flatMap((e) => e.match(METRIC) ?? []));
}

/** `# TYPE name kind` lines of one scrape: the metrics the node registers (labelled ones too, before any sample). */
function exportedTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
  return types;
}

/** A referenced name exists if it is exported, or is a histogram's `_bucket`/`_sum`/`_count` series. */
function resolves(name: string, types: ReadonlyMap<string, string>): boolean {
  if (types.has(name)) return true;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (!m) return false;
  const kind = types.get(m[1]!);
  return kind === 'histogram' || (kind === 'summary' && m[2] !== 'bucket');
}

function sampleValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('ops/grafana/cdrchain.json', () => {
  it('is what ops/grafana/generate-dashboard.mjs writes', () => {
    const r = spawnSync(process.execPath, [join(OPS, 'grafana', 'generate-dashboard.mjs'), '--print'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(DASHBOARD, 'utf8'));
  });

  it('is an importable dashboard: a Prometheus input, job and instance variables, panels with ids, datasource and targets', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' })]);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['job', 'instance']);
    for (const v of dashboard.templating.list) expect(v.datasource.uid).toBe('${DS_PROMETHEUS}');

    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
    for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true);

    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Ingest', 'Storage', 'Workers', 'Consensus', 'P2P', 'Relay', 'Process']);

    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${p.title}: gridPos inside 24 columns`).toBe(true);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const key = `${i},${j}`;
          expect(cells.has(key), `${p.title} overlaps another panel at ${key}`).toBe(false);
          cells.add(key);
        }
      }
      if (p.type === 'row') continue;
      expect(p.datasource, `${p.title}: datasource`).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      expect(p.targets?.length, `${p.title}: targets`).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, `${p.title}: refIds unique`).toBe(refIds.length);
      for (const t of p.targets!) {
        expect(t.datasource?.uid).toBe('${DS_PROMETHEUS}');
        expect(t.expr.match(METRIC)?.length, `${p.title}: ${t.expr} names a cdrchain metric`).toBeGreaterThan(0);
        // Every series is narrowed by the variables, so the dashboard shows the validators chosen.
        for (const m of t.expr.matchAll(/\bcdrchain_[a-z0-9_]+(.?)/g)) {
          expect(m[1], `${p.title}: ${m[0]} has a selector`).toBe('{');
        }
        const selectors = t.expr.match(/\bcdrchain_[a-z0-9_]+\{[^}]*\}/g) ?? [];
        for (const s of selectors) expect(s, p.title).toContain('job=~"$job",instance=~"$instance"');
        expect(balanced(t.expr), `${p.title}: brackets balance in ${t.expr}`).toBe(true);
      }
    }
  });
});

describe('ops/prometheus', () => {
  it('scrapes the four devnet validators every 5 s, and loads alerts.yml', async () => {
    const yml = readFileSync(PROMETHEUS, 'utf8');
    expect(yml).toMatch(/^\s+scrape_interval: 5s$/m);
    expect(yml).toMatch(/rule_files:\n\s+- alerts\.yml/);
    const scrapes = yml.slice(yml.indexOf('\nscrape_configs:'));
    expect(scrapes).toMatch(/job_name: cdrchain\n/);
    const targets = [...scrapes.matchAll(/^\s+- targets: \['([^']+)'\]/gm)].map((m) => m[1]);
    // The ports `cdrchain devnet` gives its validators with the default base port.
    const tmp = tempDataDir();
    try {
      const plan = await devnetInit({ validators: 4, out: join(tmp.dir, 'devnet'), chainId: 'ports', basePort: 7700, force: false, wellKnownKeys: true });
      expect(targets).toEqual(plan.validators.map((v) => `127.0.0.1:${v.ports.ingest}`));
      for (const v of plan.validators) expect(yml).toContain(`plmn: '${v.plmn}'`);
    } finally {
      tmp.cleanup();
    }
  });

  it('has alerts for the failures the guide names, each with a severity and a summary', () => {
    const yaml = readFileSync(ALERTS, 'utf8');
    const alerts = alertExpressions(yaml);
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const want of ['CdrchainStorageNotWritable', 'CdrchainNoFinalBlock', 'CdrchainNodeDown', 'CdrchainPeersBelowQuorum', 'CdrchainAdmissionLatencyHigh', 'CdrchainRejectsSpiking', 'CdrchainForkProofSeen', 'CdrchainJobQueueFull']) {
      expect(names).toContain(want);
    }
    for (const a of alerts) expect(balanced(a.expr), `${a.alert}: ${a.expr}`).toBe(true);
    expect(yaml.match(/severity: (critical|warning)/g)?.length).toBe(alerts.length);
    expect(yaml.match(/summary: /g)?.length).toBe(alerts.length);
    // Each alert is explained in the operating guide.
    const guide = readFileSync(join(ROOT, 'docs', 'operating.md'), 'utf8');
    for (const n of names) expect(guide, `docs/operating.md explains ${n}`).toContain(n);
  });

  it('passes promtool (config, rules, and every dashboard query as a recording rule) when promtool is installed', (ctx) => {
    const which = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      console.warn('\n*** promtool not found: ops/prometheus/*.yml and the dashboard PromQL were not checked by promtool (apt-get install prometheus) ***\n');
      ctx.skip();
      return;
    }
    const config = spawnSync('promtool', ['check', 'config', PROMETHEUS], { encoding: 'utf8' });
    expect(config.status, config.stdout + config.stderr).toBe(0);
    // Grafana's variables replaced by what they expand to, so Prometheus' own parser checks each query.
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr
      .replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$instance', '.*'));
    const tmp = tempDataDir();
    try {
      const rules = join(tmp.dir, 'dashboard-rules.yml');
      writeFileSync(rules, `groups:\n  - name: dashboard\n    rules:\n${exprs.map((e, i) => `      - record: cdrchain_dashboard_q${i}\n        expr: ${JSON.stringify(e)}\n`).join('')}`);
      const check = spawnSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('every metric the dashboard and the alerts name exists on a running validator', () => {
  const tmp = tempDataDir();
  const nodes: CdrNode[] = [];
  let client: IngestClient | undefined;

  beforeAll(async () => {
    const basePort = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    const plan = await devnetInit({ validators: 4, out: join(tmp.dir, 'devnet'), chainId: 'ops-dashboards', basePort, force: false });
    const genesis = readGenesisFile(plan.genesis);
    for (const v of plan.validators) {
      mkdirSync(join(v.dir, 'data'), { recursive: true });
      nodes.push(await CdrNode.start({
        dataDir: join(v.dir, 'data'), host: '127.0.0.1', port: 0, workers: 1, genesis,
        validator: { ...readValidatorDir(v.dir), policy: { emptyBlockIntervalMs: 100, minBlockSeparationMs: 5 } },
        // Process metrics (RSS, CPU, event-loop lag) are on the dashboard: every node registers them here.
        log: silentLogger(), defaultMetrics: true,
      }));
    }
    const op = Operator.devnet(TELEKOM_DE, nodes[0]!.chain.identity);
    const batches = [...op.batches(traffic(TELEKOM_DE, VODAFONE_UK, 300, 'ops'), 100, 1n)];
    client = await IngestClient.connect(nodes[1]!.ingestUrl);
    const results = await Promise.all(batches.map((b) => client!.submit(b.frame, b.header.sequence)));
    const final = Math.max(...(await Promise.all(results.map((r) => r.final))).map((f) => f.height));
    // Final on the node the client talks to; the others commit the same macro block a moment later, and
    // their gauges follow the commit: wait until every node's own /metrics says so.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const texts = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/metrics`)).text()));
      if (texts.every((t) => (sampleValue(t, 'cdrchain_consensus_final_height') ?? 0) >= final && sampleValue(t, 'cdrchain_cdrs_committed_total') === 300)) break;
      if (Date.now() > deadline) throw new Error(`validators did not all report final height ${final}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    for (const n of nodes.reverse()) await n.stop();
    tmp.cleanup();
  });

  it('resolves every cdrchain_* name of the dashboard PromQL, its variables and the alert rules on each validator', async () => {
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr),
      ...dashboard.templating.list.map((v) => v.definition),
    ];
    const alertExprs = alertExpressions(readFileSync(ALERTS, 'utf8')).map((a) => a.expr);
    const wanted = namesIn([...exprs, ...alertExprs]);
    expect(wanted.size).toBeGreaterThan(50);

    for (const node of nodes) {
      const res = await fetch(`${node.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const types = exportedTypes(text);
      const missing = [...wanted].filter((n) => !resolves(n, types)).sort();
      expect(missing, `not exported by ${node.url}/metrics`).toEqual([]);
      // The scrape is of a working validator: it stored the batches, finalized, and has its peers.
      expect(sampleValue(text, 'cdrchain_cdrs_committed_total')).toBe(300);
      expect(sampleValue(text, 'cdrchain_consensus_final_height')).toBeGreaterThan(0);
      expect(sampleValue(text, 'cdrchain_p2p_peers')).toBe(3);
      expect(sampleValue(text, 'cdrchain_storage_writable')).toBe(1);
    }
  });

  it('a real Prometheus scraping the validators evaluates every dashboard query and alert rule without error, with data where the node has samples (when prometheus is installed)', async (ctx) => {
    if (spawnSync('prometheus', ['--version']).error) {
      console.warn('\n*** prometheus not found: the dashboard queries were not evaluated against a real Prometheus (apt-get install prometheus) ***\n');
      ctx.skip();
      return;
    }
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const dir = join(tmp.dir, 'prometheus');
    mkdirSync(dir, { recursive: true });
    // The same job name and label set as ops/prometheus/prometheus.yml, over the test's ports, scraped every second.
    const targets = nodes.map((n) => `'127.0.0.1:${n.port}'`).join(', ');
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${ALERTS}\nscrape_configs:\n  - job_name: cdrchain\n    static_configs:\n      - targets: [${targets}]\n`);
    const proc = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      const query = async (q: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> => {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
        return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
      };
      // Up, and enough scrapes of every node for rates over 10 s.
      const deadline = Date.now() + 45_000;
      for (;;) {
        try {
          const r = await query('count(count_over_time(up{job="cdrchain"}[10s]) >= 6)');
          if (r.status === 'success' && (r.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1] === String(nodes.length)) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`prometheus did not scrape the validators: ${stderr}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      // Metrics with at least one sample on the nodes (labelled metrics nobody incremented have none).
      const scrape = await (await fetch(`${nodes[0]!.url}/metrics`)).text();
      const sampled = new Set([...scrape.matchAll(/^(cdrchain_[a-z0-9_]+)[{ ]/gm)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));
      const failures: string[] = [];
      const empty: string[] = [];
      for (const p of dashboard.panels) {
        for (const t of p.targets ?? []) {
          const q = t.expr.replaceAll('$__rate_interval', '10s').replaceAll('$job', 'cdrchain').replaceAll('$instance', '.*');
          const r = await query(q);
          if (r.status !== 'success') failures.push(`${p.title}: ${r.error ?? r.status}: ${q}`);
          else if (r.data!.result.length === 0) {
            const names = [...new Set((t.expr.match(METRIC) ?? []).map((n) => n.replace(/_(bucket|sum|count)$/, '')))];
            if (names.every((n) => sampled.has(n))) failures.push(`${p.title}: no data although the node has samples: ${q}`);
            else empty.push(p.title);
          }
        }
      }
      expect(failures).toEqual([]);
      // Prometheus loaded the alert rules and evaluates them (none is in error).
      const rules = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      expect(loaded.length).toBe(alertExpressions(readFileSync(ALERTS, 'utf8')).length);
      await new Promise((r) => setTimeout(r, 2_000)); // one more evaluation round
      const again = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as typeof rules;
      for (const r of again.data.groups.flatMap((g) => g.rules)) expect(r.health, `${r.name}: ${r.lastError ?? ''}`).not.toBe('err');
      // A healthy consortium fires none of them.
      const alerts = (await (await fetch(`http://127.0.0.1:${port}/api/v1/alerts`)).json()) as { data: { alerts: { labels: { alertname: string }; state: string }[] } };
      expect(alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname)).toEqual([]);
      if (empty.length > 0) console.info(`dashboard panels without data on an idle test consortium (their metrics have no samples yet): ${[...new Set(empty)].join('; ')}`);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  }, 90_000);
});

/** Parentheses, brackets and braces balance (outside quoted strings). */
function balanced(expr: string): boolean {
  const open = '([{';
  const close = ')]}';
  const stack: string[] = [];
  let quoted = false;
  for (const ch of expr) {
    if (ch === '"') quoted = !quoted;
    if (quoted) continue;
    if (open.includes(ch)) stack.push(ch);
    const i = close.indexOf(ch);
    if (i >= 0 && stack.pop() !== open[i]) return false;
  }
  return stack.length === 0 && !quoted;
}
