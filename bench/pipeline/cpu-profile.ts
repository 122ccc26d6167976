// Summarises V8 .cpuprofile files (node --cpu-prof) into self time per function and per area, so a
// benchmark run can say where its CPU went without opening a profiler UI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  readonly file: string;
  /** Sampled wall time of the thread, ms. */
  readonly totalMs: number;
  /** Share of samples not idle. */
  readonly busyPct: number;
  readonly areas: Record<string, number>;
  readonly top: readonly { readonly fn: string; readonly pct: number }[];
}

/** Coarse area of a frame, by where its code lives. */
export function area(fn: string, url: string): string {
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(program)') return 'program (native, unattributed)';
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.includes('node_modules/lmdb')) return 'lmdb';
  if (url.includes('node_modules/uWebSockets') || url.includes('uws')) return 'uWebSockets.js';
  if (url.includes('node_modules/ws/')) return 'ws (client)';
  if (url.includes('node_modules/piscina')) return 'piscina';
  if (url.includes('node_modules/flatbuffers')) return 'flatbuffers';
  if (url.includes('node_modules/prom-client')) return 'prom-client';
  if (url.includes('node_modules/msgpackr')) return 'msgpackr';
  if (url.includes('node_modules/@noble/')) return '@noble (curves, hashes)';
  if (url.includes('node_modules/@hpke/')) return '@hpke';
  if (url.includes('crypto')) return 'node:crypto';
  if (url.startsWith('node:') || url === '') return 'node internals / native';
  const m = /\/(src|bench)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return 'other';
}

export function summariseProfile(file: string, topN = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    const a = area(functionName, url);
    if (a === 'idle') idle += us;
    areas.set(a, (areas.get(a) ?? 0) + us);
    const short = url.split('/').slice(-2).join('/');
    const key = `${functionName || '(anonymous)'} ${short}${short ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number): number => Number(((100 * us) / (total || 1)).toFixed(1));
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyPct: pct(total - idle),
    areas: Object.fromEntries([...areas].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    top: [...fns]
      .filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([fn, us]) => ({ fn, pct: pct(us) })),
  };
}

export function summariseProfileDir(dir: string, topN = 15): ProfileSummary[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return names.sort().map((n) => summariseProfile(join(dir, n), topN));
}
