// Azure Databricks with Entra tokens, against the testkit's Entra and IMDS look-alikes:
// AzureCredential (client secret, client assertion from a file, GitHub Actions or a callback,
// managed identity, from the environment) and AzureOnBehalfOf (users signed in with Entra).

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import {
  AzureCredential,
  AzureOnBehalfOf,
  ConfigError,
  Credential,
  ExchangeError,
  SourceError,
  sources,
} from '../index.js';
import { CI_SUBJECT, GITHUB_REQUEST_TOKEN, Testkit } from './testkit.mjs';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const APP = '5e7b2a31-2222-4333-8444-6f6f6f6f6f6f';
const SECRET = 'entra-app-secret-value';
const FEDERATED_SUBJECT = 'repo:acme/api:environment:prod';
const MANAGED_IDENTITY = '0d1e5a77-3333-4444-8555-7a7a7a7a7a7a';
const AZURE_DATABRICKS = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';
const ALICE = 'alice@contoso.com';
const BOB = 'bob@contoso.com';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The Azure Identity variables, which no test inherits from the machine running it. */
const AZURE_VARIABLES = [
  'AZURE_AUTHORITY_HOST',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
];
const saved = Object.fromEntries(AZURE_VARIABLES.map((name) => [name, process.env[name]]));

let kit;
let dir;
before(async () => {
  kit = await Testkit.start();
  dir = await mkdtemp(join(tmpdir(), 'dbfed-azure-'));
});
after(() => kit.stop());
beforeEach(async () => {
  for (const name of AZURE_VARIABLES) {
    delete process.env[name];
  }
  await kit.reset();
  // An Entra app with a secret, trusting the testkit IdP's JWTs for FEDERATED_SUBJECT and the
  // GitHub look-alike's for CI_SUBJECT.
  await kit.addEntraApp({
    tenant: TENANT,
    client_id: APP,
    secret: SECRET,
    federated_credentials: [
      { issuer: kit.issuer, subject: FEDERATED_SUBJECT },
      { issuer: kit.issuer, subject: CI_SUBJECT },
    ],
  });
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
});

function azure(options = {}) {
  return new AzureCredential({
    authorityHost: kit.entraAuthority,
    tenantId: TENANT,
    clientId: APP,
    retry: { maxAttempts: 1 },
    ...options,
  });
}

function onBehalfOf(options = {}) {
  return new AzureOnBehalfOf({
    authorityHost: kit.entraAuthority,
    tenantId: TENANT,
    clientId: APP,
    clientSecret: SECRET,
    retry: { maxAttempts: 1 },
    ...options,
  });
}

/** The Databricks user name the testkit's API answers to `token`. */
async function userName(token) {
  const [status, me] = await kit.me(`${token.tokenType} ${token.token}`);
  assert.equal(status, 200, JSON.stringify(me));
  return me.userName;
}

/** The form of the `index`th request the fake Entra received, as an object. */
async function entraForm(index) {
  const requests = await kit.entraRequests();
  return Object.fromEntries(requests.at(index).form);
}

/** The claims of a JWT, decoded. */
function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

test('a client secret gets a token Azure Databricks accepts, requested once', async () => {
  const credential = azure({ clientSecret: SECRET });

  const token = await credential.token();

  assert.equal(await userName(token), `sp:${APP}`);
  assert.equal((await credential.token()).token, token.token);
  assert.equal(credential.stats().exchanges, 1);
  const [request, ...others] = await kit.entraRequests();
  assert.deepEqual(others, []);
  assert.deepEqual([request.method, request.path], ['POST', `/entra/${TENANT}/oauth2/token`]);
  assert.deepEqual(request.form, [
    ['grant_type', 'client_credentials'],
    ['client_id', APP],
    ['client_secret', SECRET],
    ['resource', AZURE_DATABRICKS],
  ]);
});

test('it is a Credential: headers, invalidation, and no endpoints or diagnosis', async () => {
  const credential = azure({ clientSecret: SECRET });
  assert.ok(credential instanceof Credential);

  const token = await credential.token();
  assert.deepEqual(await credential.headers(), { Authorization: `Bearer ${token.token}` });
  assert.equal(credential.invalidateToken(token), true);
  const renewed = await credential.token();
  assert.notEqual(renewed.token, token.token);
  assert.equal(await userName(renewed), `sp:${APP}`);
  assert.equal((await kit.entraRequests()).length, 2);
  assert.deepEqual([credential.sourceName, credential.accountId], [null, null]);
  await assert.rejects(credential.endpoints(), (error) => error instanceof ConfigError && /without a token exchange/.test(error.message));
  await assert.rejects(credential.diagnose({ issuer: kit.issuer }), ConfigError);
});

test('a federated token file is the client assertion, read at every Entra request', async () => {
  const path = join(dir, 'azure-identity-token');
  const first = await kit.mint({ sub: FEDERATED_SUBJECT, aud: [FEDERATED_AUDIENCE] });
  await writeFile(path, `${first}\n`);
  const credential = azure({ clientAssertion: new sources.File(path) });

  assert.equal(await userName(await credential.token()), `sp:${APP}`);
  const second = await kit.mint({ sub: FEDERATED_SUBJECT, aud: [FEDERATED_AUDIENCE], lifetime_secs: 600 });
  await writeFile(path, second);
  credential.invalidate();
  assert.equal(await userName(await credential.token()), `sp:${APP}`);

  const forms = [await entraForm(0), await entraForm(1)];
  assert.deepEqual(
    forms.map((form) => form.client_assertion),
    [first, second],
  );
  assert.equal(forms[0].client_assertion_type, ASSERTION_TYPE);
  assert.equal(forms[0].client_secret, undefined);
  assert.equal(forms[0].resource, AZURE_DATABRICKS);
});

test('a GitHub Actions ID token is the client assertion, asked for the Entra audience', async () => {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = kit.githubRequestUrl;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = GITHUB_REQUEST_TOKEN;
  const credential = azure({ clientAssertion: new sources.GitHubActions() });

  assert.equal(await userName(await credential.token()), `sp:${APP}`);

  const form = await entraForm(0);
  assert.equal(form.client_assertion_type, ASSERTION_TYPE);
  const assertion = claims(form.client_assertion);
  assert.deepEqual([assertion.sub, assertion.aud], [CI_SUBJECT, FEDERATED_AUDIENCE]);
});

test('a GitHub Actions request refused is a SourceError, and Entra is not asked', async () => {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = kit.githubRequestUrl;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'wrong';
  const credential = azure({ clientAssertion: new sources.GitHubActions() });

  await assert.rejects(credential.token(), (error) => {
    return error instanceof SourceError && error.sourceName === 'github-actions' && error.cause instanceof ExchangeError && error.cause.status === 401;
  });
  assert.deepEqual(await kit.entraRequests(), []);
});

test('a callback client assertion is asked for the Entra audience at every Entra request', async () => {
  const asked = [];
  const assertions = [];
  const credential = azure({
    clientAssertion: new sources.Callback(async (context) => {
      asked.push(context.audience);
      assertions.push(await kit.mint({ sub: FEDERATED_SUBJECT, aud: [context.audience], lifetime_secs: 60 + assertions.length }));
      return assertions.at(-1);
    }),
  });

  const first = await credential.token();
  credential.invalidate();
  const second = await credential.token();

  assert.notEqual(second.token, first.token);
  assert.equal(await userName(second), `sp:${APP}`);
  assert.deepEqual(asked, [FEDERATED_AUDIENCE, FEDERATED_AUDIENCE]);
  assert.deepEqual([(await entraForm(0)).client_assertion, (await entraForm(1)).client_assertion], assertions);
});

test('a managed identity comes from IMDS', async () => {
  await kit.addManagedIdentity({ tenant: TENANT, client_id: MANAGED_IDENTITY, system_assigned: true });
  const credential = new AzureCredential({ managedIdentity: true, imdsEndpoint: kit.imdsEndpoint });

  assert.equal(await userName(await credential.token()), `sp:${MANAGED_IDENTITY}`);
  const [request, ...others] = await kit.entraRequests();
  assert.deepEqual(others, []);
  assert.deepEqual([request.method, request.path], ['GET', '/metadata/identity/oauth2/token']);
  assert.deepEqual(Object.fromEntries(request.query), { 'api-version': '2018-02-01', resource: AZURE_DATABRICKS });
});

test('a user-assigned managed identity is named by its client id', async () => {
  await kit.addManagedIdentity({ tenant: TENANT, client_id: MANAGED_IDENTITY });
  const credential = new AzureCredential({ managedIdentity: true, clientId: MANAGED_IDENTITY, imdsEndpoint: kit.imdsEndpoint });

  assert.equal(await userName(await credential.token()), `sp:${MANAGED_IDENTITY}`);
  assert.equal(Object.fromEntries((await kit.entraRequests())[0].query).client_id, MANAGED_IDENTITY);
});

test('fromEnv reads the Azure Identity variables: a secret, else a federated token file', async () => {
  Object.assign(process.env, {
    AZURE_AUTHORITY_HOST: kit.entraAuthority,
    AZURE_TENANT_ID: TENANT,
    AZURE_CLIENT_ID: APP,
    AZURE_CLIENT_SECRET: SECRET,
  });
  assert.equal(await userName(await AzureCredential.fromEnv().token()), `sp:${APP}`);
  assert.equal((await entraForm(0)).client_secret, SECRET);

  // AKS workload identity: the projected token file, read at every Entra request.
  const path = join(dir, 'from-env-token');
  const jwt = await kit.mint({ sub: FEDERATED_SUBJECT, aud: [FEDERATED_AUDIENCE] });
  await writeFile(path, jwt);
  delete process.env.AZURE_CLIENT_SECRET;
  process.env.AZURE_FEDERATED_TOKEN_FILE = path;
  const credential = AzureCredential.fromEnv({ retry: { maxAttempts: 1 } });

  assert.ok(credential instanceof AzureCredential);
  assert.equal(await userName(await credential.token()), `sp:${APP}`);
  assert.equal((await entraForm(-1)).client_assertion, jwt);
  assert.equal(inspect(credential), 'AzureCredential.fromEnv {}');
});

test('fromEnv with a managed identity', async () => {
  await kit.addManagedIdentity({ tenant: TENANT, client_id: MANAGED_IDENTITY });
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = kit.url;
  process.env.AZURE_CLIENT_ID = MANAGED_IDENTITY;

  const credential = AzureCredential.fromEnv({ managedIdentity: true });

  assert.equal(await userName(await credential.token()), `sp:${MANAGED_IDENTITY}`);
  assert.equal(inspect(credential), 'AzureCredential.fromEnv { managedIdentity: true }');
});

test('fromEnv without the variables is a ConfigError', () => {
  assert.throws(() => AzureCredential.fromEnv(), (error) => error instanceof ConfigError && /AZURE_TENANT_ID/.test(error.message));
});

test('Entra refusals are ExchangeErrors in Entra’s words; a failing assertion is a SourceError', async () => {
  await assert.rejects(azure({ clientSecret: 'wrong' }).token(), (error) => {
    assert.ok(error instanceof ExchangeError, `${error}`);
    assert.deepEqual([error.status, error.error], [401, 'invalid_client']);
    assert.equal(error.endpoint, `${kit.entraAuthority}/${TENANT}/oauth2/token`);
    assert.match(error.description, /^AADSTS7000215/);
    return true;
  });

  const unknownIdentity = new AzureCredential({ managedIdentity: true, imdsEndpoint: kit.imdsEndpoint, retry: { maxAttempts: 1 } });
  await assert.rejects(unknownIdentity.token(), (error) => {
    return error instanceof ExchangeError && error.status === 400 && /Identity not found/.test(error.message);
  });

  const failing = azure({
    clientAssertion: new sources.Callback(() => {
      throw new RangeError('no assertion today');
    }),
  });
  await assert.rejects(failing.token(), (error) => {
    return error instanceof SourceError && /no assertion today/.test(error.message) && error.cause instanceof RangeError;
  });
  assert.equal((await kit.entraRequests()).length, 2, 'no request without an assertion');
});

test('a client assertion that is not a source, or options that are not an object, are TypeErrors', () => {
  assert.throws(() => new AzureCredential({ tenantId: TENANT, clientId: APP, clientAssertion: 'a.jwt.here' }), TypeError);
  assert.throws(() => new AzureCredential(), TypeError);
  assert.throws(() => new AzureOnBehalfOf(null), TypeError);
  assert.throws(() => onBehalfOf({ clientSecret: undefined, clientAssertion: () => 'jwt' }), TypeError);
});

test('on behalf of sends the exact form and acts as each user', async () => {
  const users = onBehalfOf();
  const alice = await kit.mintEntraUserToken({ tenant: TENANT, upn: ALICE, audience: APP });
  const bob = await kit.mintEntraUserToken({ tenant: TENANT, upn: BOB, audience: `api://${APP}` });

  assert.equal(await userName(await users.tokenFor(alice)), ALICE);
  assert.equal(await userName(await users.tokenFor(bob)), BOB);

  const [first] = await kit.entraRequests();
  assert.deepEqual([first.method, first.path], ['POST', `/entra/${TENANT}/oauth2/v2.0/token`]);
  assert.equal(first.content_type, 'application/x-www-form-urlencoded');
  assert.deepEqual(first.form, [
    ['grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    ['client_id', APP],
    ['client_secret', SECRET],
    ['assertion', alice],
    ['scope', `${AZURE_DATABRICKS}/user_impersonation`],
    ['requested_token_use', 'on_behalf_of'],
  ]);
});

test('on behalf of caches per user, with one request per user however many wait', async () => {
  const users = onBehalfOf();
  const alice = await kit.mintEntraUserToken({ tenant: TENANT, upn: ALICE, audience: APP });
  const bob = await kit.mintEntraUserToken({ tenant: TENANT, upn: BOB, audience: APP });
  await kit.inject({ path: '/entra/', delay_ms: 300, count: 2 });

  const tokens = await Promise.all(Array.from({ length: 200 }, (_, n) => users.tokenFor(n % 2 ? alice : bob)));

  assert.equal(new Set(tokens.map((token) => token.token)).size, 2);
  assert.equal((await users.tokenFor(alice)).token, tokens[1].token);
  assert.equal((await users.tokenFor(bob)).token, tokens[0].token);
  assert.equal((await kit.entraRequests()).length, 2);
  const stats = users.stats();
  assert.deepEqual([stats.entries, stats.exchanges, stats.failures], [2, 2, 0]);
  assert.equal(users.invalidateTokenFor(alice, tokens[1]), true);
  assert.equal(users.invalidateTokenFor(alice, tokens[1]), false);
  assert.notEqual((await users.tokenFor(alice)).token, tokens[1].token);
  assert.equal((await kit.entraRequests()).length, 3);
});

test('on behalf of with a client assertion, asked at every request', async () => {
  const asked = [];
  const users = onBehalfOf({
    clientSecret: undefined,
    clientAssertion: new sources.Callback((context) => {
      asked.push(context.audience);
      return kit.mint({ sub: FEDERATED_SUBJECT, aud: [context.audience], lifetime_secs: 60 });
    }),
  });
  for (const upn of [ALICE, BOB]) {
    const token = await users.tokenFor(await kit.mintEntraUserToken({ tenant: TENANT, upn, audience: APP }));
    assert.equal(await userName(token), upn);
  }

  assert.deepEqual(asked, [FEDERATED_AUDIENCE, FEDERATED_AUDIENCE]);
  const form = await entraForm(1);
  assert.equal(form.client_assertion_type, ASSERTION_TYPE);
  assert.equal(form.client_secret, undefined);
});

test('on behalf of refuses tokens locally, and relays Entra’s refusals', async () => {
  const users = onBehalfOf({ expectedAudiences: [APP, `api://${APP}`] });
  const otherApp = await kit.mintEntraUserToken({ tenant: TENANT, upn: ALICE, audience: 'another-app' });
  const expired = await kit.mintEntraUserToken({ tenant: TENANT, upn: ALICE, audience: APP, expired: true });
  await assert.rejects(users.tokenFor(otherApp), (error) => error instanceof SourceError && /audience/.test(error.message));
  await assert.rejects(users.tokenFor(expired), (error) => error instanceof SourceError && /expired/.test(error.message));
  assert.deepEqual(await kit.entraRequests(), []);
  assert.equal(users.stats().refused, 2);

  const otherTenant = await kit.mintEntraUserToken({ tenant: 'contoso.onmicrosoft.com', upn: ALICE, audience: APP });
  await assert.rejects(users.tokenFor(otherTenant), (error) => {
    assert.ok(error instanceof ExchangeError, `${error}`);
    assert.deepEqual([error.status, error.error], [400, 'invalid_grant']);
    assert.match(error.description, /invalid issuer/);
    return true;
  });

  assert.throws(() => onBehalfOf({ tenantId: undefined }), (error) => error instanceof ConfigError && /no tenant id/.test(error.message));
  assert.throws(() => onBehalfOf({ negativeCacheMs: -1 }), (error) => error instanceof ConfigError && /negativeCacheMs/.test(error.message));
});
