'use strict';
// dbfed/integrations/openai: options of the `openai` client for Databricks model serving.

const { authorized, tokenFetch } = require('./token-fetch.js');

/**
 * What `apiKey` is set to: `openai` requires one, and its `Authorization` header gives way to the
 * token `fetch` sets. Not a secret; the only credential the client object holds.
 */
const API_KEY_PLACEHOLDER = 'dbfed-token-set-per-request';

/**
 * `init` with `Authorization: header`: set on openai's own `Headers`, which it builds anew for
 * every request (four times cheaper than reading them into a copy); else as `databricksFetch` does.
 */
function authorizedInPlace(input, init, header) {
  if (typeof init?.headers?.set !== 'function') {
    return authorized(input, init, header);
  }
  init.headers.set('Authorization', header);
  return init;
}

/**
 * Options of `new OpenAI()` for Databricks model serving (`{host}/serving-endpoints`): `databricksFetch`
 * (the token per request, a 401 retried once with a fresh one) and a placeholder `apiKey`.
 */
function databricksOpenAIOptions(credential, options = {}) {
  const host = options.host ?? credential.host;
  if (!host) {
    throw new TypeError('databricksOpenAIOptions: the credential names no host; pass options.host');
  }
  return {
    baseURL: `${new URL(host).origin}/serving-endpoints`,
    apiKey: API_KEY_PLACEHOLDER,
    fetch: tokenFetch(credential, { host, fetch: options.fetch }, 'databricksOpenAIOptions', authorizedInPlace),
  };
}

module.exports = { databricksOpenAIOptions };
