// Every failure is the right error class, with the server's status and words.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';

import {
  ConfigError,
  Credential,
  DbfedError,
  ExchangeError,
  MalformedResponseError,
  SourceError,
  TransportError,
  sources,
} from '../index.js';
import { AUDIENCE, SP_CLIENT_ID, SUBJECT, Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

test('every error is a DbfedError with its code', () => {
  const cases = [
    [new ConfigError('m'), 'CONFIG'],
    [new SourceError('m', { sourceName: 'env' }), 'SOURCE'],
    [new ExchangeError('m', { status: 400, endpoint: 'https://x' }), 'REJECTED'],
    [new MalformedResponseError('m', { status: 200, endpoint: 'https://x' }), 'MALFORMED'],
    [new TransportError('m', { endpoint: 'https://x', retryable: true }), 'TRANSPORT'],
  ];
  for (const [error, code] of cases) {
    assert.ok(error instanceof DbfedError && error instanceof Error);
    assert.equal(error.code, code);
    assert.equal(error.name, error.constructor.name);
  }
  assert.ok(new MalformedResponseError('m', {}) instanceof ExchangeError);
});

// The rules themselves are cases of tests/cases/options.json (options-cases.test.mjs); NaN is
// a JavaScript number that JSON cannot carry.
test('a NaN duration is a ConfigError before any request', () => {
  assert.throws(
    () => new Credential({ source: new sources.Fixed('jwt'), host: 'https://a.example.com', retry: { initialBackoffMs: Number.NaN } }),
    (error) => error instanceof ConfigError && error.code === 'CONFIG' && /`initialBackoffMs` must be a finite number/.test(error.message),
  );
});

test('a wrongly typed argument is a TypeError that does not quote the value', () => {
  const secret = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2VjcmV0';
  assert.throws(
    () => new Credential({ source: new sources.Fixed('jwt'), host: 'https://a.example.com', requestTimeoutMs: secret }),
    (error) => error instanceof TypeError && !error.message.includes(secret) && error.code === 'ERR_INVALID_ARG_TYPE',
  );
  assert.throws(() => new Credential({ source: 'jwt', host: 'https://a.example.com' }), TypeError);
});

test('an unset variable is a SourceError, and nothing is exchanged', async () => {
  const credential = kit.credential(new sources.EnvVar('DBFED_TEST_SURELY_UNSET'));
  await assert.rejects(credential.token(), (error) => {
    assert.ok(error instanceof SourceError);
    assert.match(error.message, /DBFED_TEST_SURELY_UNSET is not set/);
    assert.equal(error.sourceName, 'env');
    assert.equal(error.code, 'SOURCE');
    return true;
  });
  assert.equal((await kit.counters()).exchanges, 0);
});

test('an expired JWT is refused before the exchange', async () => {
  await kit.servicePrincipalJwt();
  const expired = await kit.mint({ sub: SUBJECT, aud: [AUDIENCE], expired: true });
  await assert.rejects(kit.credential(new sources.Fixed(expired)).token(), (error) => {
    return error instanceof SourceError && /expired/.test(error.message) && !error.message.includes(expired);
  });
  assert.equal((await kit.counters()).exchanges, 0);
});

test("an unknown client is an ExchangeError with the server's words", async () => {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()), { clientId: 'not-a-sp' });
  await assert.rejects(credential.token(), (error) => {
    assert.ok(error instanceof ExchangeError && !(error instanceof MalformedResponseError));
    assert.equal(error.code, 'REJECTED');
    assert.deepEqual([error.status, error.error, error.endpoint], [401, 'invalid_client', kit.workspaceTokenEndpoint]);
    assert.equal(error.description, "Client 'not-a-sp' is not a service principal with federation policies");
    assert.ok(error.message.includes(error.description));
    assert.equal(error.retryAfterMs, null);
    return true;
  });
});

test('a policy mismatch says which claim', async () => {
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: SUBJECT });
  const wrongSubject = await kit.mint({ sub: 'repo:acme/other:ref:refs/heads/main', aud: [AUDIENCE] });
  await assert.rejects(kit.credential(new sources.Fixed(wrongSubject)).token(), (error) => {
    assert.deepEqual([error.status, error.error], [400, 'invalid_grant']);
    assert.match(error.description, /does not match federation policy subject/);
    return true;
  });
});

test('a temporary failure keeps its Retry-After', async () => {
  await kit.inject({ path: '/oidc/v1/token', status: 503, retry_after: '7' });
  await assert.rejects(kit.credential(new sources.Fixed(await kit.servicePrincipalJwt())).token(), (error) => {
    assert.ok(error instanceof ExchangeError);
    assert.deepEqual([error.status, error.retryAfterMs], [503, 7000]);
    return true;
  });
});

test('an unusable answer is a MalformedResponseError', async () => {
  await kit.inject({ path: '/oidc/v1/token', status: 200, body: '<html>login</html>', content_type: 'text/html' });
  await assert.rejects(kit.credential(new sources.Fixed(await kit.servicePrincipalJwt())).token(), (error) => {
    assert.ok(error instanceof MalformedResponseError && error instanceof ExchangeError);
    assert.equal(error.code, 'MALFORMED');
    assert.deepEqual([error.status, error.endpoint], [200, kit.workspaceTokenEndpoint]);
    assert.ok(error.description);
    return true;
  });
});

test('no answer is a TransportError', async () => {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const endpoint = `http://127.0.0.1:${port}/oidc/v1/token`;
  const credential = new Credential({
    source: new sources.Fixed('jwt'),
    tokenEndpoint: endpoint,
    audience: 'x',
    retry: { maxAttempts: 1 },
  });
  await assert.rejects(credential.token(), (error) => {
    assert.ok(error instanceof TransportError);
    assert.deepEqual([error.code, error.endpoint, error.retryable], ['TRANSPORT', endpoint, true]);
    return true;
  });
});
