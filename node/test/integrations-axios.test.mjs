// dbfed/integrations/axios with the real axios (node/package.json's devDependencies) against the
// testkit: tokens sent to the Databricks origin only, a 401 (a revoked token) retried once with a
// fresh token unless the body is a stream, short-lived tokens, and uninstalling.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, beforeEach, test } from 'node:test';

import axios from 'axios';
import { sources } from 'dbfed';
import { installDatabricksAuth } from 'dbfed/integrations/axios';
import { PRINCIPAL, assertRevocationsFailNoCall, assertShortLivedTokensFailNoCall } from './integration-scenarios.mjs';
import { Testkit } from './testkit.mjs';

const ME = '/api/2.0/preview/scim/v2/Me';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** An axios instance on the testkit with the interceptors, and the function removing them. */
async function client() {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const instance = axios.create({ baseURL: kit.url, timeout: 10_000 });
  return [instance, installDatabricksAuth(instance, credential), credential];
}

test('a request to the Databricks origin carries the token; one exchange for many requests', async () => {
  const [instance] = await client();

  const responses = await Promise.all(Array.from({ length: 20 }, () => instance.get(ME)));

  assert.deepEqual(new Set(responses.map((response) => response.data.userName)), new Set([PRINCIPAL]));
  assert.equal((await kit.counters()).successes, 1);
});

test('after a 401 to a revoked token, the request is sent once more with a fresh token: no call fails', async () => {
  const [instance] = await client();
  await assertRevocationsFailNoCall(kit, async () => (await instance.get(ME)).data.userName);
});

test('with tokens that live 2 s, requests over 3 s all succeed', async () => {
  const [instance] = await client();
  await assertShortLivedTokensFailNoCall(kit, async () => (await instance.get(ME)).data.userName);
});

test('a JSON body is sent again after a 401; a streamed one is not, and its 401 is the error', async () => {
  const [instance] = await client();
  await instance.get(ME);
  await kit.revoke();

  const response = await instance.post(ME, { padding: 'x'.repeat(100) });
  assert.equal(response.data.bodyBytes, JSON.stringify({ padding: 'x'.repeat(100) }).length);

  await kit.revoke();
  const before = (await kit.counters()).api_calls;
  await assert.rejects(instance.post(ME, Readable.from(['streamed'])), (error) => error.response?.status === 401);
  assert.equal((await kit.counters()).api_calls - before, 1);
});

test('no token goes to another origin, and uninstalling removes the interceptors', async () => {
  const seen = [];
  const other = createServer((request, response) => {
    seen.push(request.headers.authorization ?? null);
    response.setHeader('Content-Type', 'application/json');
    response.end('{}');
  });
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const [instance, uninstall] = await client();
    await instance.get(`http://127.0.0.1:${other.address().port}${ME}`);
    assert.deepEqual(seen, [null]);
    assert.equal((await kit.counters()).exchanges, 0);

    uninstall();
    await assert.rejects(instance.get(ME), (error) => error.response?.status === 401);
  } finally {
    other.close();
  }
});
