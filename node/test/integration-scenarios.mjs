// The scenarios every integration's test runs against the testkit, with that integration's call:
// revoked tokens (answered 401, as Databricks answers a revoked token that has not expired) and
// tokens that live 2 s. A call resolves to the principal the API saw (`userName`).

import assert from 'node:assert/strict';

import { SP_CLIENT_ID } from './testkit.mjs';

/** The principal of the service principal the integrations' credentials act as. */
export const PRINCIPAL = `sp:${SP_CLIENT_ID}`;

/**
 * One call, then ten rounds of: every token revoked, five calls at once. No call fails (each sees
 * PRINCIPAL), the revoked tokens were refused, and there is one exchange per revocation however
 * many calls saw its 401.
 */
export async function assertRevocationsFailNoCall(kit, call) {
  assert.equal(await call(), PRINCIPAL);
  let failed = 0;
  for (let round = 0; round < 10; round += 1) {
    await kit.revoke();
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => call()));
    failed += settled.filter((result) => result.status === 'rejected' || result.value !== PRINCIPAL).length;
  }
  const counters = await kit.counters();
  assert.equal(failed, 0);
  assert.ok(counters.api_rejections >= 10, `the revoked tokens were refused ${counters.api_rejections} times`);
  assert.equal(counters.successes, 11, 'one exchange per revocation, however many calls saw the 401');
}

/** With tokens that live 2 s, calls one after another for 3 s: each sees PRINCIPAL, and the token was refreshed. */
export async function assertShortLivedTokensFailNoCall(kit, call) {
  await kit.settings({ token_lifetime_secs: 2 });
  const deadline = Date.now() + 3_000;
  let calls = 0;
  while (Date.now() < deadline) {
    assert.equal(await call(), PRINCIPAL);
    calls += 1;
  }
  assert.ok(calls > 10, `${calls} calls`);
  assert.ok((await kit.counters()).successes >= 2, 'the token was refreshed');
}
