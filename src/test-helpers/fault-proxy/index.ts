export { FaultProxy, type FaultProxyStats, type FaultState } from './fault-proxy.js';
export { FaultProxyError } from './fault-proxy-error.js';
export { DEFAULT_FAULT_PROXY_LIMITS, type FaultProxyOptions, type ProxyTarget } from './fault-proxy-options.js';
export type { Direction, DirectionFaults, FaultDirection } from './link-faults.js';
export { type MeshLink, type MeshNode, type PartitionMode, ProxyMesh, type ProxyMeshOptions } from './proxy-mesh.js';
export type { ReplayOutcome } from './replay-stream.js';
