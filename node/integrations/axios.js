'use strict';
// dbfed/integrations/axios: interceptors that send a credential's token to Databricks.

const { authorizationHeaders } = require('../lib/header.js');

/** Whether an axios request body can be sent a second time: not a stream. */
function replayable(data) {
  if (data === undefined || data === null || typeof data !== 'object') {
    return true;
  }
  const stream = typeof data.pipe === 'function' || (typeof ReadableStream === 'function' && data instanceof ReadableStream);
  return !stream;
}

/** An absolute URL: a scheme, or `//` (axios's own test). */
const ABSOLUTE = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The origin a request goes to: its `url`, or `url` under `baseURL` as axios combines them (a
 * relative `url` under an absolute `baseURL` keeps the base's origin); `origin` at once when
 * the URL starts with it, without parsing.
 */
function originOf(config, origin) {
  const url = config.url ?? '';
  const full = ABSOLUTE.test(url) || !config.baseURL ? url : config.baseURL;
  if (full.startsWith(origin) && (full.length === origin.length || full[origin.length] === '/')) {
    return origin;
  }
  try {
    return new URL(full).origin;
  } catch {
    return null; // not a URL axios can send to an origin of ours
  }
}

/**
 * Installs on the axios `instance` request interceptors that send `credential`'s token to the
 * Databricks origin of `credential.host` (or `options.host`) only, and a response interceptor
 * that, after a 401 to that token, invalidates it and sends the request once more with a fresh
 * one, when its body is not a stream. Returns a function that removes them.
 */
function installDatabricksAuth(instance, credential, options = {}) {
  const host = options.host ?? credential.host;
  if (!host) {
    throw new TypeError('installDatabricksAuth: the credential names no host; pass options.host');
  }
  const origin = new URL(host).origin;
  const headerOf = authorizationHeaders();
  const setToken = (config, token) => {
    config.headers.set('Authorization', headerOf(token));
    config.dbfedToken = token;
    return config;
  };

  // Two request interceptors, of which axios runs the one whose `runWhen` says so: with the
  // token cached (the common case), a synchronous one, so that axios keeps its synchronous
  // path (no promise per interceptor); else one that awaits the token. The first `runWhen`
  // leaves on the config the cached token, null when none is cached, undefined for another origin.
  const cached = instance.interceptors.request.use((config) => setToken(config, config.dbfedCachedToken), undefined, {
    synchronous: true,
    runWhen(config) {
      config.dbfedCachedToken = originOf(config, origin) === origin ? credential.cachedToken() : undefined;
      return Boolean(config.dbfedCachedToken);
    },
  });
  const awaited = instance.interceptors.request.use(async (config) => setToken(config, await credential.token()), undefined, {
    runWhen: (config) => config.dbfedCachedToken === null,
  });

  const response = instance.interceptors.response.use(undefined, async (error) => {
    const config = error?.config;
    const token = config?.dbfedToken;
    if (error?.response?.status !== 401 || !token || config.dbfedRetried || !replayable(config.data)) {
      throw error;
    }
    credential.invalidateToken(token);
    const fresh = await credential.token();
    if (fresh.token === token.token) {
      throw error;
    }
    return instance.request({ ...config, dbfedToken: undefined, dbfedRetried: true });
  });

  return function uninstall() {
    instance.interceptors.request.eject(cached);
    instance.interceptors.request.eject(awaited);
    instance.interceptors.response.eject(response);
  };
}

module.exports = { installDatabricksAuth };
