// Compiled (not run) by `npm run typecheck` (tsc --strict, the libraries' declarations checked
// too): what dbfed/integrations/databricks-sql returns is accepted, without a cast, where the real
// @databricks/sql driver's types ask for it (with @types/thrift, node-int64 and node-fetch, which
// its declarations need).

import { DBSQLClient, type ITokenProvider } from '@databricks/sql';
import { Credential, sources } from 'dbfed';
import {
  databricksSqlAuth,
  databricksSqlConnectOptions,
  type DatabricksSqlAuth,
  type DatabricksSqlConnectOptions,
} from 'dbfed/integrations/databricks-sql';

async function use(): Promise<void> {
  const credential = new Credential({
    host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
    clientId: '6f1c1a3e-0000-4a5b-9c8d-0123456789ab',
    source: new sources.GitHubActions(),
  });
  const client = new DBSQLClient();

  const options: DatabricksSqlConnectOptions = databricksSqlConnectOptions(credential, { path: '/sql/1.0/warehouses/abc' });
  await client.connect(options);
  await client.connect({ ...databricksSqlConnectOptions(credential, { path: 'p', host: 'https://x' }), telemetryEnabled: false });
  const auth: DatabricksSqlAuth = databricksSqlAuth(credential);
  await client.connect({ host: 'dbc-1234abcd-5678.cloud.databricks.com', path: 'p', authType: 'custom', provider: auth });

  const session = await client.openSession();
  const rows: Array<object> = await options.provider.retryUnauthorized(async () => {
    const operation = await session.executeStatement('SELECT 1');
    return operation.fetchAll();
  });
  const headers: { Authorization: string } = await auth.authenticate();
  void [headers, rows, null as ITokenProvider | null];
}

void use;
