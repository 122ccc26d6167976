/**
 * The first frame each side sends once TLS has authenticated the other (kind HELLO_KIND):
 * `[u8 version][32 bytes network id]`. The network id (the genesis hash) keeps nodes of two chains
 * that share a CA apart. Until a peer's hello arrives its connection carries nothing else; receiving
 * it also tells a dialer that the listener accepted its certificate (in TLS 1.3 the client finishes
 * its handshake before the server has checked the client's certificate).
 */
export const HELLO_VERSION = 1;
export const NETWORK_ID_BYTES = 32;

export function encodeHello(networkId: Uint8Array): Buffer {
  const b = Buffer.alloc(1 + NETWORK_ID_BYTES);
  b[0] = HELLO_VERSION;
  b.set(networkId, 1);
  return b;
}

/** Null if the hello is acceptable, else why not. */
export function helloMismatch(payload: Uint8Array, networkId: Uint8Array): string | null {
  if (payload.length !== 1 + NETWORK_ID_BYTES) return `hello of ${payload.length} bytes, expected ${1 + NETWORK_ID_BYTES}`;
  if (payload[0] !== HELLO_VERSION) return `protocol version ${payload[0]}, expected ${HELLO_VERSION}`;
  if (!Buffer.from(payload.subarray(1)).equals(Buffer.from(networkId))) return 'another network id (genesis)';
  return null;
}
