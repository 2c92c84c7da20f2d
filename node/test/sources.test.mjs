// Callback and CI sources against the testkit's look-alikes.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { ExchangeError, SourceError, sources } from '../index.js';
import { AUDIENCE, CI_SUBJECT, GITHUB_REQUEST_TOKEN, SP_CLIENT_ID, Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** Variables a test sets, removed after it. */
const set = new Set();
function setEnv(variables) {
  for (const [name, value] of Object.entries(variables)) {
    process.env[name] = value;
    set.add(name);
  }
}
afterEach(() => {
  for (const name of set) {
    delete process.env[name];
  }
  set.clear();
});

async function assertServicePrincipal(token) {
  const [status, me] = await kit.me(`Bearer ${token.token}`);
  assert.deepEqual([status, me.userName], [200, `sp:${SP_CLIENT_ID}`]);
}

test('an async callback gets the audience, and its JWT is exchanged', async () => {
  const jwt = await kit.servicePrincipalJwt();
  const asked = [];
  const credential = kit.credential(
    new sources.Callback(async (context) => {
      asked.push(context.audience);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return jwt;
    }),
  );

  await assertServicePrincipal(await credential.token());
  assert.deepEqual(asked, [AUDIENCE]);
  assert.equal(credential.sourceName, 'callback');
});

test('a plain function works too', async () => {
  const jwt = await kit.servicePrincipalJwt();
  await assertServicePrincipal(await kit.credential(new sources.Callback(() => jwt)).token());
});

for (const [how, fn] of [
  ['throws', () => { throw new RangeError('vault unreachable'); }],
  ['rejects', async () => { throw new RangeError('vault unreachable'); }],
]) {
  test(`a callback that ${how} is a SourceError with the original error as cause`, async () => {
    const credential = kit.credential(new sources.Callback(fn));
    await assert.rejects(credential.token(), (error) => {
      assert.ok(error instanceof SourceError);
      assert.equal(error.sourceName, 'callback');
      assert.match(error.message, /the callback failed: vault unreachable/);
      assert.ok(error.cause instanceof RangeError, `${error.cause}`);
      assert.equal(error.cause.message, 'vault unreachable');
      return true;
    });
    assert.equal((await kit.counters()).exchanges, 0);
  });
}

test('a callback that rejects with a non-error keeps that value as cause', async () => {
  const credential = kit.credential(new sources.Callback(() => Promise.reject('nope')));
  await assert.rejects(credential.token(), (error) => error instanceof SourceError && error.cause === 'nope');
});

test('a callback returning something else than a string is a SourceError', async () => {
  const credential = kit.credential(new sources.Callback(async () => 42));
  await assert.rejects(credential.token(), (error) => {
    return error instanceof SourceError && error.cause instanceof TypeError && /returned number/.test(error.message);
  });
});

test("a callback that never settles fails after the core's timeout", async () => {
  const credential = kit.credential(new sources.Callback(() => new Promise(() => {}), { timeoutMs: 100 }));
  const started = Date.now();
  await assert.rejects(credential.token(), (error) => {
    return error instanceof SourceError && /did not return within 100ms/.test(error.message);
  });
  assert.ok(Date.now() - started < 5000);
});

test('GitHub Actions: one JWT request and one exchange for a thousand token() calls', async () => {
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: CI_SUBJECT });
  setEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: kit.githubRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GITHUB_REQUEST_TOKEN });
  const credential = kit.credential(new sources.GitHubActions());

  const tokens = await Promise.all(Array.from({ length: 1000 }, () => credential.token()));

  assert.ok(tokens.every((token) => token.token === tokens[0].token));
  const counters = await kit.counters();
  assert.deepEqual([counters.ci_token_requests, counters.exchanges], [1, 1]);
  await assertServicePrincipal(tokens[0]);
  assert.equal(credential.sourceName, 'github-actions');
});

test('GitHub Actions asks for its own audience when given one', async () => {
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: ['https://github.com/acme'], subject: CI_SUBJECT });
  setEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: kit.githubRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GITHUB_REQUEST_TOKEN });

  const token = await kit.credential(new sources.GitHubActions({ audience: 'https://github.com/acme' })).token();

  await assertServicePrincipal(token);
});

test('GitHub Actions outside a job, or refused, is a SourceError (the refusal as cause)', async () => {
  await assert.rejects(kit.credential(new sources.GitHubActions()).token(), (error) => {
    return error instanceof SourceError && /ACTIONS_ID_TOKEN_REQUEST_URL is not set/.test(error.message);
  });
  setEnv({ ACTIONS_ID_TOKEN_REQUEST_URL: kit.githubRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' });
  await assert.rejects(kit.credential(new sources.GitHubActions()).token(), (error) => {
    assert.ok(error instanceof SourceError);
    assert.equal(error.sourceName, 'github-actions');
    assert.ok(error.cause instanceof ExchangeError, `${error.cause}`);
    assert.equal(error.cause.status, 401);
    return true;
  });
  assert.equal((await kit.counters()).exchanges, 0);
});

test('GitLab CI reads the variable named under id_tokens', async () => {
  setEnv({ DBFED_NODE_GITLAB_TOKEN: await kit.servicePrincipalJwt() });
  await assertServicePrincipal(await kit.credential(new sources.GitLab('DBFED_NODE_GITLAB_TOKEN')).token());
});

test('a chain exchanges the JWT of the first source that gives one', async () => {
  const jwt = await kit.servicePrincipalJwt();
  const credential = kit.credential(
    new sources.Chain(new sources.EnvVar('DBFED_TEST_SURELY_UNSET'), new sources.Callback(async () => jwt)),
  );
  await assertServicePrincipal(await credential.token());
  await assert.rejects(
    kit.credential(new sources.Chain(new sources.EnvVar('DBFED_TEST_SURELY_UNSET'))).token(),
    SourceError,
  );
  assert.throws(() => new sources.Chain('not a source'), TypeError);
});

test('the GCP metadata server: one identity-token request and one exchange for a thousand calls', async () => {
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: CI_SUBJECT });
  const credential = kit.credential(new sources.GcpMetadata({ host: new URL(kit.url).host }));

  const tokens = await Promise.all(Array.from({ length: 1000 }, () => credential.token()));

  const counters = await kit.counters();
  assert.deepEqual([counters.ci_token_requests, counters.exchanges], [1, 1]);
  await assertServicePrincipal(tokens[0]);
});

test('OIDC client credentials with a secret, which no error shows', async () => {
  const secret = 'node-client-secret';
  await kit.addOidcClient('svc-etl', secret);
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: 'svc-etl' });
  const make = (clientSecret) =>
    new sources.OidcClientCredentials({ issuer: kit.issuer, clientId: 'svc-etl', clientSecret, audienceParameter: 'audience' });

  await assertServicePrincipal(await kit.credential(make(secret)).token());
  await assert.rejects(kit.credential(make('nope-not-it')).token(), (error) => {
    assert.ok(error instanceof SourceError && error.cause instanceof ExchangeError);
    assert.deepEqual([error.cause.status, error.cause.error], [401, 'invalid_client']);
    assert.ok(!error.message.includes('nope-not-it') && !error.cause.message.includes('nope-not-it'));
    return true;
  });
});
