// Imports from the node (src/vm/interpreter.ts). Pointers address this module's linear memory;
// words are four little-endian u64 limbs (layout.ts), byte strings are VM memory as is.

/** Writes the current value of storage[key] (journal first, then committed storage) to out. */
@external("host", "sload")
export declare function hostSload(key: usize, out: usize): void;

/** Journals storage[key] = value; returns 1 if the slot's value before this write was zero. */
@external("host", "sstore")
export declare function hostSstore(key: usize, value: usize): i32;

/** Records an event: `count` topic words, topic i at topics − 32·i, and data[0..len). */
@external("host", "log")
export declare function hostLog(data: usize, len: u32, topics: usize, count: i32): void;

/** Poseidon of `count` canonical words (input i at inputs − 32·i) written to out. */
@external("host", "poseidon")
export declare function hostPoseidon(inputs: usize, count: i32, out: usize): void;

/** SHA-256 of data[0..len) written to out as a word (the digest read big-endian). */
@external("host", "sha256")
export declare function hostSha256(data: usize, len: u32, out: usize): void;

/** 1 if the 64-byte signature at sig over message[0..len) verifies under the 32-byte key. */
@external("host", "ed25519Verify")
export declare function hostEd25519Verify(message: usize, len: u32, sig: usize, key: usize): i32;

/** 1 if the 96-byte G2 signature verifies under the 48-byte G1 key (min-pk). */
@external("host", "blsVerify")
export declare function hostBlsVerify(message: usize, len: u32, sig: usize, key: usize): i32;

/** 1 if the 256-byte proof verifies for verifying key id *keyId and `count` big-endian input words. */
@external("host", "groth16Verify")
export declare function hostGroth16Verify(keyId: usize, proof: usize, inputs: usize, count: u32): i32;

/**
 * Baby Jubjub: Σ of `added` points minus Σ of the `subtracted` after them (64 bytes each, affine
 * x ‖ y big-endian, from points) written to out in the same encoding; 0 (out untouched) if a point
 * is not canonical or not on the curve.
 */
@external("host", "bjjSum")
export declare function hostBjjSum(out: usize, points: usize, added: u32, subtracted: u32): i32;
