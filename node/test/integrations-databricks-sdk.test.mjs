// dbfed/integrations/databricks-sdk with the real Databricks SDK for JavaScript
// (@databricks/sdk-experimental, node/package.json's devDependencies) against the testkit: a
// WorkspaceClient calling `currentUser.me()` (SCIM Me) with a token per request, short-lived
// tokens, and a revoked token, which the SDK shows its provider nothing of: its calls fail until
// they run through `provider.retryUnauthorized()`.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, test } from 'node:test';

import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { sources } from 'dbfed';
import { databricksSdkCredentials } from 'dbfed/integrations/databricks-sdk';
import { PRINCIPAL, assertRevocationsFailNoCall, assertShortLivedTokensFailNoCall } from './integration-scenarios.mjs';
import { Testkit } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** A WorkspaceClient on the testkit with the credentials provider; the provider; its credential. */
async function client() {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const provider = databricksSdkCredentials(credential);
  return [new WorkspaceClient({ host: kit.url, credentials: provider }), provider, credential];
}

/** The user name of `currentUser.me()`: the principal the token belongs to. */
async function me(workspace) {
  return (await workspace.currentUser.me()).userName;
}

test('calls carry a valid token; one exchange for many; the SDK reports the provider as oauth-m2m', async () => {
  const [workspace] = await client();

  const names = await Promise.all(Array.from({ length: 20 }, () => me(workspace)));

  assert.deepEqual(new Set(names), new Set([PRINCIPAL]));
  const counters = await kit.counters();
  assert.equal(counters.successes, 1);
  assert.equal(counters.api_calls, 20);
  assert.equal(workspace.config.authType, 'oauth-m2m');
  assert.match(workspace.apiClient.userAgent(), / auth\/oauth-m2m/);
});

test('with tokens that live 2 s, calls over 3 s all succeed', async () => {
  const [workspace] = await client();
  await assertShortLivedTokensFailNoCall(kit, () => me(workspace));
});

test('after a revocation a call fails with 401 (an ApiError) unless run through retryUnauthorized()', async () => {
  const [workspace, provider] = await client();
  await me(workspace);
  await kit.revoke();

  const settled = await Promise.allSettled(Array.from({ length: 5 }, () => me(workspace)));

  assert.deepEqual(
    settled.map((result) => result.status === 'rejected' && result.reason instanceof ApiError && result.reason.statusCode === 401),
    [true, true, true, true, true],
    'the SDK neither retries a 401 nor tells its provider',
  );
  assert.equal((await kit.counters()).successes, 1, 'the revoked token stayed cached');
  assert.equal(await provider.retryUnauthorized(() => me(workspace)), PRINCIPAL);
  assert.equal((await kit.counters()).successes, 2);
});

test('through retryUnauthorized(), no call fails across revocations; one exchange per revocation', async () => {
  const [workspace, provider] = await client();
  await assertRevocationsFailNoCall(kit, () => provider.retryUnauthorized(() => me(workspace)));
});

test('the client holds no token; a client of another host is refused before any token is sent', async () => {
  const [workspace, , credential] = await client();
  assert.equal(await me(workspace), PRINCIPAL);
  const token = credential.cachedToken().token;
  assert.ok(!inspect(workspace, { depth: Infinity, showHidden: true }).includes(token), 'inspect shows the token');

  const other = new WorkspaceClient({ host: 'http://127.0.0.1:1', credentials: databricksSdkCredentials(credential) });
  await assert.rejects(other.currentUser.me(), /is not the credential's/);
  assert.equal((await kit.counters()).api_calls, 1);
});
