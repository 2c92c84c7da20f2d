// dbfed/integrations/databricks-sql with the real @databricks/sql driver, against a Thrift
// stand-in for a SQL warehouse (thrift-standin.mjs) that checks every request's token with the
// testkit: the token on every Thrift request, one exchange however many queries, short-lived
// tokens, and one retry after a 401 (a revoked token) through `retryUnauthorized()`.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { DBSQLClient } from '@databricks/sql';
import { sources } from 'dbfed';
import { databricksSqlAuth, databricksSqlConnectOptions } from 'dbfed/integrations/databricks-sql';
import { Testkit } from './testkit.mjs';
import { ThriftStandin } from './thrift-standin.mjs';

/** Thrift requests per query the stand-in answers: ExecuteStatement, GetOperationStatus,
 * GetResultSetMetadata, FetchResults (the row, then none left) and CloseOperation. */
const REQUESTS_PER_QUERY = 6;
/** The driver's logger, silent (its default one logs every connection to the console). */
const SILENT = { log() {} };

let kit;
let standin;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(async () => {
  await kit.reset();
  standin = await ThriftStandin.start(kit);
});
afterEach(() => standin.stop());

async function credential() {
  return kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
}

/** A connected driver and an open session: `{ client, session, auth }`; `close()` closes both. */
async function connect(creds) {
  const options = databricksSqlConnectOptions(creds, { path: standin.path, host: standin.url });
  const client = new DBSQLClient({ logger: SILENT });
  await client.connect({ ...options, customCaCert: standin.ca, telemetryEnabled: false });
  const session = await client.openSession();
  return {
    client,
    session,
    auth: options.provider,
    async close() {
      await session.close();
      await client.close();
    },
  };
}

/** `SELECT n` and its one value. */
async function select(session, n) {
  const operation = await session.executeStatement(`SELECT ${n}`);
  const rows = await operation.fetchAll();
  await operation.close();
  assert.deepEqual(rows, [{ [String(n)]: n }]);
  return rows[0][String(n)];
}

/** Whether `error`, thrown by the driver, is the warehouse's HTTP 401. */
function isUnauthorized(error) {
  return error?.statusCode === 401;
}

/**
 * `SELECT n` through `retryUnauthorized()`: once more after a 401, with a fresh token. Counts a
 * call that still fails in `tally.failed` (and returns its error).
 */
async function selectWithRetry(connection, n, tally) {
  try {
    return await connection.auth.retryUnauthorized(() => select(connection.session, n));
  } catch (error) {
    tally.failed += 1;
    return error;
  }
}

test('every Thrift request carries the token; one exchange for many queries and clients', async () => {
  const creds = await credential();
  const connections = [await connect(creds), await connect(creds)];

  for (let n = 0; n < 12; n += 1) {
    assert.equal(await select(connections[n % 2].session, n), n);
  }
  await Promise.all(connections.map((connection) => connection.close()));

  const counters = await kit.counters();
  assert.deepEqual(standin.calls, {
    OpenSession: 2,
    ExecuteStatement: 12,
    GetOperationStatus: 12,
    GetResultSetMetadata: 12,
    FetchResults: 24,
    CloseOperation: 12,
    CloseSession: 2,
  });
  assert.equal(standin.requests, 2 * 2 + 12 * REQUESTS_PER_QUERY);
  assert.equal(standin.rejected, 0);
  assert.equal(counters.api_calls, standin.requests, 'the testkit checked every request');
  assert.equal(counters.successes, 1);
});

test('with tokens that live 2 s, queries over 3 s all succeed; exchanges follow time, not queries', async () => {
  await kit.settings({ token_lifetime_secs: 2 });
  const connection = await connect(await credential());
  const tally = { failed: 0 };
  const deadline = Date.now() + 3_000;
  let queries = 0;
  while (Date.now() < deadline) {
    await selectWithRetry(connection, queries, tally);
    queries += 1;
  }
  await connection.close();

  const counters = await kit.counters();
  assert.equal(tally.failed, 0);
  assert.ok(queries > 10, `${queries} queries`);
  assert.ok(counters.successes >= 2, 'the token was refreshed');
  assert.ok(counters.successes * 10 < standin.requests, `${counters.successes} exchanges for ${standin.requests} requests`);
  // The testkit counts expiry in whole seconds, so a token can die up to a second early: the
  // rare 401 that causes is recovered, and is the only kind of refusal.
  assert.equal(standin.rejected, counters.api_rejections);
});

test('after a revocation, the one retry with a fresh token succeeds: one 401 and one exchange per revocation', async () => {
  const connection = await connect(await credential());
  const tally = { failed: 0 };
  const rounds = 6;
  for (let round = 0; round < rounds; round += 1) {
    await kit.revoke();
    for (let n = 0; n < 2; n += 1) {
      assert.equal(await selectWithRetry(connection, n, tally), n);
    }
  }
  await connection.close();

  const counters = await kit.counters();
  assert.equal(tally.failed, 0);
  assert.equal(standin.rejected, rounds, 'only the first request after each revocation was refused');
  assert.equal(counters.successes, rounds + 1);
});

test('concurrent queries through a revocation: none fails', async () => {
  const connection = await connect(await credential());
  const tally = { failed: 0 };
  for (let round = 0; round < 4; round += 1) {
    await kit.revoke();
    await Promise.all(Array.from({ length: 4 }, (_, n) => selectWithRetry(connection, n, tally)));
  }
  await connection.close();

  const counters = await kit.counters();
  assert.equal(tally.failed, 0);
  assert.ok(standin.rejected >= 4, `${standin.rejected} requests refused`);
  assert.equal(counters.successes, 5, 'one exchange per revocation, however many queries saw the 401');
});

test('a token refused again after the retry surfaces the 401; other errors are not 401s', async () => {
  const connection = await connect(await credential());
  await kit.inject({ path: '/api/2.0/preview/scim/v2/Me', status: 401, count: 2 });
  const tally = { failed: 0 };

  const error = await selectWithRetry(connection, 1, tally);

  assert.equal(tally.failed, 1);
  assert.ok(isUnauthorized(error));
  assert.doesNotMatch(String(error.message), /dbfed-fake-/, 'no token in the error');
  const refused = await connection.session.executeStatement('DROP TABLE x').catch((failure) => failure);
  assert.equal(refused.message, 'the stand-in runs SELECT <integer> only'); // the driver's StatusError
  assert.equal(isUnauthorized(refused), false);
  assert.equal(isUnauthorized(null), false);
  assert.equal(isUnauthorized({ status: 401 }), false, "dbfed's own errors carry `status`, not a warehouse 401");
  await connection.close();
});

test('retryUnauthorized() invalidates the token its call sent, not one a later call got', async () => {
  const creds = await credential();
  const auth = databricksSqlAuth(creds);
  const first = (await auth.authenticate()).Authorization;
  assert.equal(first, `Bearer ${creds.cachedToken().token}`);
  let attempts = 0;
  const refusedOnce = () => {
    attempts += 1;
    return auth.authenticate().then(({ Authorization }) => {
      if (attempts === 1) {
        throw Object.assign(new Error('Received a response with a bad HTTP status code: 401'), { statusCode: 401 });
      }
      return Authorization;
    });
  };

  const second = await auth.retryUnauthorized(refusedOnce);
  const unrelated = await auth.retryUnauthorized(async () => (await auth.authenticate()).Authorization);

  assert.notEqual(second, first);
  assert.equal(unrelated, second);
  assert.equal((await kit.counters()).successes, 2);
  await assert.rejects(auth.retryUnauthorized(async () => { throw new Error('not a 401'); }), /not a 401/);
  assert.equal((await kit.counters()).successes, 2);
});

test('connect options: the host name and port of a URL, or a bare host name; the path is required', async () => {
  const creds = await credential();

  const options = databricksSqlConnectOptions(creds, { path: '/sql/1.0/warehouses/abc' });
  const bare = databricksSqlConnectOptions(creds, { path: 'p', host: 'dbc-1.cloud.databricks.com' });
  const pasted = databricksSqlConnectOptions(creds, { path: 'p', host: 'https://dbc-1.cloud.databricks.com/?o=123#x' });

  assert.deepEqual({ ...options, provider: null }, {
    host: '127.0.0.1',
    port: Number(new URL(kit.url).port),
    path: '/sql/1.0/warehouses/abc',
    authType: 'custom',
    provider: null,
  });
  assert.equal(typeof options.provider.authenticate, 'function');
  assert.deepEqual([bare.host, bare.port, pasted.host, pasted.port], ['dbc-1.cloud.databricks.com', undefined, 'dbc-1.cloud.databricks.com', undefined]);
  assert.throws(() => databricksSqlConnectOptions(creds, {}), /options\.path/);
  assert.throws(() => databricksSqlConnectOptions({ host: null }, { path: 'p' }), /names no host/);
  assert.equal((await kit.counters()).exchanges, 0, 'nothing is exchanged before a query');
});
