// No token, JWT or secret in what util.inspect, toString, JSON.stringify or an error shows.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, test } from 'node:test';

import { AzureCredential, AzureOnBehalfOf, Credential, UserExchanger, diagnose, sources } from '../index.js';
import { Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** Every way an object is commonly shown, at full depth. */
function shows(value) {
  return [
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    inspect(value, { depth: Infinity }),
    String(value),
    `${JSON.stringify(value) ?? ''}`,
  ].join('\n');
}

function assertHidden(value, ...secrets) {
  const shown = shows(value);
  for (const secret of secrets) {
    assert.ok(!shown.includes(secret), `${secret.slice(0, 12)}… shown in:\n${shown}`);
  }
}

test('no object shows a token, a JWT or a secret', async () => {
  const jwt = await kit.servicePrincipalJwt();
  const secret = 'client-secret-that-must-not-show';
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQ…\n-----END PRIVATE KEY-----';
  const source = new sources.Fixed(jwt);
  const credential = kit.credential(source);
  const token = await credential.token();
  const users = new UserExchanger({ host: kit.url });
  const objects = [
    source,
    credential,
    token,
    credential.stats(),
    users,
    users.stats(),
    new sources.Chain(source, new sources.EnvVar('X')),
    new sources.OidcClientCredentials({ issuer: kit.issuer, clientId: 'c', clientSecret: secret }),
    new sources.OidcClientCredentials({ issuer: kit.issuer, clientId: 'c', privateKeyPem: key }),
    new sources.Callback(async () => jwt),
    new sources.Command('/usr/local/bin/get-jwt', ['--token', jwt, `--password=${secret}`]),
  ];
  for (const object of objects) {
    assertHidden(object, jwt, token.token, secret, key);
  }
  assert.match(inspect(token), /AccessToken \{\s+token: '<redacted>',\s+tokenType: 'Bearer'/);
  assert.match(inspect(credential), /Credential \{\s+host: 'http:\/\/127\.0\.0\.1:\d+',\s+clientId: '[^']+'/);
  assert.equal(inspect(source), "Fixed { jwt: '<redacted>' }");
  assert.equal(
    inspect(new sources.Command('/usr/local/bin/get-jwt', ['--audience', '{audience}'], { timeoutMs: 5000 }), {
      breakLength: Infinity,
    }),
    "Command { program: '/usr/local/bin/get-jwt', args: '<2 arguments>', timeoutMs: 5000 }",
  );
});

test('no error shows the JWT it was about', async () => {
  const expired = await kit.mint({ sub: 'x', aud: ['y'], expired: true });
  const refused = await kit.mint({ sub: 'x', aud: ['y'] });
  const errors = [];
  for (const jwt of [expired, refused]) {
    const credential = kit.credential(new sources.Fixed(jwt));
    errors.push(await credential.token().catch((error) => error));
    const users = new UserExchanger({ host: kit.url, retry: { maxAttempts: 1 } });
    errors.push(await users.tokenFor(jwt).catch((error) => error));
  }
  for (const error of errors) {
    assert.ok(error instanceof Error, `${error}`);
    assertHidden(error, expired, refused);
    assert.ok(!error.stack.includes(expired) && !error.stack.includes(refused));
  }
});

test('fromEnv shows what it found, not the JWT', async () => {
  const jwt = await kit.servicePrincipalJwt();
  Object.assign(process.env, { DATABRICKS_HOST: kit.url, DATABRICKS_AUTH_TYPE: 'env-oidc', DATABRICKS_OIDC_TOKEN: jwt });
  try {
    const credential = Credential.fromEnv();
    assertHidden(credential, jwt);
    assert.match(inspect(credential), /sourceName: 'env'/);
  } finally {
    for (const name of ['DATABRICKS_HOST', 'DATABRICKS_AUTH_TYPE', 'DATABRICKS_OIDC_TOKEN']) {
      delete process.env[name];
    }
  }
});

test('no Azure credential, on-behalf-of exchanger, token or error shows a secret, a token or an assertion', async () => {
  const tenant = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const app = '5e7b2a31-2222-4333-8444-6f6f6f6f6f6f';
  const secret = 'entra-app-secret-that-must-not-show';
  const retry = { maxAttempts: 1 };
  await kit.addEntraApp({ tenant, client_id: app, secret, federated_credentials: [{ issuer: kit.issuer, subject: 'wl' }] });
  const assertion = await kit.mint({ sub: 'wl', aud: ['api://AzureADTokenExchange'] });
  const options = { authorityHost: kit.entraAuthority, tenantId: tenant, clientId: app, retry };
  const credential = new AzureCredential({ ...options, clientSecret: secret });
  const federated = new AzureCredential({ ...options, clientAssertion: new sources.Fixed(assertion) });
  const token = await credential.token();
  const federatedToken = await federated.token();
  const users = new AzureOnBehalfOf({ ...options, clientSecret: secret, maxUsers: 100 });
  const alice = await kit.mintEntraUserToken({ tenant, upn: 'alice@contoso.com', audience: app });
  const userToken = await users.tokenFor(alice);
  const errors = [
    await new AzureCredential({ ...options, clientSecret: `wrong-${secret}` }).token().catch((error) => error),
    await new AzureCredential({ ...options, clientAssertion: new sources.Fixed('x.y.z') }).token().catch((error) => error),
    await new AzureOnBehalfOf({ ...options, clientSecret: `wrong-${secret}` }).tokenFor(alice).catch((error) => error),
  ];
  assert.deepEqual(
    errors.map((error) => error.code),
    ['REJECTED', 'REJECTED', 'REJECTED'],
  );

  const secrets = [secret, token.token, federatedToken.token, assertion, alice, userToken.token];
  for (const object of [credential, federated, token, federatedToken, users, userToken, users.stats(), ...errors]) {
    assertHidden(object, ...secrets);
  }
  for (const error of errors) {
    assert.ok(!secrets.some((value) => error.stack.includes(value)));
  }
  assert.equal(
    inspect(credential, { breakLength: Infinity }),
    `AzureCredential { tenantId: '${tenant}', clientId: '${app}', clientSecret: '<redacted>', authorityHost: '${kit.entraAuthority}' }`,
  );
  assert.match(inspect(federated, { breakLength: Infinity }), /clientAssertion: Fixed \{ jwt: '<redacted>' \}, authorityHost: /);
  assert.match(inspect(users, { breakLength: Infinity }), /^AzureOnBehalfOf \{ tenantId: .*, clientSecret: '<redacted>', .*maxUsers: 100 \}$/);
});

test('no diagnosis or endpoints show the JWT', async () => {
  const jwt = await kit.mint({ sub: 'someone', aud: ['x'], iss: 'https://gitlab.com', expired: true });
  const credential = kit.credential(new sources.Fixed(jwt));
  const policy = { issuer: kit.issuer, audiences: ['y'], subject: 'other' };

  const found = await credential.diagnose(policy);

  assert.equal(found.length, 4);
  for (const object of [found, ...found, diagnose(jwt, policy), diagnose(jwt.split('.').slice(0, 2).join('.'), policy), await credential.endpoints()]) {
    assertHidden(object, jwt, jwt.split('.')[1], jwt.split('.')[2]);
  }
});
