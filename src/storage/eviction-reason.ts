/**
 * Why a pending transaction left the mempool without a block: its settlement period closed
 * (`period_closed`), the settlement rules refuse it against committed state (`settlement_refused`),
 * a committed verdict revision overtook it (`verdict_overtaken`), its batch was proven by another
 * committed proof (`already_proven`), or a committed transaction of its submitter with a higher
 * sequence superseded it (`superseded`). No Node imports: the OpenAPI document (and the explorer) use it.
 */
export type EvictionReason = 'period_closed' | 'settlement_refused' | 'verdict_overtaken' | 'already_proven' | 'superseded';

export const EVICTION_REASONS: readonly EvictionReason[] = ['period_closed', 'settlement_refused', 'verdict_overtaken', 'already_proven', 'superseded'];
