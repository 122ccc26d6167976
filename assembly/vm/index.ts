// The cdrchain VM interpreter (docs/vm.md) over linear memory. The host (src/vm/interpreter.ts)
// writes the code at codePtr(), calldata at calldataPtr() and the four context words at
// contextPtr(), calls run(), then reads the results below. Storage, events and host functions
// cross back into TypeScript through the imports in host.ts.

import { CALLDATA, CODE, CTX, MAX_CALLDATA, MAX_CODE, STACK, VM_MEMORY, ensureLayout } from './layout';
import { initOpcodes } from './opcodes';
import {
  outputLength as lastOutputLength, outputOffset as lastOutputOffset, resultGasLeft, resultPc,
  resultSteps,
} from './interpreter';

export { run } from './interpreter';
export { opcodeEntry } from './opcodes';

ensureLayout();
initOpcodes();

export function codePtr(): usize { return CODE; }
export function codeCapacity(): u32 { return MAX_CODE; }
export function calldataPtr(): usize { return CALLDATA; }
export function calldataCapacity(): u32 { return MAX_CALLDATA; }
/** ADDRESS, CALLER, HEIGHT, TIMESTAMP: four words. */
export function contextPtr(): usize { return CTX; }
export function memoryPtr(): usize { return VM_MEMORY; }
export function stackPtr(): usize { return STACK; }

export function lastPc(): u32 { return resultPc; }
export function lastSteps(): u64 { return resultSteps; }
/** Gas left after success or revert; 0 after a fault. */
export function lastGasLeft(): u64 { return resultGasLeft; }
/** RETURN/REVERT data as a VM memory offset and length. */
export function outputOffset(): u32 { return lastOutputOffset; }
export function outputLength(): u32 { return lastOutputLength; }
