/** One way of a proxied link: client → target (what the dialer sends) or target → client. */
export type Direction = 'toTarget' | 'toClient';
/** A control's scope: one direction or both. */
export type FaultDirection = Direction | 'both';

export const DIRECTIONS: readonly Direction[] = Object.freeze(['toTarget', 'toClient']);

/** What applies to one direction right now (read afresh for every chunk, so changes apply at once). */
export interface DirectionFaults {
  /** Every chunk waits delayMs + U[0, jitterMs) before it is forwarded, never overtaking an earlier one. */
  readonly delayMs: number;
  readonly jitterMs: number;
  /** Probability, per chunk read, that the whole connection is reset. */
  readonly dropRate: number;
  /** Nothing is forwarded (bytes, FIN or reset), sockets stay open; the window bounds what is held. */
  readonly blackholed: boolean;
}

export const NO_FAULTS: DirectionFaults = Object.freeze({ delayMs: 0, jitterMs: 0, dropRate: 0, blackholed: false });

export function directionsOf(d: FaultDirection): readonly Direction[] {
  return d === 'both' ? DIRECTIONS : [d];
}
