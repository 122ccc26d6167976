/** A bad option or control argument given to the fault proxy or the proxy mesh. */
export class FaultProxyError extends Error {
  override readonly name = 'FaultProxyError';
}
