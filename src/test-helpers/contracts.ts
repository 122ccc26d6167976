import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../vm/asm/index.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** contracts/examples/sum.casm, assembled: returns the sum of the calldata words. */
export function sumContract(): Uint8Array {
  return assemble(readFileSync(join(root, 'contracts', 'examples', 'sum.casm'), 'utf8'), { fileName: 'sum.casm' }).container;
}

/** Increments slot 0 and returns the new value. */
export function counterContract(): Uint8Array {
  return assemble(`
    push 0
    sload          ; [v]
    push 1
    add            ; [v+1]
    dup1           ; [v+1, v+1]
    push 0         ; [0, v+1, v+1]
    sstore         ; storage[0] = v+1
    push 0
    mstore
    push 32
    push 0
    return
  `).container;
}

/** Writes slot 0 = 7, then reverts with the reason word 0xdead. */
export function revertingContract(): Uint8Array {
  return assemble(`
    push 7
    push 0
    sstore
    push 0xdead
    push 0
    mstore
    push 32
    push 0
    revert
  `).container;
}

/** Calldata of 32-byte big-endian words. */
export function words(...values: bigint[]): Buffer {
  return Buffer.concat(values.map((v) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex')));
}
