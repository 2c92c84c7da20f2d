// dbfed/integrations/openai with the real openai client (node/package.json's devDependencies)
// against the testkit's stand-in of model serving's chat completions (which answers with the
// caller's principal): a token per request, a 401 (a revoked token) retried once with a fresh
// token, short-lived tokens, streaming, and no token on the client or in its logs.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, beforeEach, test } from 'node:test';

import OpenAI from 'openai';
import { sources } from 'dbfed';
import { databricksOpenAIOptions } from 'dbfed/integrations/openai';
import { PRINCIPAL, assertRevocationsFailNoCall, assertShortLivedTokensFailNoCall } from './integration-scenarios.mjs';
import { Testkit } from './testkit.mjs';
const MODEL = 'my-endpoint';
const QUESTION = [{ role: 'user', content: 'Who am I?' }];

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());

/** An openai client on the testkit, without openai's own retries (they would hide a failure); its credential. */
async function client(options = {}) {
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const openai = new OpenAI({ ...databricksOpenAIOptions(credential), maxRetries: 0, timeout: 10_000, ...options });
  return [openai, credential];
}

/** The answer of one chat completion: the principal the token belongs to. */
async function complete(openai) {
  const completion = await openai.chat.completions.create({ model: MODEL, messages: QUESTION });
  assert.equal(completion.model, MODEL);
  return completion.choices[0].message.content;
}

/** JSON of `value`, each object once (a client refers to itself). */
function json(value) {
  const seen = new WeakSet();
  return JSON.stringify(value, (key, member) => {
    if (typeof member === 'object' && member !== null) {
      if (seen.has(member)) {
        return '[seen]';
      }
      seen.add(member);
    }
    return member;
  });
}

test('the options: the serving endpoints of the credential, or of options.host; a placeholder apiKey', async () => {
  const credential = kit.credential(new sources.Fixed('unused'));

  const options = databricksOpenAIOptions(credential);

  assert.equal(options.baseURL, `${kit.url}/serving-endpoints`);
  assert.equal(typeof options.apiKey, 'string');
  assert.equal(typeof options.fetch, 'function');
  assert.equal(databricksOpenAIOptions(credential, { host: `${kit.url}/` }).baseURL, `${kit.url}/serving-endpoints`);
  assert.throws(() => databricksOpenAIOptions({ host: null }), /names no host/);
  assert.equal((await kit.counters()).exchanges, 0, 'nothing is exchanged before a request');
});

test('completions carry a valid token; one exchange for many', async () => {
  const [openai] = await client();

  const answers = await Promise.all(Array.from({ length: 20 }, () => complete(openai)));

  assert.deepEqual(new Set(answers), new Set([PRINCIPAL]));
  const counters = await kit.counters();
  assert.equal(counters.successes, 1);
  assert.equal(counters.api_calls, 20);
});

test('after a 401 to a revoked token, the request is sent once more with a fresh token: no call fails', async () => {
  const [openai] = await client();
  await assertRevocationsFailNoCall(kit, () => complete(openai));
});

test('with tokens that live 2 s, completions over 3 s all succeed', async () => {
  const [openai] = await client();
  await assertShortLivedTokensFailNoCall(kit, () => complete(openai));
});

test('a streamed completion carries the token', async () => {
  const [openai] = await client();

  const stream = await openai.chat.completions.create({ model: MODEL, messages: QUESTION, stream: true });
  let answer = '';
  for await (const chunk of stream) {
    answer += chunk.choices[0]?.delta?.content ?? '';
  }

  assert.equal(answer, PRINCIPAL);
});

test('the client, its copies and its debug logs hold no token; the placeholder apiKey is not sent', async () => {
  const logged = [];
  const log = (...parts) => logged.push(inspect(parts, { depth: Infinity }));
  const sent = [];
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  const options = databricksOpenAIOptions(credential, {
    fetch: (input, init) => {
      sent.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    },
  });
  const openai = new OpenAI({
    ...options,
    maxRetries: 0,
    logLevel: 'debug',
    logger: { debug: log, info: log, warn: log, error: log },
  });

  assert.equal(await complete(openai), PRINCIPAL);
  assert.equal(await complete(openai.withOptions({ timeout: 5_000 })), PRINCIPAL);

  const token = credential.cachedToken().token;
  assert.deepEqual(sent, [`Bearer ${token}`, `Bearer ${token}`]);
  assert.ok(logged.length > 0, 'openai logged the requests');
  for (const [what, text] of [
    ['inspect', inspect(openai, { depth: Infinity, showHidden: true })],
    ['JSON', json(openai)],
    ['the copy', inspect(openai.withOptions({}), { depth: Infinity, showHidden: true })],
    ['the logs', logged.join('\n')],
  ]) {
    assert.ok(!text.includes(token), `${what} of the client shows the token`);
  }
  assert.equal(openai.apiKey, options.apiKey);
});
