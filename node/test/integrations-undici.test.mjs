// dbfed/integrations/undici with the real undici (its Agent, `request` and `setGlobalDispatcher`,
// and Node.js's own `fetch` through the global dispatcher), against the testkit: tokens sent to
// the Databricks origin only, a 401 (a revoked token) retried once with a fresh token when the
// body can be sent again, short-lived tokens.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { Agent, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';

import { ExchangeError, sources } from 'dbfed';
import { databricksInterceptor } from 'dbfed/integrations/undici';
import { PRINCIPAL, assertRevocationsFailNoCall, assertShortLivedTokensFailNoCall } from './integration-scenarios.mjs';
import { Testkit } from './testkit.mjs';

let kit;
const agents = [];
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
});

async function credential() {
  return kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
}

/** An undici Agent composed with the interceptor, closed after the test. */
async function dispatcher(creds) {
  const agent = new Agent();
  agents.push(agent);
  return agent.compose(databricksInterceptor(creds ?? (await credential())));
}

function meUrl() {
  return `${kit.url}/api/2.0/preview/scim/v2/Me`;
}

/** Status and body of a request through `dispatcher`. */
async function call(dispatcherOf, options = {}) {
  const response = await request(meUrl(), { dispatcher: dispatcherOf, ...options });
  return [response.statusCode, await response.body.json()];
}

test('a request to the Databricks origin carries the token; one exchange for many requests', async () => {
  const through = await dispatcher();

  const answers = await Promise.all(Array.from({ length: 20 }, () => call(through)));

  assert.deepEqual(new Set(answers.map(([status, body]) => `${status} ${body.userName}`)), new Set([`200 ${PRINCIPAL}`]));
  assert.equal((await kit.counters()).successes, 1);
});

test('after a 401 to a revoked token, the request is sent once more with a fresh token: no call fails', async () => {
  const through = await dispatcher();
  await assertRevocationsFailNoCall(kit, async () => (await call(through))[1].userName);
});

test('with tokens that live 2 s, requests over 3 s all succeed', async () => {
  const through = await dispatcher();
  await assertShortLivedTokensFailNoCall(kit, async () => (await call(through))[1].userName);
});

test('a string body is sent again after a 401; a streamed body is not: the 401 is the answer', async () => {
  const through = await dispatcher();
  await call(through);
  await kit.revoke();

  const [status, body] = await call(through, { method: 'POST', body: 'x'.repeat(1000) });
  assert.equal(status, 200);
  assert.equal(body.bodyBytes, 1000);

  await kit.revoke();
  const before = (await kit.counters()).api_calls;
  const [streamedStatus] = await call(through, { method: 'POST', body: Readable.from([Buffer.from('streamed')]) });
  assert.equal(streamedStatus, 401);
  assert.equal((await kit.counters()).api_calls - before, 1);
});

test('as the global dispatcher, Node.js fetch gets the token for Databricks only, and its 401 retried', async () => {
  const seen = [];
  const other = createServer((incoming, response) => {
    seen.push(incoming.headers.authorization ?? null);
    response.end('{}');
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(await dispatcher());
  try {
    const first = await fetch(meUrl());
    assert.equal((await first.json()).userName, PRINCIPAL);
    await kit.revoke();
    const afterRevocation = await fetch(meUrl(), { headers: { Authorization: 'Bearer stale' } });
    assert.equal(afterRevocation.status, 200);
    assert.equal((await afterRevocation.json()).userName, PRINCIPAL);

    await (await fetch(`http://127.0.0.1:${other.address().port}/api/2.0/preview/scim/v2/Me`)).text();
    await (await fetch(`http://localhost:${other.address().port}/`)).text();

    assert.deepEqual(seen, [null, null]);
    assert.equal((await kit.counters()).successes, 2);
  } finally {
    setGlobalDispatcher(previous);
    other.close();
  }
});

test("a refused exchange is the request's error, as dbfed's ExchangeError", async () => {
  await kit.servicePrincipalJwt(); // the policy, which this JWT's subject does not match
  const creds = kit.credential(new sources.Fixed(await kit.mint({ sub: 'someone-else', aud: ['dbfed-tests'] })));
  const through = await dispatcher(creds);

  await assert.rejects(call(through), ExchangeError);
  assert.equal((await kit.counters()).api_calls, 0);
  assert.throws(() => databricksInterceptor({ host: null }), /names no host/);
});
