// Typed errors of the plaintext CDR domain. Every error carries a machine-readable `code` so that
// ingest can count and report failures by kind without parsing messages.

/** Why a value or record was rejected. */
export type CdrErrorCode =
  | 'type' // wrong JavaScript type (e.g. number where bigint is required)
  | 'format' // text does not have the expected shape
  | 'precision' // a decimal amount has more fraction digits than the currency allows
  | 'out_of_range' // well-formed but outside its limits
  | 'unknown_value' // not one of the allowed values (currency, service, ...)
  | 'cross_field' // fields are individually fine but contradict each other
  | 'missing' // a required field/column is absent
  | 'unexpected' // a field/column that the format does not define
  | 'syntax'; // the container (CSV quoting, JSON) is malformed

/** A single value (PLMN, amount, currency, timestamp, service name) could not be parsed. */
export class CdrValueError extends Error {
  override readonly name = 'CdrValueError';
  constructor(
    readonly code: CdrErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A Cdr violates a limit or a cross-field rule. `field` is the Cdr property name (camelCase). */
export class CdrValidationError extends Error {
  override readonly name = 'CdrValidationError';
  constructor(
    readonly field: string,
    readonly code: CdrErrorCode,
    /** The problem without the field prefix that `message` carries. */
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/**
 * A record in a CSV/JSON input is malformed or invalid. `line` is the 1-based physical line where
 * the record starts; `field` is the column / JSON key name (snake_case), or null for the whole
 * record. `cause` holds the underlying CdrValueError / CdrValidationError, if any.
 */
export class CdrParseError extends Error {
  override readonly name = 'CdrParseError';
  constructor(
    readonly line: number,
    readonly field: string | null,
    readonly code: CdrErrorCode,
    /** The problem without the location prefix that `message` carries. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}${field === null ? '' : ` (${field})`}: ${detail}`, options);
  }
}
