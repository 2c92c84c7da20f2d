// A subset of the fault matrix (tests/cases/fault-matrix.json; every case runs in Rust and Python)
// through the Node API, against a cold cache: each case's outcome, a valid token or the DbfedError
// of its kind with its code, status and words and no control character, within the matrix's bound.
// The client is the matrix's: 2 s request timeouts, 5 attempts within 8 s.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';

import { ExchangeError, MalformedResponseError, TransportError, sources } from '../index.js';
import { REPOSITORY, Testkit } from './testkit.mjs';

const MATRIX = JSON.parse(readFileSync(`${REPOSITORY}tests/cases/fault-matrix.json`, 'utf8'));
const CASES = new Map(MATRIX.cases.map((entry) => [entry.name, entry]));

/** The cases run here: each outcome kind, and each family of fault (status, Retry-After, slowness, drops, bodies). */
const SUBSET = [
  '500',
  '503 once, then served',
  '429 with Retry-After 1, then served',
  '429 with a Retry-After beyond the budget',
  'slow headers for ever',
  'slow body once, then served',
  'dropped (FIN) once, then served',
  'redirect',
  'body over 1 MiB',
  'deeply nested JSON',
  'access_token with CR LF',
  'expires_in 0.001',
  'expires_in 1e300 (held to ten years)',
  'an error description with terminal escapes',
  'an error body echoing a JWT',
];

/** The core's error kinds as the Node classes and codes. */
const ERRORS = {
  Rejected: [ExchangeError, 'REJECTED'],
  Malformed: [MalformedResponseError, 'MALFORMED'],
  Transport: [TransportError, 'TRANSPORT'],
};

/** A cold outcome's bound on a loaded 2-core machine, as the matrix says. */
const COLD_BOUND_MS = 25_000;
/** C0 controls and DEL, the C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** The case's faults, for the token endpoint, in order (`nested_json_depth` makes the first one's body). */
async function injectFaultsOf(entry) {
  for (const [index, fault] of entry.faults.entries()) {
    const depth = entry.nested_json_depth ?? 0;
    const body = index === 0 && depth > 0 ? { body: '['.repeat(depth) + ']'.repeat(depth) } : {};
    await kit.inject({ ...fault, ...body, path: '/oidc/v1/token' });
  }
}

function matrixCredential(jwt) {
  return kit.credential(new sources.Fixed(jwt), {
    connectTimeoutMs: 2000,
    requestTimeoutMs: 2000,
    retry: { initialBackoffMs: 20, maxBackoffMs: 100, totalBudgetMs: 8000 },
  });
}

for (const name of SUBSET) {
  test(`a cold credential meets the fault with the expected outcome: ${name}`, async () => {
    const entry = CASES.get(name);
    const expected = entry.cold;
    const credential = matrixCredential(await kit.servicePrincipalJwt());
    await injectFaultsOf(entry);

    const started = performance.now();
    const outcome = await credential.token().catch((error) => error);
    const took = performance.now() - started;

    if (expected.token) {
      assert.ok(!(outcome instanceof Error), `${outcome?.stack}`);
      assert.ok(outcome.expiresInMs > 0, `${outcome.expiresAt}`);
    } else {
      const [kind, code] = ERRORS[expected.error];
      assert.ok(outcome instanceof kind, `${outcome?.stack}`);
      assert.equal(outcome.code, code, outcome.message);
      if (expected.status !== undefined) {
        assert.equal(outcome.status, expected.status, outcome.message);
      }
      assert.ok(outcome.message.includes(expected.contains ?? ''), outcome.message);
      for (const text of [outcome.message, outcome.description ?? '']) {
        assert.doesNotMatch(text, CONTROL);
      }
    }
    assert.ok(took < COLD_BOUND_MS, `took ${Math.round(took)} ms`);
    // The case's fault was met: a token was had through it, not around it.
    assert.ok((await kit.counters()).faults >= 1);
  });
}

test('the subset covers every kind of outcome', () => {
  const outcomes = new Set(SUBSET.map((name) => CASES.get(name).cold.error ?? 'token'));
  assert.deepEqual([...outcomes].sort(), ['Malformed', 'Rejected', 'Transport', 'token']);
});
