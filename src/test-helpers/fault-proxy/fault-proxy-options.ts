import { FaultProxyError } from './fault-proxy-error.js';

/** Where a proxy forwards to (a node's real listening address). */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export interface FaultProxyOptions {
  /** Every accepted connection is forwarded here. */
  readonly target: ProxyTarget;
  /** Port to listen on, on 127.0.0.1 only; 0 (the default) picks an ephemeral port. */
  readonly port?: number;
  /** Seed of the proxy's random decisions (drop, jitter, duplicate): same seed, same sequence of decisions. */
  readonly seed?: number | string;
  /**
   * Bytes one direction of one connection may hold (waiting for its delay, blackholed, or in the
   * destination socket's buffer). At this mark the proxy stops reading the source, as a full TCP
   * window would, and reads again below half of it: memory stays bounded and no byte is lost.
   */
  readonly windowBytes?: number;
  /** The same bound in chunks (a flood of tiny writes). */
  readonly windowChunks?: number;
  /** Connections open at once; beyond, a new one is reset as it is accepted. */
  readonly maxConnections?: number;
  /** Client bytes a duplicate (replay) connection records and sends at most. */
  readonly maxReplayBytes?: number;
  /** A replay connection the target still keeps open this long after the original client stream ended is destroyed. */
  readonly replayTimeoutMs?: number;
}

export interface ResolvedFaultProxyOptions {
  readonly target: ProxyTarget;
  readonly port: number;
  readonly seed: number | string;
  readonly windowBytes: number;
  readonly windowChunks: number;
  readonly maxConnections: number;
  readonly maxReplayBytes: number;
  readonly replayTimeoutMs: number;
}

export const DEFAULT_FAULT_PROXY_LIMITS = Object.freeze({
  windowBytes: 2 ** 20,
  windowChunks: 4_096,
  maxConnections: 64,
  maxReplayBytes: 2 ** 20,
  replayTimeoutMs: 5_000,
});

/** The longest delay, jitter or timed blackhole a control accepts (ten minutes). */
export const MAX_FAULT_MS = 600_000;

function integerIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new FaultProxyError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

export function checkPort(name: string, v: unknown, allowZero: boolean): number {
  return integerIn(name, v, allowZero ? 0 : 1, 65_535);
}

export function checkTarget(name: string, t: ProxyTarget | undefined): ProxyTarget {
  if (typeof t?.host !== 'string' || t.host.length === 0) throw new FaultProxyError(`${name}.host must be a non-empty string`);
  return Object.freeze({ host: t.host, port: checkPort(`${name}.port`, t.port, false) });
}

/** Milliseconds for a control (delay, jitter, timed blackhole): finite, 0..MAX_FAULT_MS. */
export function checkMs(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_FAULT_MS) {
    throw new FaultProxyError(`${name} must be a number of milliseconds in [0, ${MAX_FAULT_MS}], got ${String(v)}`);
  }
  return v;
}

export function checkProbability(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new FaultProxyError(`${name} must be a probability in [0, 1], got ${String(v)}`);
  return v;
}

export function resolveFaultProxyOptions(o: FaultProxyOptions): ResolvedFaultProxyOptions {
  const d = DEFAULT_FAULT_PROXY_LIMITS;
  const seed = o.seed ?? 1;
  if (!(typeof seed === 'string' || (typeof seed === 'number' && Number.isFinite(seed)))) throw new FaultProxyError('seed must be a finite number or a string');
  return Object.freeze({
    target: checkTarget('target', o.target),
    port: checkPort('port', o.port ?? 0, true),
    seed,
    windowBytes: integerIn('windowBytes', o.windowBytes ?? d.windowBytes, 1_024, 2 ** 30),
    windowChunks: integerIn('windowChunks', o.windowChunks ?? d.windowChunks, 2, 2 ** 20),
    maxConnections: integerIn('maxConnections', o.maxConnections ?? d.maxConnections, 1, 65_536),
    maxReplayBytes: integerIn('maxReplayBytes', o.maxReplayBytes ?? d.maxReplayBytes, 1, 2 ** 30),
    replayTimeoutMs: integerIn('replayTimeoutMs', o.replayTimeoutMs ?? d.replayTimeoutMs, 1, MAX_FAULT_MS),
  });
}
