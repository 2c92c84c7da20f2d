// dbfed/integrations/databricks-sdk: a credentials provider of the Databricks SDK for JavaScript
// (`@databricks/sdk-experimental`). Typed structurally: a project without the SDK installed still
// typechecks.

import type { Credential } from '../index.js'

/** What the provider sets a request's headers with (a `Headers`, as the SDK passes it). */
export interface HeadersLike {
  set(name: string, value: string): void
}

/** A `CredentialProvider` of the SDK, for the `credentials` of a `WorkspaceClient`'s or an `AccountClient`'s config. */
export interface DatabricksSdkCredentialProvider {
  /**
   * `oauth-m2m`, one of the SDK's `AuthType` names (the only ones its types allow): Databricks
   * OAuth tokens for a machine, from a federated JWT. The SDK reports it as `authType`.
   */
  name: 'oauth-m2m'
  /** Throws if the client's host is not the credential's; else the function setting the token on each request. */
  configure(config: { host?: string }): Promise<(headers: HeadersLike) => Promise<void>>
  /**
   * Runs `call` (SDK calls that may be sent twice) and, if it failed with a 401 (a token
   * Databricks refused, as a revoked one), invalidates the token it sent and runs it once more.
   */
  retryUnauthorized<T>(call: () => Promise<T>): Promise<T>
}

/**
 * A credentials provider of the Databricks SDK that sets `credential`'s token, fresh from its
 * cache, on every request. The SDK shows it nothing of a response: run calls through its
 * `retryUnauthorized(call)` to have a 401 retried once with a fresh token.
 */
export declare function databricksSdkCredentials(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
): DatabricksSdkCredentialProvider
