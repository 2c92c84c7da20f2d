// dbfed's log records through `setLogger` (and `NODE_DEBUG=dbfed`), against the testkit: levels,
// no secret at the most verbose level, and a process that still exits on its own.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, test } from 'node:test';

import { ExchangeError, UserExchanger, setLogger, sources } from '../index.js';
import { AUDIENCE, SP_CLIENT_ID, Testkit, USER } from './testkit.mjs';

const INDEX = fileURLToPath(new URL('../index.js', import.meta.url));

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());
beforeEach(() => kit.reset());
afterEach(() => setLogger(null));

/** Collects the records at `level` or more severe. */
function collect(level) {
  const records = [];
  setLogger((record) => records.push(record), { level });
  return records;
}

/** Waits (10 s at most) for a record that `matches`: records arrive a little after the event. */
async function waitFor(records, matches) {
  const deadline = Date.now() + 10_000;
  while (!records.some(matches)) {
    assert.ok(Date.now() < deadline, `no such record in ${JSON.stringify(records, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A token fetch that fails: the token endpoint answers 503 once (no retry). */
async function failFetch(credential) {
  await kit.inject({ status: 503, body: '{"error":"temporarily_unavailable","error_description":"probe-503"}' });
  credential.invalidate();
  await assert.rejects(credential.token(), ExchangeError);
}

test('a failing token fetch is a WARN record of dbfed.cache naming the failure, and DEBUG records are off at warn', async () => {
  const records = collect('warn');
  const credential = kit.credential(new sources.Fixed(await kit.servicePrincipalJwt()));
  await credential.token();

  await failFetch(credential);

  await waitFor(records, (record) => record.message.includes('probe-503'));
  const failure = records.find((record) => record.message.includes('probe-503'));
  assert.equal(failure.logger, 'dbfed.cache');
  assert.equal(failure.level, 'warn');
  assert.match(failure.message, /^token fetch failed error=.*503/);
  // One queue, in order: the exchange's DEBUG records would have come before the failure's.
  assert.deepEqual(records.filter((record) => !['warn', 'error'].includes(record.level)), []);
});

test('at debug, the exchange is a DEBUG record; at trace, no record holds a token, JWT or secret', async () => {
  const records = collect('trace');
  const secret = 'node-log-client-secret';
  await kit.addOidcClient('svc-log', secret);
  await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: 'svc-log' });
  const jwt = await kit.servicePrincipalJwt();
  const fixed = kit.credential(new sources.Fixed(jwt));
  const viaSecret = kit.credential(
    new sources.OidcClientCredentials({ issuer: kit.issuer, clientId: 'svc-log', clientSecret: secret, audienceParameter: 'audience' }),
  );
  await kit.usersPolicy();
  const userJwt = await kit.userJwt(USER);
  const users = new UserExchanger({ host: kit.url, retry: { maxAttempts: 1 } });

  const tokens = [await fixed.token(), await viaSecret.token(), await users.tokenFor(userJwt)];
  await failFetch(fixed);
  await assert.rejects(kit.credential(new sources.Fixed(jwt), { clientId: 'log-probe' }).token(), ExchangeError);

  await waitFor(records, (record) => record.message.includes("'log-probe'"));
  await waitFor(records, (record) => record.level === 'debug' && record.message.startsWith('exchanged the subject token'));
  assert.ok(records.every((record) => record.logger.startsWith('dbfed.')), JSON.stringify(records));
  const secrets = [jwt, jwt.split('.')[2], userJwt, userJwt.split('.')[2], secret, ...tokens.map((token) => token.token)];
  for (const record of records) {
    for (const value of secrets) {
      assert.ok(!JSON.stringify(record).includes(value), `a secret in ${JSON.stringify(record)}`);
    }
  }
});

test('setLogger refuses what is not a function or a level', () => {
  assert.throws(() => setLogger('console'), TypeError);
  assert.throws(() => setLogger(() => {}, { level: 'verbose' }), TypeError);
});

/** Runs `script` in a new Node.js process: [exit code, stderr], or a failure after 30 s. */
function runNode(script, env = {}) {
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', script], {
    env: { ...process.env, NODE_DEBUG: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit within 30 s; stderr: ${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve([code, stderr]);
    });
  });
}

/**
 * A script that gets a token and a failure (client id `exit-probe`) and ends: once a stderr line
 * holds `awaited` (10 s at most; a ref'd timer keeps it alive until then), else at once.
 * `setup` runs first (e.g. a `setLogger` call).
 */
async function script(setup, awaited = null) {
  const jwt = await kit.servicePrincipalJwt();
  return `
    const dbfed = require(${JSON.stringify(INDEX)});
    const write = process.stderr.write.bind(process.stderr);
    let seen = false;
    process.stderr.write = (chunk, ...rest) => {
      seen ||= ${JSON.stringify(awaited)} !== null && String(chunk).includes(${JSON.stringify(awaited)});
      return write(chunk, ...rest);
    };
    ${setup}
    const make = (clientId) => new dbfed.Credential({
      host: ${JSON.stringify(kit.url)}, clientId, audience: ${JSON.stringify(AUDIENCE)},
      retry: { maxAttempts: 1 }, source: new dbfed.sources.Fixed(${JSON.stringify(jwt)}),
    });
    make(${JSON.stringify(SP_CLIENT_ID)}).token()
      .then(() => make('exit-probe').token())
      .catch(() => {})
      .then(() => {
        if (${JSON.stringify(awaited)} === null) return;
        const deadline = Date.now() + 10_000;
        const waiting = setInterval(() => {
          if (seen || Date.now() > deadline) clearInterval(waiting);
        }, 5);
      });
  `;
}

test('a program with a logger set still exits on its own', async () => {
  const logger = "dbfed.setLogger((record) => console.error(record.level, record.message), { level: 'trace' });";
  const [code, stderr] = await runNode(await script(logger, "'exit-probe'"));

  assert.equal(code, 0, stderr);
  assert.match(stderr, /^warn token fetch failed .*exit-probe/m);
});

test('NODE_DEBUG=dbfed writes the records to stderr; without it dbfed is quiet', async () => {
  const [code, stderr] = await runNode(await script('', "'exit-probe'"), { NODE_DEBUG: 'dbfed' });
  assert.equal(code, 0, stderr);
  assert.match(stderr, /^DBFED \d+: dbfed\.cache WARN token fetch failed .*exit-probe/m);
  assert.match(stderr, /^DBFED \d+: dbfed\.\S+ DEBUG exchanged the subject token/m);

  // What a default logger would write comes within the second this one waits, or not at all.
  const [quietCode, quiet] = await runNode(await script('setTimeout(() => {}, 1000);'));
  assert.deepEqual([quietCode, quiet], [0, '']);
});
