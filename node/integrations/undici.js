'use strict';
// dbfed/integrations/undici: an undici interceptor that sends a credential's token to Databricks.

const { authorizationHeaders } = require('../lib/header.js');

/** Whether an undici request body can be sent a second time: none, a string or bytes. */
function replayable(body) {
  return body === undefined || body === null || typeof body === 'string' || ArrayBuffer.isView(body);
}

/** `headers` (a record, a flat `[name, value, …]` array or pairs) without `Authorization`, plus `header`. */
function authorized(headers, header) {
  const result = {};
  if (Array.isArray(headers) && typeof headers[0] !== 'object') {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      result[headers[i]] = headers[i + 1];
    }
  } else if (headers !== null && typeof headers === 'object' && Symbol.iterator in headers) {
    for (const [name, value] of headers) {
      result[name] = value;
    }
  } else if (headers !== null && typeof headers === 'object') {
    Object.assign(result, headers);
  }
  for (const name in result) {
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      delete result[name];
    }
  }
  result.authorization = header;
  return result;
}

/**
 * The handler of a request to Databricks: passes everything on to `handler`, except a 401 to the
 * first attempt when the body can be sent again; then it invalidates that token and dispatches
 * once more with a fresh one. It is also the controller `handler` gets, standing for the
 * controller of whichever attempt is current.
 */
class UnauthorizedRetry {
  #dispatch;
  #headerOf;
  #opts;
  #handler;
  #credential;
  #token = null;
  #attempt = null;
  #started = false;
  #retrying = false;
  #mayRetry;

  constructor(dispatch, headerOf, opts, handler, credential) {
    this.#dispatch = dispatch;
    this.#headerOf = headerOf;
    this.#opts = opts;
    this.#handler = handler;
    this.#credential = credential;
    this.#mayRetry = replayable(opts.body);
  }

  /** Dispatches the request with `token`. */
  send(token) {
    this.#token = token;
    // A copy, so that the caller's options never hold the token (`Object.assign`: several times
    // cheaper than a spread of undici's options objects).
    const opts = Object.assign({}, this.#opts);
    opts.headers = authorized(this.#opts.headers, this.#headerOf(token));
    return this.#dispatch(opts, this);
  }

  // The controller `handler` gets: that of the current attempt.

  abort(reason) {
    this.#attempt?.abort(reason);
  }

  pause() {
    this.#attempt?.pause();
  }

  resume() {
    this.#attempt?.resume();
  }

  get aborted() {
    return this.#attempt?.aborted ?? false;
  }

  get paused() {
    return this.#attempt?.paused ?? false;
  }

  get reason() {
    return this.#attempt?.reason ?? null;
  }

  onRequestStart(controller, context) {
    this.#attempt = controller;
    if (!this.#started) {
      this.#started = true;
      this.#handler.onRequestStart?.(this, context);
    }
  }

  onRequestUpgrade(controller, statusCode, headers, socket) {
    this.#handler.onRequestUpgrade?.(this, statusCode, headers, socket);
  }

  onResponseStart(controller, statusCode, headers, statusMessage) {
    if (statusCode === 401 && this.#mayRetry) {
      this.#mayRetry = false;
      this.#retrying = true;
      return;
    }
    this.#handler.onResponseStart?.(this, statusCode, headers, statusMessage);
  }

  onResponseData(controller, chunk) {
    if (!this.#retrying) {
      this.#handler.onResponseData?.(this, chunk);
    }
  }

  onResponseEnd(controller, trailers) {
    if (!this.#retrying) {
      this.#handler.onResponseEnd?.(this, trailers);
      return;
    }
    this.#retrying = false;
    this.#credential.invalidateToken(this.#token);
    this.#credential.token().then(
      (fresh) => this.send(fresh),
      (error) => this.#handler.onResponseError?.(this, error),
    );
  }

  onResponseError(controller, error) {
    this.#handler.onResponseError?.(this, error);
  }
}

/**
 * An undici interceptor (for `Agent#compose`, and so `setGlobalDispatcher` and Node.js's own
 * `fetch`) that sends `credential`'s token to the Databricks origin of `credential.host` (or
 * `options.host`) only, and after a 401 invalidates that token and sends the request once more
 * with a fresh one, when its body can be sent again (not a stream, as `fetch` bodies are).
 */
function databricksInterceptor(credential, options = {}) {
  const host = options.host ?? credential.host;
  if (!host) {
    throw new TypeError('databricksInterceptor: the credential names no host; pass options.host');
  }
  const origin = new URL(host).origin;
  const headerOf = authorizationHeaders();
  // The last origin of another spelling and whether it is Databricks's: a client sends many
  // requests to one origin, so the URL is parsed once, not per request.
  let seen = null;
  let seenIsDatabricks = false;
  const isDatabricks = (target) => {
    if (target === origin) {
      return true;
    }
    if (target !== seen) {
      seenIsDatabricks = target !== undefined && target !== null && new URL(target).origin === origin;
      seen = target;
    }
    return seenIsDatabricks;
  };

  return (dispatch) =>
    function dispatchWithDatabricksToken(opts, handler) {
      if (!isDatabricks(opts.origin)) {
        return dispatch(opts, handler);
      }
      const retry = new UnauthorizedRetry(dispatch, headerOf, opts, handler, credential);
      const token = credential.cachedToken();
      if (token !== null) {
        return retry.send(token);
      }
      credential.token().then(
        (fresh) => retry.send(fresh),
        (error) => handler.onResponseError?.(null, error),
      );
      return true;
    };
}

module.exports = { databricksInterceptor };
