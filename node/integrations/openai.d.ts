// dbfed/integrations/openai: options of the `openai` client for Databricks model serving. Typed
// structurally: a project without openai installed still typechecks.

import type { Credential } from '../index.js'
import type { FetchFunction } from './fetch.js'

/** Options of `databricksOpenAIOptions`. */
export interface DatabricksOpenAIOptions<F extends FetchFunction> {
  /** The Databricks workspace URL (default: the credential's host). */
  host?: string
  /** The `fetch` to send with (default: the global one). */
  fetch?: F
}

/** Options of `new OpenAI()`: spread them, with any of your own. */
export interface DatabricksOpenAIClientOptions<F extends FetchFunction> {
  /** `{host}/serving-endpoints`. */
  baseURL: string
  /** A placeholder: the `Authorization` header `fetch` sets replaces the one made from it. */
  apiKey: string
  /** Sends the credential's token to the Databricks origin, once more after a 401 with a fresh one. */
  fetch: F
}

/**
 * Options of `new OpenAI()` for Databricks model serving (`{host}/serving-endpoints`): a `fetch`
 * that sends `credential`'s token with every request to the Databricks origin, and once more with
 * a fresh token after a 401, and a placeholder `apiKey`: no token is kept on the client.
 */
export declare function databricksOpenAIOptions<F extends FetchFunction = FetchFunction>(
  credential: Pick<Credential, 'cachedToken' | 'token' | 'invalidateToken' | 'host'>,
  options?: DatabricksOpenAIOptions<F>,
): DatabricksOpenAIClientOptions<F>
