// dbfed/integrations/fetch: a WHATWG `fetch` that sends a credential's token to Databricks.
// Typed structurally: a project without the DOM lib or @types/node still typechecks.

import type { Credential } from '../index.js'

/** Any WHATWG-`fetch`-compatible function. */
export type FetchFunction = (input: any, init?: any) => Promise<any>

/** Options of `databricksFetch`. */
export interface DatabricksFetchOptions<F extends FetchFunction> {
  /** The `fetch` to send with (default: the global one). */
  fetch?: F
  /** The Databricks URL whose origin gets the token (default: the credential's host). */
  host?: string
}

/**
 * A `fetch` that sends `credential`'s token to the Databricks origin only, and after a 401
 * invalidates that token and sends the request once more with a fresh one when its body can be
 * sent again (not a stream). Name the type for the global one: `databricksFetch<typeof fetch>(credential)`.
 */
export declare function databricksFetch<F extends FetchFunction = FetchFunction>(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
  options?: DatabricksFetchOptions<F>,
): F
