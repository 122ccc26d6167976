/** Protocol limits a node enforces before it allocates or computes anything for a frame. */

/** Bytes of one public record on the wire and on disk (4 × 32-byte hashes). */
export const PUBLIC_RECORD_BYTES = 128;
/** Offsets inside a public record. */
export const RECORD_OFFSET = { eventKeyHash: 0, commitment: 32, nullifier: 64, payloadHash: 96 } as const;

export const ED25519_SIGNATURE_BYTES = 64;
export const ED25519_PUBLIC_KEY_BYTES = 32;

/** Upper bound on records per batch the wire accepts; a node may configure a lower one. */
export const MAX_BATCH_RECORDS = 65_536;
/** Largest batch frame: the records plus a generous allowance for header, vtables and signature. */
export const MAX_BATCH_FRAME_BYTES = MAX_BATCH_RECORDS * PUBLIC_RECORD_BYTES + 1024;

export const BATCH_VERSION = 1;
export const BLOCK_VERSION = 1;
