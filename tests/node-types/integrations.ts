// Every integration's declarations in a project that has none of their clients (no axios, undici,
// openai, @databricks/sql or Databricks SDK, no @types/node, no DOM library): scripts/test copies
// the package's declarations into node_modules/dbfed of a copy of this folder and runs `tsc -p`
// (`--strict`, `skipLibCheck: false`). Typechecked only, never run.

import { Credential, sources } from 'dbfed';
import { databricksFetch, type FetchFunction } from 'dbfed/integrations/fetch';
import { installDatabricksAuth, type AxiosInstanceLike } from 'dbfed/integrations/axios';
import { databricksInterceptor, type DispatchLike } from 'dbfed/integrations/undici';
import { databricksOpenAIOptions, type DatabricksOpenAIClientOptions } from 'dbfed/integrations/openai';
import {
  databricksSqlAuth,
  databricksSqlConnectOptions,
  type DatabricksSqlConnectOptions,
} from 'dbfed/integrations/databricks-sql';
import { databricksSdkCredentials, type DatabricksSdkCredentialProvider } from 'dbfed/integrations/databricks-sdk';

const credential = new Credential({
  host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
  clientId: '6f1c1a3e-0000-4a5b-9c8d-0123456789ab',
  source: new sources.File('/var/run/secrets/tokens/databricks'),
});

const send: FetchFunction = databricksFetch(credential);
const useAxios = (instance: AxiosInstanceLike): (() => void) => installDatabricksAuth(instance, credential);
const intercept: (dispatch: DispatchLike) => DispatchLike = databricksInterceptor(credential);
const openai: DatabricksOpenAIClientOptions<FetchFunction> = databricksOpenAIOptions(credential);
const sql: DatabricksSqlConnectOptions = databricksSqlConnectOptions(credential, { path: '/sql/1.0/warehouses/abc' });
const sdk: DatabricksSdkCredentialProvider = databricksSdkCredentials(credential);

async function recover(): Promise<string> {
  const header: string = (await databricksSqlAuth(credential).authenticate()).Authorization;
  return sdk.retryUnauthorized(async () => sql.provider.retryUnauthorized(async () => header));
}

void [send, useAxios, intercept, openai, recover];
