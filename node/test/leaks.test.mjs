// The Node leak scan (as the JVM's LeakScanTest and the Rust one): at trace, servers that echo what
// dbfed sent them — a refused refresh echoing the JWT, a refused per-user exchange echoing the
// user's JWT, Entra echoing the client secret — and no log record, error (message, fields, stack)
// or util.inspect output shows a token, a JWT, its signature or the secret. The echo itself is
// seen, masked, in the error and the log, so the scan looks where the secret would be.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { AzureCredential, DbfedError, ExchangeError, UserExchanger, setLogger, sources } from '../index.js';
import { Testkit, USER } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());
afterEach(() => setLogger(null));

/** Every record, down to trace. */
function collect() {
  const records = [];
  setLogger((record) => records.push(record), { level: 'trace' });
  return records;
}

/** Waits (10 s at most) for a record that `matches`: records arrive a little after the event. */
async function waitFor(records, matches) {
  const deadline = Date.now() + 10_000;
  while (!records.some(matches)) {
    assert.ok(Date.now() < deadline, `no such record in ${JSON.stringify(records, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Makes the next requests under `path` answer `status` with an `error_description` of `description`. */
function echo(path, status, error, description) {
  return kit.inject({ path, status, count: 10, body: JSON.stringify({ error, error_description: description }) });
}

/** Every way a value is commonly shown, at full depth (an error's stack and cause included). */
function shows(value) {
  return [
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    inspect(value, { depth: Infinity }),
    String(value),
    JSON.stringify(value) ?? '',
    value?.stack ?? '',
  ].join('\n');
}

/** The JWT, its payload and its signature. */
const parts = (jwt) => [jwt, ...jwt.split('.').slice(1)];

/** No record, and nothing `shown`, holds one of `secrets`; the refusal's masked echo is logged. */
async function assertNoLeak(records, echoed, shown, secrets) {
  // Records arrive in order: once the refusal's WARN is there, every record before it is.
  await waitFor(records, (record) => record.level === 'warn' && record.message.includes(echoed));
  assert.ok(records.some((record) => record.level === 'debug'), JSON.stringify(records));
  const texts = [...records.map((record) => JSON.stringify(record)), ...shown.map(shows)];
  for (const text of texts) {
    for (const secret of secrets) {
      assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… shown in:\n${text}`);
    }
  }
}

test('a refused refresh whose server echoes the JWT and its signature shows neither, nor the token', async () => {
  const records = collect();
  const jwt = await kit.servicePrincipalJwt();
  const signature = jwt.split('.')[2];
  const source = new sources.Fixed(jwt);
  const credential = kit.credential(source);
  const token = await credential.token();
  await echo('/oidc/v1/token', 400, 'invalid_request', `subject_token ${jwt} is bad; sig ${signature}`);
  credential.invalidateToken(token);

  const refused = await credential.token().catch((error) => error);

  assert.ok(refused instanceof ExchangeError && refused.code === 'REJECTED', `${refused?.stack}`);
  assert.equal(refused.status, 400);
  const echoed = 'subject_token <redacted> is bad; sig <redacted>';
  assert.ok(refused.description.includes(echoed) && refused.message.includes(echoed), refused.message);
  const shown = [source, credential, token, credential.stats(), await credential.endpoints(), refused];
  await assertNoLeak(records, echoed, shown, [...parts(jwt), token.token]);
});

test('a refused per-user exchange whose server echoes the user’s JWT shows no JWT or token', async () => {
  const records = collect();
  await kit.usersPolicy();
  const userJwt = await kit.userJwt(USER);
  const otherJwt = await kit.userJwt('bob@example.com');
  const users = new UserExchanger({ host: kit.url, retry: { maxAttempts: 1 } });
  const userToken = await users.tokenFor(userJwt);
  await echo('/oidc/v1/token', 401, 'invalid_grant', `bad subject_token ${otherJwt}`);

  const refused = await users.tokenFor(otherJwt).catch((error) => error);

  assert.ok(refused instanceof ExchangeError && refused.code === 'REJECTED', `${refused?.stack}`);
  assert.equal(refused.status, 401);
  const echoed = 'bad subject_token <redacted>';
  assert.ok(refused.description.includes(echoed), refused.message);
  const shown = [users, userToken, users.stats(), refused];
  await assertNoLeak(records, echoed, shown, [...parts(userJwt), ...parts(otherJwt), userToken.token]);
});

test('Entra echoing the client secret, plain and form-encoded, shows neither, nor the token', async () => {
  const records = collect();
  const tenant = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const app = '5e7b2a31-2222-4333-8444-6f6f6f6f6f6f';
  const secret = 's3cret/with+chars-for-the-node-leak-scan';
  const encoded = new URLSearchParams({ s: secret }).toString().slice('s='.length);
  await kit.addEntraApp({ tenant, client_id: app, secret });
  const options = { authorityHost: kit.entraAuthority, tenantId: tenant, clientId: app, retry: { maxAttempts: 1 } };
  const credential = new AzureCredential({ ...options, clientSecret: secret });
  const token = await credential.token();
  await echo('/entra/', 401, 'invalid_client', `client_secret=${encoded} (${secret}) is wrong`);
  credential.invalidate();

  const refused = await credential.token().catch((error) => error);

  assert.ok(refused instanceof DbfedError && refused.code === 'REJECTED', `${refused?.stack}`);
  const echoed = 'client_secret=<redacted> (<redacted>) is wrong';
  assert.ok(refused.message.includes(echoed), refused.message);
  assert.notEqual(encoded, secret);
  await assertNoLeak(records, echoed, [credential, token, refused], [secret, encoded, token.token]);
});
