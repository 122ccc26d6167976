// The part of snarkjs 0.7 this project calls (it ships no type declarations). Values cross as snarkjs
// gives them: decimal strings for field elements and coordinates.
declare module 'snarkjs' {
  /** A signal's value: a decimal string, or (for an array signal) nested arrays of them. */
  export type SnarkjsSignal = string | SnarkjsSignal[];
  export interface SnarkjsGroth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export interface SnarkjsLogger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }
  export interface SnarkjsCurve {
    terminate(): Promise<void>;
  }
  export const groth16: {
    fullProve(
      input: Record<string, string | string[]>,
      wasmFile: string | Uint8Array,
      zkeyFile: string | Uint8Array,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: SnarkjsGroth16Proof; publicSignals: string[] }>;
    prove(zkeyFile: string | Uint8Array, witness: { type: 'mem'; data?: Uint8Array }, logger?: SnarkjsLogger): Promise<{ proof: SnarkjsGroth16Proof; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: string[], proof: SnarkjsGroth16Proof, logger?: SnarkjsLogger): Promise<boolean>;
  };
  export const wtns: {
    calculate(input: Record<string, SnarkjsSignal>, wasmFile: string | Uint8Array, wtnsFile: { type: 'mem'; data?: Uint8Array }): Promise<void>;
    exportJson(wtnsFile: { type: 'mem'; data?: Uint8Array } | string): Promise<bigint[]>;
  };
  /** Phase 2 of a Groth16 setup (a circuit's proving key), snarkjs' `zkey` commands. */
  export const zKey: {
    newZKey(r1csName: string, ptauName: string, zkeyName: string, logger?: SnarkjsLogger): Promise<unknown>;
    /** Returns the contribution hash (64 bytes, BLAKE2b). */
    contribute(zkeyNameOld: string, zkeyNameNew: string, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>;
    beacon(zkeyNameOld: string, zkeyNameNew: string, name: string, beaconHashStr: string, numIterationsExp: number, logger?: SnarkjsLogger): Promise<Uint8Array | false>;
    verifyFromR1cs(r1csName: string, ptauName: string, zkeyName: string, logger?: SnarkjsLogger): Promise<boolean>;
    exportVerificationKey(zkeyName: string, logger?: SnarkjsLogger): Promise<unknown>;
  };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<SnarkjsCurve>;
  };
}
