// dbfed/integrations/undici: an undici interceptor that sends a credential's token to Databricks.
// Typed structurally: a project without undici installed still typechecks.

import type { Credential } from '../index.js'

/** An undici dispatch function (`Dispatcher#dispatch`, bound). */
export type DispatchLike = (opts: any, handler: any) => boolean

/** Options of `databricksInterceptor`. */
export interface DatabricksInterceptorOptions {
  /** The Databricks URL whose origin gets the token (default: the credential's host). */
  host?: string
}

/**
 * An undici interceptor for `Agent#compose` (and so `setGlobalDispatcher` and Node.js's
 * `fetch`): sends `credential`'s token to the Databricks origin only and, after a 401, sends the
 * request once more with a fresh token when its body can be sent again (not a stream).
 */
export declare function databricksInterceptor(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
  options?: DatabricksInterceptorOptions,
): (dispatch: DispatchLike) => DispatchLike
