// Compiled (not run) by `tsc` in scripts/test: the declarations of index.d.ts describe the API
// the tests use.

import {
  AccessToken,
  AzureCredential,
  AzureOnBehalfOf,
  ConfigError,
  Credential,
  DbfedError,
  ExchangeError,
  Mismatch,
  SourceError,
  UserExchanger,
  diagnose,
  setLogger,
  sources,
  type Endpoints,
  type ErrorCode,
  type FederationPolicy,
  type LogRecord,
  type MismatchKind,
  type Stats,
  type UserStats,
} from '../index.js';
import { databricksFetch, type FetchFunction } from 'dbfed/integrations/fetch';
import { installDatabricksAuth } from 'dbfed/integrations/axios';
import axios from 'axios';
import { databricksInterceptor } from 'dbfed/integrations/undici';
import { Agent, setGlobalDispatcher } from 'undici';

async function use(): Promise<void> {
  const credential = new Credential({
    host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
    clientId: '6f1c1a3e-0000-4a5b-9c8d-0123456789ab',
    source: new sources.Chain(
      new sources.GitHubActions({ audience: 'x', requestTimeoutMs: 5000 }),
      new sources.File('/var/run/secrets/tokens/databricks'),
      new sources.Callback(async (context) => context.audience, { timeoutMs: 1000 }),
      sources.Kubernetes.azureFederatedToken(),
      new sources.OidcClientCredentials({ issuer: 'https://idp', clientId: 'c', clientSecret: 's', tokenField: 'id_token' }),
      sources.Command.buildkite(),
    ),
    retry: { maxAttempts: 1 },
  });
  const token: AccessToken = await credential.token();
  const expires: Date = token.expiresAt;
  const scope: string | null = token.scope;
  const headers: { Authorization: string } = await credential.headers();
  const stats: Stats = credential.stats();
  const invalidated: boolean = credential.invalidateToken(token);
  credential.invalidate();
  const fromEnv: Credential = Credential.fromEnv({ connectTimeoutMs: 1000 });
  const cached: AccessToken | null = credential.cachedToken();
  const cachedHeaders: { Authorization: string } | null = credential.cachedHeaders();
  const host: string | null = credential.host;
  const send: FetchFunction = databricksFetch(credential);
  const custom = databricksFetch(credential, {
    host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
    fetch: async (url: string, init?: { method?: string }) => ({ status: 200, url, init }),
  });
  const answer: { status: number; url: string } = await custom('https://x', { method: 'GET' });
  const uninstall: () => void = installDatabricksAuth(axios.create({ baseURL: 'https://x' }), credential, { host: 'https://x' });
  installDatabricksAuth(axios, credential);
  setGlobalDispatcher(new Agent().compose(databricksInterceptor(credential, { host: 'https://x' })));
  void [cached, cachedHeaders, host, send, answer, uninstall];

  const users = new UserExchanger({ accountHost: 'https://accounts.cloud.databricks.com', accountId: 'a', maxUsers: 10 });
  const userToken = await users.tokenFor('jwt');
  const userStats: UserStats = users.stats();
  users.invalidateTokenFor('jwt', userToken);
  const userHeaders: { Authorization: string } = await users.headersFor('jwt');
  const userCached: AccessToken | null = users.cachedTokenFor('jwt');

  const endpoints: Endpoints = await credential.endpoints();
  const origin: 'configured' | 'discovery_url' | 'host_metadata' | 'fallback' = endpoints.tokenEndpointOrigin;
  const policy: FederationPolicy = { issuer: 'https://token.actions.githubusercontent.com', audiences: ['acc'], subject: 's' };
  const found: Mismatch[] = await credential.diagnose(policy);
  const local: Mismatch[] = diagnose('jwt', { issuer: 'https://idp', subjectClaim: 'email' }, 'acc');
  for (const mismatch of [...found, ...local]) {
    const kind: MismatchKind = mismatch.kind;
    const at: Date | null = mismatch.at;
    const actual: readonly string[] = mismatch.actual;
    const trap: boolean = mismatch.tokenEndpointTrap;
    void [kind, at, actual, trap, mismatch.claim, mismatch.expected, String(mismatch)];
  }
  const made = new Mismatch({ kind: 'expired', message: 'expired at …', claim: 'exp', at: new Date() });

  const azure: Credential = new AzureCredential({
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '5e7b2a31-2222-4333-8444-6f6f6f6f6f6f',
    clientAssertion: new sources.File('/var/run/secrets/azure/tokens/azure-identity-token'),
    retry: { maxAttempts: 1 },
  });
  const managed = new AzureCredential({ managedIdentity: true, imdsEndpoint: 'http://127.0.0.1:1/metadata/identity/oauth2/token' });
  const azureFromEnv: AzureCredential = AzureCredential.fromEnv({ managedIdentity: true, resource: 'r', requestTimeoutMs: 1000 });
  const azureToken: AccessToken = await azure.token();
  const onBehalfOf = new AzureOnBehalfOf({
    tenantId: 't',
    clientId: 'c',
    clientSecret: 's',
    scope: 'x/user_impersonation',
    expectedAudiences: ['api://c'],
    negativeCacheMs: 1000,
  });
  const oboToken: AccessToken = await onBehalfOf.tokenFor('entra-token');
  const oboStats: UserStats = onBehalfOf.stats();
  const forgot: boolean = onBehalfOf.invalidateTokenFor('entra-token', oboToken);
  const oboHeaders: { Authorization: string } = await onBehalfOf.headersFor('entra-token');
  const oboCached: AccessToken | null = onBehalfOf.cachedTokenFor('entra-token');
  void [origin, made, managed, azureFromEnv, azureToken, oboStats, forgot, userHeaders, userCached, oboHeaders, oboCached];

  try {
    await credential.token();
  } catch (error) {
    if (error instanceof ExchangeError) {
      const status: number = error.status;
      const description: string | null = error.description;
      void [status, description];
    } else if (error instanceof SourceError) {
      const name: string = error.sourceName;
      void name;
    } else if (error instanceof DbfedError) {
      const code: ErrorCode = error.code;
      void code;
    }
  }
  void [expires, scope, headers, stats, invalidated, fromEnv, userStats, new ConfigError('m')];
}

function logs(): void {
  setLogger((record: LogRecord) => console.log(record.logger, record.level, record.message), { level: 'debug' });
  setLogger(null);
}

void use;
void logs;
