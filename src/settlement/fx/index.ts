export * from './rational.js';
export * from './currency-conversion.js';
export * from './fx-rate-book.js';
