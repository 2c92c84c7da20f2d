'use strict';
// dbfed/integrations/fetch: a WHATWG `fetch` that sends a credential's token to Databricks.

const { tokenFetch } = require('./token-fetch.js');

/**
 * A `fetch` (the global one, or `options.fetch`) that sends `credential`'s token to the
 * Databricks origin of `credential.host` (or `options.host`) only, and after a 401 invalidates
 * that token and sends the request once more with a fresh one, when its body can be sent again
 * (not a stream). Requests to any other origin go out untouched. Also what the `fetch` options of
 * `openai` and of the ai-sdk providers take.
 */
function databricksFetch(credential, options = {}) {
  return tokenFetch(credential, options, 'databricksFetch');
}

module.exports = { databricksFetch };
