'use strict';
// dbfed/integrations/databricks-sdk: a credentials provider of the Databricks SDK for JavaScript
// (`@databricks/sdk-experimental`).

const { authorizationHeaders } = require('../lib/header.js');
const { unauthorizedRetry } = require('./authorization.js');

/**
 * The provider's name, which the SDK reports as `authType` (and in its User-Agent): its types
 * allow only the names of its own providers, and the tokens are Databricks OAuth tokens a machine
 * gets from the workspace's or account's token endpoint, as `oauth-m2m`'s are (by a federated JWT
 * here, by a client secret there).
 */
const NAME = 'oauth-m2m';

/**
 * A `CredentialProvider` of the Databricks SDK (`credentials` of a `WorkspaceClient`'s or an
 * `AccountClient`'s config) that sets `credential`'s token, fresh from its cache, on every
 * request. Configuring a client whose host is not the credential's throws, so that no token
 * goes elsewhere. The SDK shows its provider nothing of a response, so the provider's
 * `retryUnauthorized(call)` runs a call and, after a 401, invalidates the token that call sent
 * and runs it once more.
 */
function databricksSdkCredentials(credential) {
  const headerOf = authorizationHeaders();
  const recovery = unauthorizedRetry(credential);

  return {
    name: NAME,
    async configure(config) {
      const own = credential.host;
      if (own && config.host && new URL(own).origin !== new URL(config.host).origin) {
        throw new Error(`databricksSdkCredentials: the client's host ${config.host} is not the credential's, ${own}`);
      }
      return async function authorize(headers) {
        const token = credential.cachedToken() ?? (await credential.token());
        recovery.sent(token);
        headers.set('Authorization', headerOf(token));
      };
    },
    retryUnauthorized: recovery.retryUnauthorized,
  };
}

module.exports = { databricksSdkCredentials };
