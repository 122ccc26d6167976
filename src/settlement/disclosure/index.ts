export * from './opening-proof.js';
export * from './transfer-disclosure.js';
