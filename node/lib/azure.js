'use strict';
// Azure Databricks with Microsoft Entra tokens: AzureCredential, a Credential whose tokens are
// Entra tokens that Azure Databricks accepts as they are (no exchange), and AzureOnBehalfOf,
// tokens acting as the users signed in to an Entra application. The Rust core does the work.

const native = require('./native.js');
const { ADOPT, Credential } = require('./credential.js');
const { lift } = require('./errors.js');
const { NATIVE, sources } = require('./sources.js');
const { UserTokens } = require('./users.js');

/** The native source of `options.clientAssertion`, if any; a TypeError for a non-source. */
function assertionOf(options) {
  const assertion = options.clientAssertion;
  if (assertion === undefined || assertion === null) {
    return undefined;
  }
  if (!(assertion instanceof sources.Source)) {
    throw new TypeError('options.clientAssertion must be a source of dbfed.sources');
  }
  return assertion[NATIVE];
}

/**
 * A `Credential` for Azure Databricks whose tokens are Microsoft Entra tokens for the Azure
 * Databricks resource, accepted as they are (no token exchange); cached and refreshed like every
 * credential's. One way to authenticate: `tenantId`, `clientId` and `clientSecret` or
 * `clientAssertion` (any source, asked for audience `api://AzureADTokenExchange` at every Entra
 * request), or `managedIdentity: true` (IMDS). Throws a `ConfigError` for a bad configuration.
 */
class AzureCredential extends Credential {
  constructor(options) {
    if (options?.[ADOPT]) {
      super(options);
      return;
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new AzureCredential(options) takes an options object');
    }
    let made;
    try {
      made = native.Credential.azure(options, assertionOf(options), options, options);
    } catch (error) {
      throw lift(error);
    }
    super({ [ADOPT]: made });
  }

  /**
   * An Azure credential from the Azure Identity variables that are set: `AZURE_AUTHORITY_HOST`,
   * `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET` or else
   * `AZURE_FEDERATED_TOKEN_FILE` (AKS workload identity). With `managedIdentity: true`, the
   * managed identity (`AZURE_CLIENT_ID` picks a user-assigned one,
   * `AZURE_POD_IDENTITY_AUTHORITY_HOST` moves IMDS).
   * @param {object} [options] `managedIdentity`, `resource` and the HTTP options
   */
  static fromEnv(options = {}) {
    let made;
    try {
      made = native.Credential.azureFromEnv(options, options);
    } catch (error) {
      throw lift(error);
    }
    return new AzureCredential({ [ADOPT]: made });
  }
}

/**
 * Azure Databricks tokens acting as the users signed in to an Entra application: each user's
 * Entra access token (issued to this application) is exchanged with the on-behalf-of grant and
 * the result cached per user, as `UserExchanger` does. Throws a `ConfigError` for a bad
 * configuration.
 */
class AzureOnBehalfOf extends UserTokens {
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new AzureOnBehalfOf(options) takes an options object');
    }
    super(() => native.UserTokens.onBehalfOf(options, assertionOf(options), options.scope, options, options));
  }
}

module.exports = { AzureCredential, AzureOnBehalfOf };
