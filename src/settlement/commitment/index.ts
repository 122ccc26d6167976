export * from './pedersen.js';
export * from './committed-netting.js';
export * from './bilateral-statement.js';
