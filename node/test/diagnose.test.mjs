// Diagnosis: `diagnose` names every mismatch between a JWT and a federation policy, and
// `Credential.diagnose` does it with the credential's own source and audience.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, test } from 'node:test';

import { Mismatch, SourceError, diagnose, sources } from '../index.js';
import { AUDIENCE, SP_CLIENT_ID, SUBJECT, Testkit, USER } from './testkit.mjs';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** A JWT with header `alg` and `claims`, and a made-up signature (diagnosis never verifies). */
function unsigned(alg, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg, typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

/** The service principal's policy: the testkit's issuer, `AUDIENCE`, `SUBJECT`. */
function policy(changes = {}) {
  return { issuer: kit.issuer, audiences: [AUDIENCE], subject: SUBJECT, ...changes };
}

test('a matching JWT has no mismatch', async () => {
  for (const alg of ['RS256', 'ES256']) {
    const jwt = await kit.mint({ sub: SUBJECT, aud: [AUDIENCE], alg });
    assert.deepEqual(diagnose(jwt, policy()), []);
  }
  const userJwt = await kit.mint({ sub: USER, aud: [kit.accountId] });
  assert.deepEqual(diagnose(userJwt, { issuer: kit.issuer }, kit.accountId), []);
});

test('each kind of mismatch is named, with the claim and both values', async () => {
  const cases = [
    ['not-a-jwt', policy(), new Mismatch({ kind: 'not_a_jwt', message: 'not a JWT: InvalidToken' })],
    [
      unsigned('HS256', { iss: kit.issuer, aud: AUDIENCE, sub: SUBJECT }),
      policy(),
      new Mismatch({
        kind: 'unsupported_algorithm',
        message: 'signed with HS256; Databricks accepts only RS256 and ES256',
        claim: 'alg',
        actual: ['HS256'],
        expected: ['RS256', 'ES256'],
      }),
    ],
    [
      await kit.mint({ sub: SUBJECT, aud: [AUDIENCE], iss: 'https://gitlab.com' }),
      policy(),
      new Mismatch({
        kind: 'wrong_issuer',
        message: `wrong issuer: the JWT's iss is "https://gitlab.com" but the policy expects "${kit.issuer}"`,
        claim: 'iss',
        actual: ['https://gitlab.com'],
        expected: [kit.issuer],
      }),
    ],
    [
      await kit.mint({ sub: SUBJECT, aud: ['x', 'y'] }),
      policy(),
      new Mismatch({
        kind: 'audience_not_accepted',
        message: `audience not accepted: the JWT's aud is ["x", "y"] but the policy accepts ["${AUDIENCE}"]`,
        claim: 'aud',
        actual: ['x', 'y'],
        expected: [AUDIENCE],
      }),
    ],
    [
      await kit.mint({ sub: 'repo:acme/other:ref:refs/heads/main', aud: [AUDIENCE] }),
      policy(),
      new Mismatch({
        kind: 'wrong_subject',
        message: `subject mismatch: the JWT's sub is "repo:acme/other:ref:refs/heads/main" but the policy expects "${SUBJECT}"`,
        claim: 'sub',
        actual: ['repo:acme/other:ref:refs/heads/main'],
        expected: [SUBJECT],
      }),
    ],
    [
      await kit.mint({ sub: USER, aud: [AUDIENCE] }),
      policy({ subject: undefined, subjectClaim: 'email' }),
      new Mismatch({
        kind: 'missing_subject_claim',
        message: 'the JWT has no email claim, which the policy uses as the Databricks user name',
        claim: 'email',
      }),
    ],
  ];
  for (const [jwt, checked, expected] of cases) {
    assert.deepEqual(diagnose(jwt, checked), [expected]);
  }

  const now = Date.now();
  const [expired, ...noMore] = diagnose(await kit.mint({ sub: SUBJECT, aud: [AUDIENCE], expired: true }), policy());
  assert.deepEqual(noMore, []);
  assert.deepEqual([expired.kind, expired.claim], ['expired', 'exp']);
  assert.ok(expired.at instanceof Date);
  assert.ok(now - 5 * 60_000 < expired.at.getTime() && expired.at.getTime() < now, expired.at.toISOString());
  assert.match(expired.message, /^expired at /);

  const [early] = diagnose(await kit.mint({ sub: SUBJECT, aud: [AUDIENCE], not_before_in_secs: 3600 }), policy());
  assert.deepEqual([early.kind, early.claim], ['not_yet_valid', 'nbf']);
  assert.ok(early.at.getTime() > now + 55 * 60_000, early.at.toISOString());
  assert.match(early.message, /^not valid before /);
});

test('every mismatch of a JWT is named at once, each a frozen Mismatch whose string is its message', async () => {
  const jwt = await kit.mint({ sub: 'someone', aud: ['x'], iss: 'https://gitlab.com', expired: true });

  const found = diagnose(jwt, policy());

  assert.deepEqual(
    found.map((mismatch) => mismatch.kind),
    ['wrong_issuer', 'audience_not_accepted', 'wrong_subject', 'expired'],
  );
  assert.ok(found.every((mismatch) => mismatch instanceof Mismatch && Object.isFrozen(mismatch)));
  assert.equal(String(found[0]), found[0].message);
  assert.equal(found[0].at, null);
  assert.equal(found[3].actual.length, 0);
});

test('the token endpoint trap is recognised', async () => {
  const jwt = await kit.mint({ sub: SUBJECT, aud: [kit.workspaceTokenEndpoint] });

  const [mismatch, ...noMore] = diagnose(jwt, policy({ audiences: [] }), kit.accountId);

  assert.deepEqual(noMore, []);
  assert.equal(mismatch.kind, 'audience_not_accepted');
  assert.equal(mismatch.tokenEndpointTrap, true);
  assert.deepEqual(mismatch.expected, [kit.accountId], 'a policy without audiences expects the account id');
  assert.match(mismatch.message, /usually the account id/);
  assert.deepEqual(diagnose(jwt, policy({ audiences: [] })), [], 'without an account id, the audience is unknowable');
});

test('a credential diagnoses its own JWT without exchanging', async () => {
  const jwt = await kit.mint({ sub: SUBJECT, aud: ['x'] });
  const credential = kit.credential(new sources.Fixed(jwt), { accountId: kit.accountId });

  const found = await credential.diagnose(policy());

  assert.deepEqual(
    found.map((mismatch) => mismatch.kind),
    ['audience_not_accepted'],
  );
  assert.ok(found[0] instanceof Mismatch);
  assert.deepEqual(await credential.diagnose(policy({ audiences: ['x'] })), []);
  assert.equal((await kit.counters()).exchanges, 0);
});

test('a credential asks its source for its own audience', async () => {
  const asked = [];
  const jwt = await kit.mint({ sub: SUBJECT, aud: [AUDIENCE] });
  const credential = kit.credential(
    new sources.Callback((context) => {
      asked.push(context.audience);
      return jwt;
    }),
  );

  assert.deepEqual(await credential.diagnose(policy()), []);
  assert.deepEqual(asked, [AUDIENCE]);
});

test('a failing source fails the diagnosis with its SourceError', async () => {
  const credential = kit.credential(new sources.EnvVar('DBFED_TEST_SURELY_UNSET'));

  await assert.rejects(credential.diagnose(policy()), (error) => {
    return error instanceof SourceError && /DBFED_TEST_SURELY_UNSET/.test(error.message) && error.sourceName === 'env';
  });
});

test('a policy that is not an object, or has a wrong field, is a TypeError', async () => {
  const jwt = await kit.mint({ sub: SUBJECT, aud: [AUDIENCE] });
  assert.throws(() => diagnose(jwt, null), TypeError);
  assert.throws(() => diagnose(jwt, { issuer: kit.issuer, audiences: 'acc' }), TypeError);
  assert.throws(() => diagnose(jwt, { audiences: ['acc'] }), TypeError);
  const credential = kit.credential(new sources.Fixed(jwt));
  await assert.rejects(credential.diagnose('https://idp'), TypeError);
});

test('the mismatches of a credential name no token', async () => {
  const jwt = await kit.mint({ sub: 'someone', aud: ['x'], iss: 'https://gitlab.com' });
  const credential = kit.credential(new sources.Fixed(jwt), { clientId: SP_CLIENT_ID });

  const found = await credential.diagnose(policy());

  assert.equal(found.length, 3);
  const shown = [inspect(found, { depth: Infinity }), JSON.stringify(found), found.join('\n')].join('\n');
  assert.ok(!shown.includes(jwt) && !shown.includes(jwt.split('.')[2]), shown);
});
