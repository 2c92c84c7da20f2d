// The Node.js quick start (README, "Node.js") in TypeScript: compiled by tsc --strict against the
// package's own declarations, then run.
import { AccessToken, Credential, ExchangeError, sources } from 'dbfed';
import { databricksFetch } from 'dbfed/integrations/fetch';
// Typechecks in this project, which has none of the clients installed (their types are structural).
import { installDatabricksAuth, type AxiosInstanceLike } from 'dbfed/integrations/axios';
import { databricksInterceptor } from 'dbfed/integrations/undici';
import { databricksOpenAIOptions } from 'dbfed/integrations/openai';
import { databricksSqlConnectOptions } from 'dbfed/integrations/databricks-sql';
import { databricksSdkCredentials } from 'dbfed/integrations/databricks-sdk';

declare const process: { env: Record<string, string | undefined> }; // without @types/node

const credential: Credential = new Credential({
  host: process.env.QUICKSTART_HOST ?? '',
  clientId: process.env.QUICKSTART_CLIENT_ID,
  source: new sources.File(process.env.QUICKSTART_TOKEN_FILE ?? ''),
});

const useAxios = (instance: AxiosInstanceLike): (() => void) => installDatabricksAuth(instance, credential);
void [useAxios, databricksInterceptor, databricksOpenAIOptions, databricksSqlConnectOptions, databricksSdkCredentials];

try {
  const token: AccessToken = await credential.token();
  const headers: Record<string, string> = await credential.headers();
  const expiresAt: Date = token.expiresAt;
  const viaHeaders = await fetch(`${process.env.QUICKSTART_HOST}/api/2.0/preview/scim/v2/Me`, { headers });
  // The fetch integration: the token for the Databricks origin only, one retry after a 401.
  const send = databricksFetch<typeof fetch>(credential);
  const response = await send(`${process.env.QUICKSTART_HOST}/api/2.0/preview/scim/v2/Me`);
  const me = (await response.json()) as { userName: string };
  console.log(me.userName, expiresAt > new Date(), viaHeaders.status);
} catch (error) {
  if (error instanceof ExchangeError) console.error(error.status, error.description);
  throw error;
}
