export * from './operator-statement.js';
export * from './statement-csv.js';
export * from './statement-html.js';
export * from './statement-json.js';
