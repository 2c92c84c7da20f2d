// dbfed/integrations/fetch with Node.js's own fetch, against the testkit: tokens sent to the
// Databricks origin only, a 401 (a revoked token) retried once with a fresh token when the body
// can be sent again, short-lived tokens; and the synchronous cached read it uses.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';

import { AzureCredential, sources } from 'dbfed';
import { databricksFetch } from 'dbfed/integrations/fetch';
import { PRINCIPAL, assertRevocationsFailNoCall, assertShortLivedTokensFailNoCall } from './integration-scenarios.mjs';
import { Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

async function credential() {
  return kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
}

function meUrl() {
  return `${kit.url}/api/2.0/preview/scim/v2/Me`;
}

async function userName(response) {
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).userName;
}

test('cachedToken() and cachedHeaders() are null before the first exchange, then the cached token', async () => {
  const creds = await credential();
  assert.equal(creds.cachedToken(), null);
  assert.equal(creds.cachedHeaders(), null);

  const token = await creds.token();

  assert.equal(creds.cachedToken(), token);
  assert.deepEqual(creds.cachedHeaders(), { Authorization: `Bearer ${token.token}` });
  assert.deepEqual(creds.cachedHeaders(), await creds.headers());
});

test('every synchronous read counts as a cache hit; an invalidated token is not read again', async () => {
  const creds = await credential();
  const token = await creds.token();
  const before = creds.stats().cacheHits;

  for (let read = 0; read < 100; read += 1) {
    assert.equal(creds.cachedToken(), token);
  }

  assert.equal(creds.stats().cacheHits - before, 100);
  assert.equal(creds.invalidateToken(token), true);
  assert.equal(creds.cachedToken(), null);
});

test('the synchronous read starts the refresh ahead of expiry and then hands out the new token', async () => {
  await kit.settings({ token_lifetime_secs: 2 });
  const creds = await credential();
  const first = await creds.token();
  const deadline = Date.now() + 1_800;
  let latest = first;
  while (latest.token === first.token && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    latest = creds.cachedToken() ?? latest;
  }

  assert.notEqual(latest.token, first.token, 'a new token before the first one expired');
  assert.equal(creds.stats().refreshes, 1);
});

test('a request to the Databricks origin carries the token; one exchange for many requests', async () => {
  const send = databricksFetch(await credential());

  const names = await Promise.all(Array.from({ length: 20 }, async () => userName(await send(meUrl()))));

  assert.deepEqual(new Set(names), new Set([PRINCIPAL]));
  assert.equal((await kit.counters()).successes, 1);
});

test('after a 401 to a revoked token, the request is sent once more with a fresh token: no call fails', async () => {
  const send = databricksFetch(await credential());
  await assertRevocationsFailNoCall(kit, async () => userName(await send(new URL(meUrl()))));
});

test('with tokens that live 2 s, requests over 3 s all succeed', async () => {
  const send = databricksFetch(await credential());
  await assertShortLivedTokensFailNoCall(kit, async () => userName(await send(meUrl())));
});

test('a replayable body (a string) is sent again after a 401; a Request keeps its own headers', async () => {
  const send = databricksFetch(await credential());
  await send(meUrl()); // a token that the revocation below makes stale
  await kit.revoke();

  const response = await send(meUrl(), { method: 'POST', body: 'x'.repeat(1000) });

  assert.equal(response.status, 200);
  assert.equal((await response.json()).bodyBytes, 1000);
  await kit.revoke();
  const request = new Request(meUrl(), { headers: { 'X-Request': 'kept' } });
  assert.equal(await userName(await send(request)), PRINCIPAL);
});

test('a streamed body is not sent again: the 401 is the answer', async () => {
  const send = databricksFetch(await credential());
  await send(meUrl());
  await kit.revoke();
  const before = (await kit.counters()).api_calls;

  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('streamed'));
      controller.close();
    },
  });
  const response = await send(meUrl(), { method: 'POST', body, duplex: 'half' });

  assert.equal(response.status, 401);
  assert.equal((await kit.counters()).api_calls - before, 1);
});

test('no token goes to another origin, even on the same host', async () => {
  const seen = [];
  const other = createServer((request, response) => {
    seen.push(request.headers.authorization ?? null);
    response.end('{}');
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const send = databricksFetch(await credential());
    const url = `http://127.0.0.1:${other.address().port}/api/2.0/preview/scim/v2/Me`;

    await send(url, { headers: { 'X-Other': '1' } });
    await send(new Request(url));

    assert.deepEqual(seen, [null, null]);
    assert.equal((await kit.counters()).exchanges, 0, 'nothing was exchanged for it');
  } finally {
    other.close();
  }
});

test('options.fetch is the fetch used, and options.host the origin', async () => {
  const creds = await credential();
  const sent = [];
  const send = databricksFetch(creds, {
    host: `${kit.url}/some/path`,
    fetch: (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    },
  });

  assert.equal(await userName(await send(meUrl())), PRINCIPAL);
  assert.deepEqual(sent, [`Bearer ${creds.cachedToken().token}`]);
  assert.throws(() => databricksFetch({ host: null }), /names no host/);
});

test("the caller's own Authorization header, in any spelling, gives way to the token's", async () => {
  const send = databricksFetch(await credential());

  for (const headers of [{ authorization: 'Bearer stale' }, new Headers({ AUTHORIZATION: 'Bearer stale' })]) {
    assert.equal(await userName(await send(meUrl(), { headers })), PRINCIPAL);
  }
  assert.equal((await kit.counters()).api_rejections, 0);
});

test('an AzureCredential (Entra tokens, no workspace of its own) serves the integration with options.host', async () => {
  await kit.addEntraApp({ tenant: 'contoso', client_id: 'app-1', secret: 'app-1-secret', federated_credentials: [] });
  const creds = new AzureCredential({
    authorityHost: kit.entraAuthority,
    tenantId: 'contoso',
    clientId: 'app-1',
    clientSecret: 'app-1-secret',
  });
  assert.throws(() => databricksFetch(creds), /names no host; pass options\.host/);

  const send = databricksFetch(creds, { host: kit.url });

  assert.equal(await userName(await send(meUrl())), 'sp:app-1');
  assert.equal(await userName(await send(meUrl())), 'sp:app-1');
  assert.equal((await kit.entraRequests()).length, 1, 'one Entra token for both requests');
});
