'use strict';
// dbfed/integrations/databricks-sql: a credential's token for the @databricks/sql driver, as its
// `authType: 'custom'` provider.

const { authorizationHeaders } = require('../lib/header.js');
const { unauthorizedRetry } = require('./authorization.js');

/**
 * The driver's authentication provider (its `IAuthentication`): `authenticate()`, which the
 * driver calls before every Thrift request, gives `credential`'s token (the cached one without
 * waiting). The driver has no 401 hook and never retries one, so `retryUnauthorized(call)` runs a
 * call and, after a 401, invalidates the token that call sent and runs it once more.
 */
function databricksSqlAuth(credential) {
  const headerOf = authorizationHeaders();
  const recovery = unauthorizedRetry(credential);

  return {
    async authenticate() {
      const token = credential.cachedToken() ?? (await credential.token());
      recovery.sent(token);
      return { Authorization: headerOf(token) };
    },
    retryUnauthorized: recovery.retryUnauthorized,
  };
}

/** The driver's `host` and `port` for `url`: a URL, or a bare host name as the driver takes it. */
function hostAndPort(url) {
  const parsed = new URL(url.includes('://') ? url : `https://${url}`);
  return parsed.port === '' ? { host: parsed.hostname } : { host: parsed.hostname, port: Number(parsed.port) };
}

/**
 * The options of the driver's `client.connect()` for the SQL warehouse or cluster at
 * `options.path` (its HTTP path) on `credential.host` (or `options.host`), with a new
 * `databricksSqlAuth(credential)` as `provider` (run calls through its `retryUnauthorized()`).
 */
function databricksSqlConnectOptions(credential, options) {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new TypeError('databricksSqlConnectOptions: pass options.path, the HTTP path of the warehouse');
  }
  const host = options.host ?? credential.host;
  if (!host) {
    throw new TypeError('databricksSqlConnectOptions: the credential names no host; pass options.host');
  }
  return {
    ...hostAndPort(host),
    path: options.path,
    authType: 'custom',
    provider: databricksSqlAuth(credential),
  };
}

module.exports = { databricksSqlAuth, databricksSqlConnectOptions };
