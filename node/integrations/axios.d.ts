// dbfed/integrations/axios: interceptors that send a credential's token to Databricks. Typed
// structurally: a project without axios installed still typechecks.

import type { Credential } from '../index.js'

/** What the integration uses of an axios instance (`axios.create()`, or `axios` itself). */
export interface AxiosInstanceLike {
  interceptors: {
    request: {
      use(
        onFulfilled: (config: any) => any,
        onRejected: undefined,
        options: { synchronous?: boolean; runWhen?: (config: any) => boolean },
      ): number
      eject(id: number): void
    }
    response: { use(onFulfilled: undefined, onRejected: (error: any) => any): number; eject(id: number): void }
  }
  request(config: any): Promise<any>
}

/** Options of `installDatabricksAuth`. */
export interface DatabricksAuthOptions {
  /** The Databricks URL whose origin gets the token (default: the credential's host). */
  host?: string
}

/**
 * Installs interceptors that send `credential`'s token to the Databricks origin only and, after a
 * 401 to that token, send the request once more with a fresh one (not for a streamed body).
 * Returns a function that removes them.
 */
export declare function installDatabricksAuth(
  instance: AxiosInstanceLike,
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
  options?: DatabricksAuthOptions,
): () => void
