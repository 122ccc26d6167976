import type { Status } from './opcodes.js';

/**
 * What an interpreter needs and returns (docs/vm.md). Both the WASM interpreter
 * (src/vm/interpreter.ts) and the TypeScript reference (src/vm/reference.ts) implement `Interpreter`;
 * tests hold them to identical results.
 */

export interface ExecutionContext {
  /** The executing contract's id (ADDRESS). */
  readonly address: bigint;
  /** The transaction's sender (CALLER). */
  readonly caller: bigint;
  readonly height: bigint;
  readonly timestampMs: bigint;
  readonly calldata: Uint8Array;
  readonly gasLimit: bigint;
}

/** Committed contract storage, read-only: the interpreter journals writes and returns them. */
export interface StorageReader {
  /** The value at `key`, 0n when unset. */
  get(key: bigint): bigint;
}

/** The node's side of `HOST id`: deterministic, pure functions. */
export interface HostFunctions {
  /** circomlib Poseidon of 1..6 canonical field elements. */
  poseidon(inputs: readonly bigint[]): bigint;
  sha256(data: Uint8Array): Uint8Array;
  ed25519Verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  blsVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  groth16Verify(verifyingKeyId: bigint, proof: Uint8Array, publicInputs: readonly bigint[]): boolean;
  /**
   * Baby Jubjub: Σ of the first `added` points minus Σ of the next `subtracted`, each 64 bytes of
   * affine x ‖ y big-endian in `points`; the result in the same encoding, or undefined when a point
   * has a coordinate ≥ r or is not on the curve.
   */
  bjjSum(points: Uint8Array, added: number, subtracted: number): Uint8Array | undefined;
}

export interface VmEvent {
  readonly topics: readonly bigint[];
  readonly data: Uint8Array;
}

export interface ExecutionResult {
  readonly status: Status;
  readonly gasUsed: bigint;
  /** RETURN data on success, the reason on REVERT, empty otherwise. */
  readonly output: Uint8Array;
  /** Storage writes to apply on success, in key order, last write per key; empty unless success. */
  readonly storageWrites: readonly (readonly [key: bigint, value: bigint])[];
  /** Empty unless success. */
  readonly events: readonly VmEvent[];
  /** Offset of the instruction that halted (or faulted). */
  readonly pc: number;
  /** Instructions executed, including the halting one. */
  readonly steps: number;
}

export interface Interpreter {
  /** `code` is a bytecode container (docs/vm.md); an invalid container throws InvalidCodeError before any execution. */
  execute(code: Uint8Array, ctx: ExecutionContext, storage: StorageReader, host: HostFunctions): ExecutionResult;
}

export class InvalidCodeError extends Error {
  override readonly name = 'InvalidCodeError';
}
