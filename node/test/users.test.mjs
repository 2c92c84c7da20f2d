// Acting for signed-in users: each user's own token, one exchange per user however many wait,
// local checks before any request, and the README's http handler.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';

import { ExchangeError, SourceError, UserExchanger } from '../index.js';
import { whoami } from '../examples/whoami.mjs';
import { Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(async () => {
  await kit.reset();
  await kit.usersPolicy();
});

function exchanger(options = {}) {
  return new UserExchanger({ host: kit.url, retry: { maxAttempts: 1 }, ...options });
}

async function userName(token) {
  const [status, me] = await kit.me(`Bearer ${token.token}`);
  assert.equal(status, 200);
  return me.userName;
}

test('two users never get each other’s token', async () => {
  const users = exchanger();
  const jwts = {
    'alice@example.com': await kit.userJwt('alice@example.com'),
    'bob@example.com': await kit.userJwt('bob@example.com'),
  };
  const names = Object.keys(jwts);

  const tokens = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => [names[i % 2], await users.tokenFor(jwts[names[i % 2]])]),
  );

  for (const [name, token] of tokens) {
    assert.equal(await userName(token), name);
    for (const [otherName, otherToken] of tokens) {
      assert.equal(name === otherName, token.token === otherToken.token);
    }
  }
  assert.equal((await kit.counters()).exchanges, 2);
  const stats = users.stats();
  assert.deepEqual([stats.entries, stats.exchanges, stats.hits + stats.misses], [2, 2, 200]);
});

test('a thousand concurrent calls for one user cause one exchange', async () => {
  // A slow exchange, so that every caller arrives while it is in flight.
  await kit.inject({ path: '/oidc/v1/token', delay_ms: 200 });
  const users = exchanger();
  const jwt = await kit.userJwt('carol@example.com');

  const tokens = await Promise.all(Array.from({ length: 1000 }, () => users.tokenFor(jwt)));

  assert.ok(tokens.every((token) => token.token === tokens[0].token));
  assert.equal((await kit.counters()).exchanges, 1);
  assert.equal(await userName(tokens[0]), 'carol@example.com');
  assert.deepEqual([users.stats().exchanges, users.stats().entries], [1, 1]);
});

test('garbage, and JWTs of unexpected issuers or audiences, are refused without a request', async () => {
  const users = exchanger({ expectedIssuers: [kit.issuer], expectedAudiences: [kit.accountId] });
  const foreign = await kit.userJwt('dave@example.com', { iss: 'https://elsewhere.example.com' });
  const otherAudience = await kit.userJwt('dave@example.com', { aud: ['someone-else'] });
  for (const jwt of ['not-a-jwt', foreign, otherAudience]) {
    await assert.rejects(users.tokenFor(jwt), (error) => {
      assert.ok(error instanceof SourceError, `${error}`);
      assert.ok(!error.message.includes(jwt));
      return true;
    });
  }
  assert.equal((await kit.counters()).exchanges, 0);
  assert.equal(users.stats().refused, 3);
});

test('a JWT Databricks refuses is an ExchangeError', async () => {
  const users = exchanger();
  const unknownIssuer = await kit.userJwt('erin@example.com', { aud: ['no-policy-accepts-this'] });
  await assert.rejects(users.tokenFor(unknownIssuer), (error) => error instanceof ExchangeError && error.status === 400);
});

test('invalidateTokenFor() forgets the user’s token once', async () => {
  const users = exchanger();
  const jwt = await kit.userJwt('frank@example.com');
  const first = await users.tokenFor(jwt);

  assert.equal(users.invalidateTokenFor(jwt, first), true);
  assert.equal(users.invalidateTokenFor(jwt, first), false);

  assert.notEqual((await users.tokenFor(jwt)).token, first.token);
  assert.equal((await kit.counters()).exchanges, 2);
});

test('headersFor() and cachedTokenFor() act as the user, from the cache once there', async () => {
  const users = exchanger();
  const jwt = await kit.userJwt('dave@example.com');

  assert.equal(users.cachedTokenFor(jwt), null);
  const headers = await users.headersFor(jwt);
  const cached = users.cachedTokenFor(jwt);

  assert.deepEqual(Object.keys(headers), ['Authorization']);
  const [status, me] = await kit.me(headers.Authorization);
  assert.deepEqual([status, me.userName], [200, 'dave@example.com']);
  assert.equal(headers.Authorization, `Bearer ${cached.token}`);
  assert.equal((await kit.counters()).exchanges, 1);
  await assert.rejects(users.headersFor('not a jwt'), SourceError);
});

test('the README’s http handler calls Databricks as the request’s user', async () => {
  const users = exchanger({ expectedIssuers: [kit.issuer] });
  const server = createServer(whoami(users, kit.url));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/whoami`;
  try {
    const ask = async (authorization) => {
      const response = await fetch(url, { headers: authorization ? { Authorization: authorization } : {} });
      return [response.status, await response.json()];
    };
    const jwt = await kit.userJwt('grace@example.com');
    assert.deepEqual(await ask(`Bearer ${jwt}`), [200, { userName: 'grace@example.com' }]);
    assert.equal((await ask())[0], 401);
    assert.equal((await ask('Bearer not-a-jwt'))[0], 401);
    const foreign = await kit.userJwt('grace@example.com', { iss: 'https://elsewhere.example.com' });
    assert.equal((await ask(`Bearer ${foreign}`))[0], 401);
    assert.equal((await kit.counters()).exchanges, 1);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
