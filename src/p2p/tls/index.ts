export { TlsPeerNetwork } from './tls-peer-network.js';
export type { ConnectionInfo, RefusalReason } from './tls-peer-network.js';
export { DEFAULT_BUDGETS, DEFAULT_RECONNECT, TlsNetworkOptionsError } from './tls-options.js';
export type { BudgetOptions, NetworkMember, PeerAddress, ReconnectOptions, TlsPeerNetworkOptions } from './tls-options.js';
export { DEFAULT_SCORING } from './peer-scores.js';
export type { ScoringOptions } from './peer-scores.js';
export { noopP2pMetrics, silentP2pLogger } from './observability.js';
export type { DropReason, P2pLogger, P2pMetrics } from './observability.js';
export { encodeFrame, FRAME_HEADER_BYTES, HELLO_KIND } from './frame.js';
