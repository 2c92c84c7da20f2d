// No panic crosses into JavaScript: a bug of dbfed surfaces as a `DbfedError` of code `INTERNAL`
// (never an abort of the process, never napi's plain "Panic in async function"), and later calls
// work; JWTs with claims at the extremes of time are diagnosed and refused like any other.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, beforeEach, test } from 'node:test';

import { DbfedError, ExchangeError, SourceError, UserExchanger, diagnose, sources } from '../index.js';
import { AUDIENCE, Testkit } from './testkit.mjs';

const native = createRequire(import.meta.url)('../native.js');
const { lift } = createRequire(import.meta.url)('../lib/errors.js');
const INTERNAL = "dbfed internal error (a bug; please report it): a panic for dbfed's tests (at ";
const USER = 'alice@example.com';

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(async () => {
  await kit.reset();
  await kit.addPolicy({ client_id: null, audiences: [AUDIENCE] });
});

function exchanger() {
  return new UserExchanger({ host: kit.url, retry: { maxAttempts: 1 } });
}

/** An RS256 JWT with the claims of a user's JWT for the testkit plus `times` (JSON text, exact numbers). */
function unsigned(times) {
  const part = (json) => Buffer.from(json).toString('base64url');
  const claims = `{"iss":${JSON.stringify(kit.issuer)},"aud":"${AUDIENCE}","sub":"${USER}",${times}}`;
  return `${part('{"alg":"RS256","typ":"JWT"}')}.${part(claims)}.c2lnbmF0dXJl`;
}

/** A later call works. */
async function assertStillWorks() {
  const token = await exchanger().tokenFor(await kit.mint({ sub: USER, aud: [AUDIENCE] }));
  assert.equal((await kit.me(`Bearer ${token.token}`))[0], 200);
}

function assertInternal(error) {
  assert.ok(error instanceof DbfedError, String(error));
  assert.equal(error.code, 'INTERNAL');
  assert.ok(error.message.startsWith(INTERNAL), error.message);
  return true;
}

test('a panic in a sync call is a DbfedError of code INTERNAL', async () => {
  assert.throws(() => {
    try {
      native._panicForTests();
    } catch (error) {
      throw lift(error);
    }
  }, assertInternal);
  await assertStillWorks();
});

test('a panic in an async call rejects with a DbfedError of code INTERNAL', async () => {
  await assert.rejects(native._panicForTestsAsync().catch((error) => Promise.reject(lift(error))), assertInternal);
  await assertStillWorks();
});

test('a caught panic prints nothing', () => {
  const script = `
    const native = require('./native.js');
    try { native._panicForTests(); } catch (error) { console.log(error.code); }
    native._panicForTestsAsync().catch((error) => console.log(error.code));
  `;
  const ran = spawnSync(process.execPath, ['-e', script], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
    env: { RUST_BACKTRACE: '1' },
    timeout: 60_000,
  });
  assert.equal(ran.status, 0, ran.stderr);
  assert.deepEqual(ran.stdout.trim().split('\n'), ['INTERNAL', 'INTERNAL']);
  assert.equal(ran.stderr, '');
});

test('claims beyond any date are diagnosed, not an abort', () => {
  const policy = { issuer: kit.issuer, audiences: [AUDIENCE] };
  for (const exp of ['18446744073709551615', '9223372036854775808', '253402300800']) {
    assert.deepEqual(diagnose(unsigned(`"exp":${exp}`), policy), [], exp);
  }
  for (const nbf of ['253402300800', '9007199254740993', '9223372036854775808']) {
    const found = diagnose(unsigned(`"exp":9223372036854775808,"nbf":${nbf}`), policy);
    assert.deepEqual(found.map((mismatch) => mismatch.kind), ['not_yet_valid'], nbf);
  }
  for (const exp of ['-1', '1.5']) {
    const found = diagnose(unsigned(`"exp":${exp}`), policy);
    assert.deepEqual(found.map((mismatch) => mismatch.kind), ['expired'], exp);
  }
  const soon = Math.floor(Date.now() / 1000) + 3600;
  assert.deepEqual(diagnose(unsigned(`"exp":${soon}.5`), policy), []);
});

test("a credential's JWT beyond any date is diagnosed, not an abort", async () => {
  const policy = { issuer: kit.issuer, audiences: [AUDIENCE] };
  const credential = kit.credential(new sources.Fixed(unsigned('"exp":18446744073709551615,"nbf":253402300800')));
  const found = await credential.diagnose(policy);
  assert.ok(found.map((mismatch) => mismatch.kind).includes('not_yet_valid'), JSON.stringify(found));
  await assertStillWorks();
});

test("a user's JWT beyond any date is a source or exchange error, not a panic", async () => {
  const users = exchanger();
  const soon = Math.floor(Date.now() / 1000) + 3600;
  for (const times of [
    '"exp":18446744073709551615',
    '"exp":9223372036854775808',
    '"exp":253402300800',
    '"exp":9223372036854775808,"nbf":253402300800',
    '"exp":9223372036854775808,"nbf":9007199254740993',
    '"exp":-1',
    '"exp":1.5',
    `"exp":${soon}.5`,
  ]) {
    const jwt = unsigned(times);
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(users.tokenFor(jwt), (error) => {
        assert.ok(error instanceof SourceError || error instanceof ExchangeError, `${times}: ${error}`);
        return true;
      });
    }
  }
  await assertStillWorks();
});
