// Credentials with the local sources and both federation kinds, against the testkit.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { AccessToken, Credential, ExchangeError, sources } from '../index.js';
import { AUDIENCE, SP_CLIENT_ID, Testkit, USER } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

async function assertApiAccepts(token, principal) {
  const [status, me] = await kit.me(`${token.tokenType} ${token.token}`);
  assert.deepEqual([status, me.userName], [200, principal]);
}

test('a fixed JWT is exchanged for a service principal token the API accepts', async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));

  const token = await credential.token();

  assert.ok(token instanceof AccessToken);
  await assertApiAccepts(token, `sp:${SP_CLIENT_ID}`);
  const form = await kit.form();
  assert.equal(form.client_id, SP_CLIENT_ID);
  assert.equal(form.grant_type, 'urn:ietf:params:oauth:grant-type:token-exchange');
  assert.equal(form.scope, 'all-apis');
  assert.equal(token.tokenType, 'Bearer');
  assert.ok(token.expiresAt instanceof Date);
  const lifetime = token.expiresAt.getTime() - Date.now();
  assert.ok(lifetime > 3_500_000 && lifetime <= 3_600_000, `${lifetime}`);
  assert.ok(token.expiresInMs > 3_500_000);
  assert.equal(credential.sourceName, 'fixed');
});

test('account-wide federation acts as the user, without a client id', async () => {
  await kit.addPolicy({ client_id: null, audiences: [AUDIENCE] });
  const jwt = await kit.mint({ sub: USER, aud: [AUDIENCE] });
  const credential = kit.credential(new sources.Fixed(jwt), { clientId: undefined });

  await assertApiAccepts(await credential.token(), USER);
  assert.equal((await kit.form()).client_id, undefined);
});

test('an account host uses the account token endpoint, and the account id as audience', async () => {
  await kit.settings({ host_type: 'account' });
  await kit.addPolicy({ client_id: null });
  const jwt = await kit.mint({ sub: USER, aud: [kit.accountId] });
  const credential = new Credential({
    accountHost: kit.url,
    accountId: kit.accountId,
    source: new sources.Fixed(jwt),
    retry: { maxAttempts: 1 },
  });

  await assertApiAccepts(await credential.token(), USER);
  assert.equal(credential.accountId, kit.accountId);
  assert.equal((await kit.exchanges())[0].path, new URL(kit.accountTokenEndpoint).pathname);
});

test('an environment variable is read at every exchange', async () => {
  const jwt = await kit.servicePrincipalJwt();
  process.env.DBFED_NODE_TEST_JWT = 'stale';
  const credential = kit.credential(new sources.EnvVar('DBFED_NODE_TEST_JWT'));
  process.env.DBFED_NODE_TEST_JWT = jwt;
  try {
    await assertApiAccepts(await credential.token(), `sp:${SP_CLIENT_ID}`);
    assert.equal((await kit.form()).subject_token, jwt);
  } finally {
    delete process.env.DBFED_NODE_TEST_JWT;
  }
});

test('a file is read and trimmed', async () => {
  const jwt = await kit.servicePrincipalJwt();
  const path = join(await mkdtemp(join(tmpdir(), 'dbfed-')), 'token');
  await writeFile(path, `\n${jwt}\n`);

  await assertApiAccepts(await kit.credential(new sources.File(path)).token(), `sp:${SP_CLIENT_ID}`);
  assert.equal((await kit.form()).subject_token, jwt);
});

test('headers() gives the Authorization header', async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));

  const headers = await credential.headers();

  assert.deepEqual(Object.keys(headers), ['Authorization']);
  const [status] = await kit.me(headers.Authorization);
  assert.equal(status, 200);
});

test('a cached token is the same object, without a second exchange', async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));

  const first = await credential.token();
  const second = await credential.token();

  assert.equal(second, first);
  assert.equal((await kit.counters()).exchanges, 1);
  const stats = credential.stats();
  assert.equal(stats.exchanges, 1);
  assert.ok(stats.cacheHits >= 1, JSON.stringify(stats));
});

test('invalidateToken() refreshes once, however many callers report the same token', async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const first = await credential.token();

  assert.equal(credential.invalidateToken(first), true);
  assert.equal(credential.invalidateToken(first), false);
  const second = await credential.token();

  assert.notEqual(second.token, first.token);
  assert.equal((await kit.counters()).exchanges, 2);
  assert.throws(() => credential.invalidateToken('not a token'), TypeError);
});

test('invalidate() forgets the cached token', async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const first = await credential.token();

  const firstHeaders = await credential.headers();

  credential.invalidate();

  const second = await credential.token();
  assert.notEqual(second.token, first.token);
  assert.equal(firstHeaders.Authorization, `Bearer ${first.token}`);
  assert.deepEqual(await credential.headers(), { Authorization: `Bearer ${second.token}` });
  assert.equal(await credential.token(), second);
  assert.equal((await kit.counters()).exchanges, 2);
});

test('fromEnv() reads the Databricks variables', async () => {
  const jwt = await kit.servicePrincipalJwt();
  const variables = {
    DATABRICKS_HOST: kit.url,
    DATABRICKS_CLIENT_ID: SP_CLIENT_ID,
    DATABRICKS_TOKEN_AUDIENCE: AUDIENCE,
    DATABRICKS_AUTH_TYPE: 'env-oidc',
    DATABRICKS_OIDC_TOKEN: jwt,
  };
  Object.assign(process.env, variables);
  try {
    const credential = Credential.fromEnv({ retry: { maxAttempts: 1 } });
    assert.equal(credential.sourceName, 'env');
    await assertApiAccepts(await credential.token(), `sp:${SP_CLIENT_ID}`);
  } finally {
    for (const name of Object.keys(variables)) {
      delete process.env[name];
    }
  }
});

test('a thousand concurrent token() calls on a cold cache cause one exchange', async () => {
  // A slow exchange, so that every caller arrives while it is in flight.
  await kit.inject({ path: '/oidc/v1/token', delay_ms: 200 });
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));

  const tokens = await Promise.all(Array.from({ length: 1000 }, () => credential.token()));

  assert.ok(tokens.every((token) => token.token === tokens[0].token));
  assert.equal((await kit.counters()).exchanges, 1);
  assert.equal(credential.stats().exchanges, 1);
  await assertApiAccepts(tokens[0], `sp:${SP_CLIENT_ID}`);
});

test('the endpoints say how they were found, without an exchange', async () => {
  const credential = kit.credential(new sources.Fixed('jwt'));

  const endpoints = await credential.endpoints();

  assert.deepEqual(endpoints, {
    tokenEndpoint: kit.workspaceTokenEndpoint,
    tokenEndpointOrigin: 'host_metadata',
    audience: AUDIENCE,
    audienceOrigin: 'configured',
  });
  assert.deepEqual(await credential.endpoints(), endpoints, 'remembered');
  const configured = kit.credential(new sources.Fixed('jwt'), { tokenEndpoint: kit.workspaceTokenEndpoint });
  assert.equal((await configured.endpoints()).tokenEndpointOrigin, 'configured');

  await kit.settings({ host_metadata: false });
  const fallback = kit.credential(new sources.Fixed('jwt'), { audience: undefined, accountId: kit.accountId });
  assert.deepEqual(await fallback.endpoints(), {
    tokenEndpoint: kit.workspaceTokenEndpoint,
    tokenEndpointOrigin: 'fallback',
    audience: kit.accountId,
    audienceOrigin: 'account_id',
  });
  const lastResort = kit.credential(new sources.Fixed('jwt'), { audience: undefined });
  assert.deepEqual(await lastResort.endpoints(), {
    tokenEndpoint: kit.workspaceTokenEndpoint,
    tokenEndpointOrigin: 'fallback',
    audience: kit.workspaceTokenEndpoint,
    audienceOrigin: 'token_endpoint',
  });
  assert.equal((await kit.counters()).exchanges, 0);
});

test('a discovery URL gives the token endpoint, and a refused one rejects with its ExchangeError', async () => {
  const discovered = kit.credential(new sources.Fixed('jwt'), {
    discoveryUrl: `${kit.url}/oidc/.well-known/oauth-authorization-server`,
  });
  const endpoints = await discovered.endpoints();
  assert.deepEqual(
    [endpoints.tokenEndpoint, endpoints.tokenEndpointOrigin],
    [kit.workspaceTokenEndpoint, 'discovery_url'],
  );

  const missing = kit.credential(new sources.Fixed('jwt'), {
    discoveryUrl: `${kit.url}/nothing/.well-known/oauth-authorization-server`,
  });
  await assert.rejects(missing.endpoints(), (error) => error instanceof ExchangeError && error.status === 404);
  await assert.rejects(missing.diagnose({ issuer: kit.issuer }), ExchangeError);
});
