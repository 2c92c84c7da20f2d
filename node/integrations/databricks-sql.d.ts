// dbfed/integrations/databricks-sql: a credential's token for the @databricks/sql driver, as its
// `authType: 'custom'` provider. Typed structurally: a project without the driver installed still
// typechecks.

import type { Credential } from '../index.js'

/** The driver's `IAuthentication`, and the recovery from a 401 the driver cannot do itself. */
export interface DatabricksSqlAuth {
  /** The `Authorization` header of the credential's token; the driver calls it before every Thrift request. */
  authenticate(): Promise<{ Authorization: string }>
  /**
   * Runs `call` (driver calls that may be sent twice) and, if it failed with a 401 (a token
   * Databricks refused, as a revoked one), invalidates the token it sent and runs it once more.
   */
  retryUnauthorized<T>(call: () => Promise<T>): Promise<T>
}

/** The options of `databricksSqlConnectOptions`. */
export interface DatabricksSqlConnectOptionsInput {
  /** The HTTP path of the SQL warehouse or cluster (`/sql/1.0/warehouses/…`). */
  path: string
  /** The workspace URL or host name (default: the credential's host). */
  host?: string
}

/** Options for the driver's `client.connect()`; spread them to add the driver's own. */
export interface DatabricksSqlConnectOptions {
  /** The host name, without scheme or path. */
  host: string
  /** Only when the host URL names a port. */
  port?: number
  path: string
  authType: 'custom'
  provider: DatabricksSqlAuth
}

/**
 * The driver's authentication provider for `credential`'s tokens (the cached one without waiting),
 * with `retryUnauthorized(call)` for one retry after a 401.
 */
export declare function databricksSqlAuth(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken'>,
): DatabricksSqlAuth

/**
 * The options of `client.connect()` for the warehouse at `options.path` on the credential's host,
 * with a new `databricksSqlAuth(credential)` as `provider`.
 */
export declare function databricksSqlConnectOptions(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
  options: DatabricksSqlConnectOptionsInput,
): DatabricksSqlConnectOptions
