// Token exchanges and failed calls per 1,000 SQL calls through the @databricks/sql driver (the
// pinned devDependency), against one dbfed-testkit server and the Thrift stand-in of
// test/thrift-standin.mjs (every Thrift request's token checked with the testkit); prints
// markdown table rows.
//
//     (cd node && node bench/sql-exchanges.mjs)           # 1,000 calls per row (a few minutes)
//     (cd node && node bench/sql-exchanges.mjs --smoke)   # 20 calls per row, to prove the script works
//
// A call is `SELECT 1` and its row: ExecuteStatement, GetOperationStatus, GetResultSetMetadata,
// FetchResults twice and CloseOperation, one session for all calls. After a 401 every variant
// retries the call once (dbfed: through `retryUnauthorized()`, which invalidates the token the call
// sent; token-provider and external-token: after invalidating dbfed's token, the most a caller can
// do; the driver's federation: as is); a call that fails after that counts as failed. The variants:
// - dbfed: `authType: 'custom'` with dbfed/integrations/databricks-sql;
// - the driver's federation: `authType: 'static-token'` with the testkit's JWT,
//   `enableTokenFederation: true` and `federationClientId`. The driver posts to
//   `https://<host>/oidc/v1/token` without the port (FederationProvider.buildExchangeUrl), so
//   its own test hook, `setFederationFetchForTest`, is given a fetch that adds the stand-in's
//   port (and trusts its certificate); the stand-in passes the exchange on to the testkit. The
//   driver is given `localhost`: it exchanges only JWTs whose issuer's host differs from the
//   warehouse's, and the testkit's issuer is 127.0.0.1;
// - token-provider: `authType: 'token-provider'`, an `ITokenProvider` handing out dbfed's token
//   (and its expiry) as the driver's `Token`;
// - external-token: `authType: 'external-token'`, `getToken` returning dbfed's token.
//
// The testkit binary is `$DBFED_TESTKIT`, else target/debug/dbfed-testkit (`cargo build -p
// dbfed-testkit`).

import { parseArgs } from 'node:util';

import { DBSQLClient, auth } from '@databricks/sql';
import { setFederationFetchForTest } from '@databricks/sql/dist/connection/auth/tokenProvider/FederationProvider.js';
import { Agent, fetch } from 'undici';

import { sources } from '../index.js';
import { databricksSqlConnectOptions } from '../integrations/databricks-sql.js';
import { SP_CLIENT_ID, Testkit } from '../test/testkit.mjs';
import { ThriftStandin } from '../test/thrift-standin.mjs';

const { values: args } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const CALLS = args.smoke ? 20 : 1000;
/** The revocation scenario revokes every token before call REVOKE_AT, and every CALLS/10 calls after. */
const REVOKE_EVERY = CALLS / 10;
const REVOKE_AT = REVOKE_EVERY / 2;

/**
 * The driver's connect options and how a call is retried once after a 401 (`retrying(call)`),
 * per variant, for the testkit's JWT `jwt` and the stand-in `standin`.
 */
const VARIANTS = {
  dbfed(jwt, standin, kit) {
    const options = databricksSqlConnectOptions(kit.credential(new sources.Fixed(jwt)), {
      path: standin.path,
      host: standin.url,
    });
    return { options, retrying: (call) => options.provider.retryUnauthorized(call) };
  },
  'driver federation'(jwt, standin) {
    const options = {
      host: standin.host,
      port: standin.port,
      path: standin.path,
      authType: 'static-token',
      staticToken: jwt,
      enableTokenFederation: true,
      federationClientId: SP_CLIENT_ID,
    };
    return { options, retrying: (call) => retriedAfter(call, () => {}) };
  },
  'token-provider'(jwt, standin, kit) {
    const credential = kit.credential(new sources.Fixed(jwt));
    const tokenProvider = {
      async getToken() {
        const token = await credential.token();
        return new auth.Token(token.token, { expiresAt: token.expiresAt });
      },
      getName: () => 'dbfed',
    };
    const options = { host: standin.host, port: standin.port, path: standin.path, authType: 'token-provider', tokenProvider };
    return { options, retrying: (call) => retriedAfter(call, () => invalidateCached(credential)) };
  },
  'external-token'(jwt, standin, kit) {
    const credential = kit.credential(new sources.Fixed(jwt));
    const getToken = async () => (await credential.token()).token;
    const options = { host: standin.host, port: standin.port, path: standin.path, authType: 'external-token', getToken };
    return { options, retrying: (call) => retriedAfter(call, () => invalidateCached(credential)) };
  },
};

/** Whether `error`, thrown by the driver, is the warehouse's HTTP 401. */
function isUnauthorized(error) {
  return error?.statusCode === 401;
}

/** `call()`, and after a 401 `recover()` and `call()` once more. */
async function retriedAfter(call, recover) {
  try {
    return await call();
  } catch (error) {
    if (!isUnauthorized(error)) {
      throw error;
    }
    recover();
    return call();
  }
}

/** Invalidates `credential`'s cached token, if any. */
function invalidateCached(credential) {
  const token = credential.cachedToken();
  if (token !== null) {
    credential.invalidateToken(token);
  }
}

/** `SELECT 1` and its row. */
async function select(session) {
  const operation = await session.executeStatement('SELECT 1');
  await operation.fetchAll();
  await operation.close();
}

/**
 * CALLS calls through `variant` against a fresh testkit state (tokens living `lifetimeSecs`),
 * `beforeCall(i)` awaited before each: `{ exchanges, requests, refused, failed }`.
 */
async function measure(kit, variant, { lifetimeSecs = 3600, beforeCall = async () => {} } = {}) {
  await kit.reset();
  await kit.settings({ token_lifetime_secs: lifetimeSecs });
  const jwt = await kit.servicePrincipalJwt();
  const standin = await ThriftStandin.start(kit, { hostname: 'localhost' });
  const dispatcher = new Agent({ connect: { ca: standin.ca } });
  setFederationFetchForTest((url, init) =>
    fetch(url.replace('https://localhost/', `${standin.url}/`), { ...init, dispatcher }),
  );
  const { options, retrying } = VARIANTS[variant](jwt, standin, kit);
  const client = new DBSQLClient({ logger: { log() {} } });
  // The session is opened by the first call that can: a variant whose OpenSession fails fails that call.
  let session = null;
  const call = async () => {
    session ??= await client.openSession();
    await select(session);
  };
  let failed = 0;
  try {
    await client.connect({ ...options, customCaCert: standin.ca, telemetryEnabled: false });
    for (let i = 0; i < CALLS; i += 1) {
      await beforeCall(i);
      failed += await retrying(call).then(
        () => 0,
        () => 1,
      );
    }
  } finally {
    await client.close().catch(() => {}); // CloseSession fails too where the variant's token is refused
    await standin.stop();
    await dispatcher.close();
    setFederationFetchForTest();
  }
  const counters = await kit.counters();
  return { exchanges: counters.exchanges, requests: standin.requests, refused: standin.rejected, failed };
}

/** Prints `rows` as a markdown table under `header`. */
function table(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => String(row[i]).length)));
  const line = (row) => `| ${row.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) {
    console.log(line(row));
  }
  console.log();
}

const kit = await Testkit.start();
try {
  const header = ['variant', `exchanges per ${CALLS} calls`, 'Thrift requests', '401s', 'failed calls'];
  const row = (variant, result) => [variant, result.exchanges, result.requests, result.refused, result.failed];

  console.log(`Tokens living 1 h, ${CALLS} calls:\n`);
  table(header, [
    row('dbfed', await measure(kit, 'dbfed')),
    row('driver federation', await measure(kit, 'driver federation')),
  ]);

  console.log(`Tokens living 1 h, every token revoked before call ${REVOKE_AT} and every ${REVOKE_EVERY} calls after:\n`);
  const revoking = {
    beforeCall: async (call) => {
      if (call % REVOKE_EVERY === REVOKE_AT) {
        await kit.revoke();
      }
    },
  };
  const revoked = [];
  for (const variant of Object.keys(VARIANTS)) {
    revoked.push(row(variant, await measure(kit, variant, revoking)));
  }
  table(header, revoked);

  console.log(`Tokens living 2 s, ${CALLS} calls:\n`);
  const short = [];
  for (const variant of Object.keys(VARIANTS)) {
    short.push(row(variant, await measure(kit, variant, { lifetimeSecs: 2 })));
  }
  table(header, short);
  if (args.smoke) {
    console.log('(--smoke: a few calls only; these numbers mean little)');
  }
} finally {
  await kit.stop();
}
