'use strict';
// The errors dbfed throws, every one a DbfedError with a `code`, and `lift`, which turns the
// plain errors of the native addon (an Error with `code` and the core error's fields, made by
// bindings/node/src/errors.rs) into them. Messages and fields never contain a token, a JWT or
// a secret.

/** Base class of every error dbfed throws. */
class DbfedError extends Error {
  /**
   * @param {string} message
   * @param {string} code `CONFIG`, `SOURCE`, `REJECTED`, `MALFORMED` or `TRANSPORT`
   * @param {ErrorOptions} [options] `cause`
   */
  constructor(message, code, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The configuration is incomplete or unsafe (thrown before any network call). */
class ConfigError extends DbfedError {
  constructor(message, options) {
    super(message, 'CONFIG', options);
  }
}

/**
 * The subject JWT could not be had: a variable unset, a file missing or empty, a callback that
 * threw or rejected (its error is the `cause`) or timed out, a JWT already expired, a refused
 * JWT request of a source (the `ExchangeError` or `TransportError` is the `cause`).
 */
class SourceError extends DbfedError {
  constructor(message, { sourceName }, options) {
    super(message, 'SOURCE', options);
    /** Which source failed: `env`, `file`, `callback`, `github-actions`, … */
    this.sourceName = sourceName;
  }
}

/** The server refused the token exchange (or a discovery request), with its own words. */
class ExchangeError extends DbfedError {
  constructor(message, fields, options, code = 'REJECTED') {
    super(message, code, options);
    /** HTTP status of the answer. */
    this.status = fields.status;
    /** The URL that answered (without its query). */
    this.endpoint = fields.endpoint;
    /** The server's error code (`invalid_grant`, …), or null. */
    this.error = fields.error ?? null;
    /** The server's explanation, or null. */
    this.description = fields.description ?? null;
    /** The server's request id (quote it to Databricks support), or null. */
    this.requestId = fields.requestId ?? null;
    /** Milliseconds the server asked to wait before trying again (`Retry-After`), or null. */
    this.retryAfterMs = fields.retryAfterMs ?? null;
  }
}

/**
 * The server answered, but not with something dbfed can use (not JSON, no `access_token`, a
 * body over 1 MiB, …); `description` says what is wrong.
 */
class MalformedResponseError extends ExchangeError {
  constructor(message, fields, options) {
    super(message, fields, options, 'MALFORMED');
  }
}

/** No answer: connection refused or dropped, timeout, TLS failure. */
class TransportError extends DbfedError {
  constructor(message, { endpoint, retryable }, options) {
    super(message, 'TRANSPORT', options);
    /** The URL that was called (without its query). */
    this.endpoint = endpoint;
    /** Whether the failure is of a kind worth retrying. */
    this.retryable = retryable;
  }
}

/** The class of each code the native addon gives. */
const CLASSES = new Map([
  ['CONFIG', (message, fields, options) => new ConfigError(message, options)],
  ['SOURCE', (message, fields, options) => new SourceError(message, fields, options)],
  ['REJECTED', (message, fields, options) => new ExchangeError(message, fields, options)],
  ['MALFORMED', (message, fields, options) => new MalformedResponseError(message, fields, options)],
  ['TRANSPORT', (message, fields, options) => new TransportError(message, fields, options)],
  ['DBFED', (message, fields, options) => new DbfedError(message, 'DBFED', options)],
  // A panic inside the addon (a bug of dbfed), caught at its boundary.
  ['INTERNAL', (message, fields, options) => new DbfedError(message, 'INTERNAL', options)],
]);

/** The statuses of napi's argument conversions (`StringExpected`, `InvalidArg`, …). */
const NAPI_ARGUMENT_ERROR = /^(InvalidArg|[A-Za-z]+Expected)$/;

/**
 * The dbfed error for an error of the native addon; napi's own argument errors become
 * TypeErrors (without the value they quote, which could be a secret); anything else is returned as it is.
 * @param {unknown} error
 * @returns {unknown}
 */
function lift(error) {
  if (!(error instanceof Error)) {
    return error;
  }
  const make = CLASSES.get(error.code);
  if (make) {
    const options = {};
    if ('dbfedCause' in error) {
      options.cause = lift(error.dbfedCause);
    } else if ('cause' in error) {
      options.cause = error.cause;
    }
    const lifted = make(error.message, error, options);
    Error.captureStackTrace(lifted, lift);
    return lifted;
  }
  if (NAPI_ARGUMENT_ERROR.test(error.code)) {
    const typeError = new TypeError(error.message.replace(/ value `[^`]*`/, ' value'));
    typeError.code = 'ERR_INVALID_ARG_TYPE';
    Error.captureStackTrace(typeError, lift);
    return typeError;
  }
  return error;
}

module.exports = {
  ConfigError,
  DbfedError,
  ExchangeError,
  MalformedResponseError,
  SourceError,
  TransportError,
  lift,
};
