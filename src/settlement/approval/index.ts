export * from './approval-policy.js';
export * from './fee-split.js';
export * from './settlement-approval.js';
export * from './settlement-book.js';
export * from './settlement-proposal.js';
