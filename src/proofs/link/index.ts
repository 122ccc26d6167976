export * from './link-circuit.js';
export * from './link-errors.js';
export * from './link-statement.js';
export * from './link-witness.js';
export * from './link-artifacts.js';
export * from './link-proof.js';
