'use strict';
// What the integrations for clients without a 401 hook share: the test for a 401 and the
// recovery from it.

const { AsyncLocalStorage } = require('node:async_hooks');

/**
 * Whether `error`, thrown by a client that does not retry a 401 itself (`@databricks/sql`, the
 * Databricks SDK), is Databricks's HTTP 401: a token it refused, as it refuses a revoked one.
 */
function isUnauthorized(error) {
  return typeof error === 'object' && error !== null && error.statusCode === 401;
}

/**
 * For a client that asks a provider for the token before each request but shows it nothing of a
 * response: `sent(token)` records the token a request got, for the call it was made in (an
 * `AsyncLocalStorage` context); `retryUnauthorized(call)` runs `call` and, if it failed with a
 * 401, invalidates the token that call sent and runs it once more. Many calls refused the same
 * token cause one exchange; a token a later call got is left alone.
 */
function unauthorizedRetry(credential) {
  const calls = new AsyncLocalStorage();
  return {
    sent(token) {
      const call = calls.getStore();
      if (call !== undefined) {
        call.token = token;
      }
    },
    async retryUnauthorized(call) {
      const first = { token: null };
      try {
        return await calls.run(first, call);
      } catch (error) {
        if (!isUnauthorized(error) || first.token === null) {
          throw error;
        }
        credential.invalidateToken(first.token);
        return calls.run({ token: null }, call);
      }
    },
  };
}

module.exports = { unauthorizedRetry };
