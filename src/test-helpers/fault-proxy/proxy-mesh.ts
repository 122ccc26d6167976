import { FaultProxy, type FaultProxyStats } from './fault-proxy.js';
import { FaultProxyError } from './fault-proxy-error.js';
import { checkPort, type FaultProxyOptions, type ProxyTarget } from './fault-proxy-options.js';

/** A node of the mesh: an id (a PLMN id, or an index) and where it really listens. */
export interface MeshNode {
  readonly id: number;
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

export interface ProxyMeshOptions {
  readonly nodes: readonly MeshNode[];
  /** Each link's proxy is seeded with `${seed}:${from}->${to}`. */
  readonly seed?: number | string;
  /** Limits every link's proxy takes (target, port and seed are the mesh's). */
  readonly proxy?: Omit<FaultProxyOptions, 'target' | 'port' | 'seed'>;
}

/** How a partition is made: connections reset and refused (cut), or frozen with sockets open (blackhole). */
export type PartitionMode = 'cut' | 'blackhole';

export interface MeshLink {
  readonly from: number;
  readonly to: number;
  readonly proxy: FaultProxy;
}

const MAX_MESH_NODES = 64;

/**
 * One FaultProxy per ordered pair of nodes: node `from` dials node `to` at `dialAddress(from, to)`,
 * which forwards to `to`'s real listener. Ordered, not unordered, pairs, because a proxy has one
 * target: the connections i dials to j and those j dials to i reach different listeners, so a link
 * {i, j} needs two proxies anyway; and per-dialer proxies allow asymmetric faults (i cannot reach j
 * while j still reaches i). The TLS network dials every configured peer and keeps one connection per
 * pair (the lower PLMN id's), so a partition must act on both proxies of a pair: partition() does.
 */
export class ProxyMesh {
  readonly ids: readonly number[];
  private readonly links = new Map<string, MeshLink>();

  static async start(options: ProxyMeshOptions): Promise<ProxyMesh> {
    const nodes = checkNodes(options.nodes);
    const mesh = new ProxyMesh(nodes.map((n) => n.id));
    try {
      for (const from of nodes) {
        for (const to of nodes) {
          if (from.id === to.id) continue;
          const proxy = await FaultProxy.start({ ...options.proxy, target: { host: to.host, port: to.port }, port: 0, seed: `${options.seed ?? 1}:${from.id}->${to.id}` });
          mesh.links.set(key(from.id, to.id), Object.freeze({ from: from.id, to: to.id, proxy }));
        }
      }
    } catch (err) {
      await mesh.close();
      throw err;
    }
    return mesh;
  }

  private constructor(ids: readonly number[]) {
    this.ids = Object.freeze([...ids]);
  }

  /** The proxy `from` dials `to` through. */
  link(from: number, to: number): FaultProxy {
    const l = this.links.get(key(from, to));
    if (!l) throw new FaultProxyError(`no link ${from} -> ${to}`);
    return l.proxy;
  }

  /** Every link, in node order (from, then to). */
  allLinks(): readonly MeshLink[] {
    return [...this.links.values()];
  }

  /** The address `from` should dial to reach `to`. */
  dialAddress(from: number, to: number): ProxyTarget {
    const p = this.link(from, to);
    return Object.freeze({ host: p.host, port: p.port });
  }

  /** For node `from`: every other node's id and the address to dial it at. */
  peersOf(from: number): ReadonlyMap<number, ProxyTarget> {
    this.checkIds([from]);
    return new Map(this.ids.filter((to) => to !== from).map((to) => [to, this.dialAddress(from, to)]));
  }

  /** The same as a JSON-ready object, id → "host:port" (a node's `peers` map). */
  peersJson(from: number): Record<string, string> {
    return Object.fromEntries([...this.peersOf(from)].map(([to, a]) => [String(to), `${a.host}:${a.port}`]));
  }

  /** No node of `a` reaches a node of `b` or the reverse; links within each side are untouched. */
  partition(a: readonly number[], b: readonly number[], mode: PartitionMode = 'cut'): void {
    this.checkIds([...a, ...b]);
    if (a.some((id) => b.includes(id))) throw new FaultProxyError('the two sides of a partition overlap');
    if (mode !== 'cut' && mode !== 'blackhole') throw new FaultProxyError(`partition mode must be cut or blackhole, got ${String(mode)}`);
    for (const x of a) {
      for (const y of b) {
        for (const p of [this.link(x, y), this.link(y, x)]) {
          if (mode === 'cut') p.cut();
          else p.blackhole('both');
        }
      }
    }
  }

  /** `id` reaches no other node, and none reaches it. */
  isolate(id: number, mode: PartitionMode = 'cut'): void {
    this.partition([id], this.ids.filter((x) => x !== id), mode);
  }

  /** Ends every cut and blackhole; delays, drop rates and duplicates stay as set (clearAll clears them). */
  healAll(): void {
    for (const l of this.links.values()) l.proxy.heal();
  }

  /** Every link back to a clean one. */
  clearAll(): void {
    for (const l of this.links.values()) l.proxy.clearFaults();
  }

  stats(): ReadonlyArray<{ readonly from: number; readonly to: number; readonly stats: FaultProxyStats }> {
    return [...this.links.values()].map((l) => ({ from: l.from, to: l.to, stats: l.proxy.stats() }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.proxy.close()));
  }

  private checkIds(ids: readonly number[]): void {
    for (const id of ids) if (!this.ids.includes(id)) throw new FaultProxyError(`node ${id} is not in the mesh`);
  }
}

function key(from: number, to: number): string {
  return `${from}->${to}`;
}

function checkNodes(nodes: readonly MeshNode[]): Array<{ id: number; host: string; port: number }> {
  if (!Array.isArray(nodes) || nodes.length < 2 || nodes.length > MAX_MESH_NODES) {
    throw new FaultProxyError(`a mesh needs 2..${MAX_MESH_NODES} nodes`);
  }
  const out = nodes.map((n, i) => {
    if (!Number.isSafeInteger(n.id) || n.id < 0) throw new FaultProxyError(`nodes[${i}].id must be a non-negative integer`);
    const host = n.host ?? '127.0.0.1';
    if (typeof host !== 'string' || host.length === 0) throw new FaultProxyError(`nodes[${i}].host must be a non-empty string`);
    return { id: n.id, host, port: checkPort(`nodes[${i}].port`, n.port, false) };
  });
  if (new Set(out.map((n) => n.id)).size !== out.length) throw new FaultProxyError('a node id is listed twice');
  return out;
}
