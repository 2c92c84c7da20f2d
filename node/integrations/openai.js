'use strict';
// dbfed/integrations/openai: options of the `openai` client for Databricks model serving.

const { databricksFetch } = require('./fetch.js');

/**
 * What `apiKey` is set to: `openai` requires one, and its `Authorization` header gives way to the
 * token `fetch` sets. Not a secret; the only credential the client object holds.
 */
const API_KEY_PLACEHOLDER = 'dbfed-token-set-per-request';

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
    fetch: databricksFetch(credential, { host, fetch: options.fetch }),
  };
}

module.exports = { databricksOpenAIOptions };
