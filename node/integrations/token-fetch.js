'use strict';
// A WHATWG `fetch` that sends a credential's token to Databricks: the body of
// dbfed/integrations/fetch and of the openai integration (internal, not a subpath of the package).

const { authorizationHeaders } = require('../lib/header.js');

/** `fetch`'s request bodies that can be sent a second time; streams cannot. */
function replayable(input, init) {
  const body = init?.body;
  if (body === undefined || body === null) {
    return !(typeof Request === 'function' && input instanceof Request && input.body !== null);
  }
  return (
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob === 'function' && body instanceof Blob) ||
    (typeof FormData === 'function' && body instanceof FormData)
  );
}

/** The origin of the URL `input` names (a string, a `URL` or a `Request`); `origin` at once when
 * a string starts with it (the common case, without parsing a URL). */
function originOf(input, origin) {
  if (typeof input === 'string' && input.startsWith(origin) && input[origin.length] === '/') {
    return origin;
  }
  return new URL(typeof input === 'object' && input !== null && 'url' in input ? input.url : String(input)).origin;
}

/** Whether `headers` is a plain object (a record of names), which can be copied without a `Headers`. */
function isRecord(headers) {
  if (headers === null || typeof headers !== 'object') {
    return false;
  }
  const prototype = Object.getPrototypeOf(headers);
  return prototype === Object.prototype || prototype === null;
}

/** A copy of `init` (`Object.assign`: several times cheaper than a spread here) with `headers`. */
function withHeaders(init, headers) {
  const copy = Object.assign({}, init);
  copy.headers = headers;
  return copy;
}

/** `init` with `Authorization: header`, the request's own headers kept. */
function authorized(input, init, header) {
  const given = init?.headers;
  const own = typeof input === 'object' && input !== null ? input.headers : undefined;
  if (given === undefined && own === undefined) {
    return withHeaders(init, { Authorization: header });
  }
  if (isRecord(given)) {
    const headers = {};
    for (const name of Object.keys(given)) {
      if (name.toLowerCase() !== 'authorization') {
        headers[name] = given[name];
      }
    }
    headers.Authorization = header;
    return withHeaders(init, headers);
  }
  const source = given ?? own;
  const headers = {};
  if (typeof source?.forEach === 'function' && !Array.isArray(source)) {
    // A `Headers` (names in lower case): read into a record, four times cheaper than a copy.
    source.forEach((value, name) => {
      if (name !== 'authorization') {
        headers[name] = value;
      }
    });
  } else {
    for (const [name, value] of new Headers(source)) {
      if (name !== 'authorization') {
        headers[name] = value;
      }
    }
  }
  headers.Authorization = header;
  return withHeaders(init, headers);
}

/**
 * A `fetch` (the global one, or `options.fetch`) that sends `credential`'s token to the
 * Databricks origin of `credential.host` (or `options.host`) only, and after a 401 invalidates
 * that token and sends the request once more with a fresh one, when its body can be sent again
 * (not a stream). `authorize(input, init, header)` gives the `init` to send; `caller` names the
 * public function in errors.
 */
function tokenFetch(credential, options, caller, authorize = authorized) {
  const send = options.fetch ?? globalThis.fetch;
  if (typeof send !== 'function') {
    throw new TypeError(`${caller}: no fetch (Node.js 18+ has a global one; or pass options.fetch)`);
  }
  const host = options.host ?? credential.host;
  if (!host) {
    throw new TypeError(`${caller}: the credential names no host; pass options.host`);
  }
  const origin = new URL(host).origin;
  const headerOf = authorizationHeaders();

  return async function fetchWithDatabricksToken(input, init) {
    if (originOf(input, origin) !== origin) {
      return send(input, init);
    }
    const token = credential.cachedToken() ?? (await credential.token());
    const response = await send(input, authorize(input, init, headerOf(token)));
    if (response.status !== 401 || !replayable(input, init)) {
      return response;
    }
    credential.invalidateToken(token);
    const fresh = await credential.token();
    if (fresh.token === token.token) {
      return response;
    }
    await response.body?.cancel();
    return send(input, authorize(input, init, headerOf(fresh)));
  };
}

module.exports = { authorized, tokenFetch };
