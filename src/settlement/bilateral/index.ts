export * from './settled-traffic.js';
export * from './pair-statement.js';
