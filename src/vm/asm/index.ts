/** The cdrchain assembler and disassembler (contracts/README.md describes the language). */
export { assemble, type AssembleOptions, type Assembled } from './assembler.js';
export { disassemble } from './disassembler.js';
export { AsmError, type SourcePos } from './errors.js';
export { formatVmError, SourceMap, SourceMapError, type SourceLocation, type SourceMapEntry, type SourceMapJson } from './source-map.js';
