// dbfed for Node.js against one dbfed-testkit server; prints a table. The Node counterpart of
// python/bench/bench.py.
//
//     (cd node && npm run build)              # the addon in the release profile
//     (cd node && node bench/bench.mjs)       # the figures in BENCHMARKS.md (or `npm run bench`)
//     (cd node && node bench/bench.mjs --smoke)   # a few iterations, to prove the script works
//
// Measured:
// - a cached `credential.token()` / `.headers()`, awaited one after the other in a loop;
// - a cached `UserExchanger.tokenFor(jwt)` for a hot user (one user's JWT again and again);
// - token exchanges per 1,000 API calls (each call awaits `headers()`, then calls SCIM Me over
//   HTTP), from a cold start (the credential is made inside the count): with a JWT in a variable
//   (`EnvVar`), and from the testkit's GitHub Actions look-alike (`GitHubActions`; GitHub
//   ID-token requests counted too);
// - `require('dbfed')` and `import('dbfed')`: wall time and resident memory, each in a fresh
//   `node`, with a bare `node` (the same probe importing nothing) as the baseline.
//
// The testkit binary is `$DBFED_TESTKIT`, else target/debug/dbfed-testkit (`cargo build -p
// dbfed-testkit`).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { UserExchanger, sources } from '../index.js';
import axios from 'axios';
import OpenAI from 'openai';
import { PatCredentials } from '@databricks/sdk-experimental';
import plainHttpAuthentication from '@databricks/sql/dist/connection/auth/PlainHttpAuthentication.js';
import { Dispatcher, request } from 'undici';

import { installDatabricksAuth } from '../integrations/axios.js';
import { databricksFetch } from '../integrations/fetch.js';
import { databricksSdkCredentials } from '../integrations/databricks-sdk.js';
import { databricksSqlAuth } from '../integrations/databricks-sql.js';
import { databricksOpenAIOptions } from '../integrations/openai.js';
import { databricksInterceptor } from '../integrations/undici.js';
import { AUDIENCE, CI_SUBJECT, GITHUB_REQUEST_TOKEN, SP_CLIENT_ID, Testkit } from '../test/testkit.mjs';

/** The package directory: the import probes run there, so that `dbfed` names this package. */
const PACKAGE = fileURLToPath(new URL('../', import.meta.url));

/**
 * Prints the wall time (ms) of importing the module named in argv[1] (`require` or `import()`,
 * as `how` says; nothing when argv[1] is empty) and the resident memory (MiB) right after.
 */
function importProbe(how) {
  const load = how === 'import' ? 'await import(name)' : 'require(name)';
  return `
const name = process.argv[1];
const started = process.hrtime.bigint();
if (name) { ${load}; }
const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
console.log(elapsed, process.memoryUsage.rss() / 2 ** 20);
`;
}

/** The best of `repeats` runs of `calls` awaited calls of `call`, in ns per call. */
async function perCallNs(call, calls, repeats) {
  let best = Infinity;
  for (let run = 0; run < repeats; run += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i += 1) {
      await call();
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started));
  }
  return best / calls;
}

/** Best of `repeats` runs: nanoseconds per synchronous `call()`, over `calls` calls. */
function syncPerCallNs(call, calls, repeats) {
  let best = Infinity;
  let kept = null;
  for (let run = 0; run < repeats; run += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i += 1) {
      kept = call();
    }
    best = Math.min(best, Number(process.hrtime.bigint() - started));
  }
  assert.notEqual(kept, null);
  return best / calls;
}

/**
 * Token exchanges and CI ID-token requests the testkit saw while `make()` built a credential
 * and `apiCalls` SCIM Me calls were made with its headers.
 */
async function requestsPerApiCalls(kit, make, apiCalls) {
  const before = await kit.counters();
  const credential = make();
  for (let i = 0; i < apiCalls; i += 1) {
    const [status] = await kit.me((await credential.headers()).Authorization);
    assert.equal(status, 200);
  }
  const after = await kit.counters();
  return [after.exchanges - before.exchanges, after.ci_token_requests - before.ci_token_requests];
}

/** The headers of the bare clients: a fixed token, as a client without dbfed would send one. */
const FIXED_HEADERS = { Authorization: 'Bearer fixed-token' };

/** An undici dispatcher that answers every request at once: 200, no body. */
class InstantDispatcher extends Dispatcher {
  dispatch(opts, handler) {
    if (typeof handler.onRequestStart !== 'function') {
      handler.onConnect?.(() => {});
      handler.onHeaders?.(200, [], () => {}, 'OK');
      handler.onComplete?.([]);
      return true;
    }
    const controller = { abort() {}, pause() {}, resume() {}, aborted: false, paused: false, reason: null };
    handler.onRequestStart(controller, {});
    handler.onResponseStart?.(controller, 200, {}, 'OK');
    handler.onResponseEnd?.(controller, {});
    return true;
  }

  async close() {}

  async destroy() {}
}

/** A chat completion, as a new `Response` each time (a body is read once). */
function completionResponse() {
  const body = '{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[]}';
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/**
 * The cost an integration adds per request: the best-of-`repeats` ns of `integrated()` minus
 * that of `bare()`, each run untimed once first, then their runs alternating (so that the heap's
 * growth and the machine's drift weigh on both alike); returns [added, bare, integrated].
 */
async function addedNs(bare, integrated, calls, repeats) {
  await perCallNs(bare, calls, 1);
  await perCallNs(integrated, calls, 1);
  let [bareNs, integratedNs] = [Infinity, Infinity];
  for (let run = 0; run < repeats; run += 1) {
    bareNs = Math.min(bareNs, await perCallNs(bare, calls, 1));
    integratedNs = Math.min(integratedNs, await perCallNs(integrated, calls, 1));
  }
  return [integratedNs - bareNs, bareNs, integratedNs];
}

/** A table row of `addedNs`'s figures. */
function addedRow(what, [added, bare, integrated]) {
  return [what, `${added.toFixed(0)} (${bare.toFixed(0)} / ${integrated.toFixed(0)})`, '≤ 1,000'];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Medians over `runs` fresh `node` processes of: the import's wall time (ms), the resident
 * memory after it (MiB), and the whole process's wall time as the parent sees it (ms).
 * `module` '' imports nothing: the baseline.
 */
function importCost(how, module, runs) {
  const flags = how === 'import' ? ['--input-type=module'] : [];
  const samples = [];
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [...flags, '-e', importProbe(how), module], {
      cwd: PACKAGE,
      encoding: 'utf8',
    });
    const processMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (child.status !== 0) {
      throw new Error(`import probe (${how} ${module || 'nothing'}) failed: ${child.stderr}`);
    }
    const [importMs, rssMib] = child.stdout.trim().split(' ').map(Number);
    samples.push([importMs, rssMib, processMs]);
  }
  return [0, 1, 2].map((i) => median(samples.map((sample) => sample[i])));
}

function printTable(rows) {
  const header = ['what', 'dbfed (Node.js)', 'goal'];
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)));
  for (const row of [header, widths.map((width) => '-'.repeat(width)), ...rows]) {
    console.log(`| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`);
  }
}

async function main() {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
  const smoke = values.smoke;
  const [calls, repeats] = smoke ? [1_000, 2] : [200_000, 7];
  const apiCalls = smoke ? 20 : 1_000;
  const importRuns = smoke ? 1 : 10;

  const rows = [];
  const kit = await Testkit.start();
  try {
    await kit.reset();
    const jwt = await kit.servicePrincipalJwt();
    process.env.DBFED_BENCH_JWT = jwt;

    const credential = kit.credential(new sources.EnvVar('DBFED_BENCH_JWT'));
    await credential.token();
    // One untimed run first, so that the loops are compiled before they are timed.
    await perCallNs(() => credential.token(), calls, 1);
    await perCallNs(() => credential.headers(), calls, 1);
    const tokenNs = await perCallNs(() => credential.token(), calls, repeats);
    const headersNs = await perCallNs(() => credential.headers(), calls, repeats);
    rows.push(['cached call (awaited), ns', `token() ${tokenNs.toFixed(0)} / headers() ${headersNs.toFixed(0)}`, '≤ 1,000']);

    syncPerCallNs(() => credential.cachedToken(), calls, 1);
    const cachedNs = syncPerCallNs(() => credential.cachedToken(), calls, repeats);
    const cachedHeadersNs = syncPerCallNs(() => credential.cachedHeaders(), calls, repeats);
    rows.push([
      'cached read, synchronous, ns',
      `cachedToken() ${cachedNs.toFixed(0)} / cachedHeaders() ${cachedHeadersNs.toFixed(0)}`,
      '≤ 200',
    ]);

    // The integration's cost per request: the same fetch (a stub answering at once, so that
    // only the integration's own work differs) called bare and through databricksFetch.
    const answer = new Response(null, { status: 200 });
    const stub = async () => answer;
    const url = `${kit.url}/api/2.0/preview/scim/v2/Me`;
    const dbFetch = databricksFetch(credential, { fetch: stub });
    const fetchCalls = Math.max(1, calls / 10);
    rows.push(
      addedRow(
        'fetch integration: added per request (a stub fetch sent a fixed token / through databricksFetch), ns',
        await addedNs(() => stub(url, { headers: FIXED_HEADERS }), () => dbFetch(url, {}), fetchCalls, repeats),
      ),
    );
    // The same for axios: one instance bare, one with the interceptors, both on an adapter that
    // answers at once.
    const adapter = async (config) => ({ data: null, status: 200, statusText: 'OK', headers: {}, config });
    const bareAxios = axios.create({ baseURL: kit.url, adapter, headers: FIXED_HEADERS });
    const authedAxios = axios.create({ baseURL: kit.url, adapter });
    installDatabricksAuth(authedAxios, credential);
    const axiosCalls = Math.max(1, calls / 20);
    rows.push(
      addedRow(
        'axios integration: added per request (an instance sending a fixed token / with the interceptors; an adapter answering at once), ns',
        await addedNs(
          () => bareAxios.get('/api/2.0/preview/scim/v2/Me'),
          () => authedAxios.get('/api/2.0/preview/scim/v2/Me'),
          axiosCalls,
          repeats,
        ),
      ),
    );

    const instant = new InstantDispatcher();
    const composed = instant.compose(databricksInterceptor(credential));
    // Each response's body is read (dumped), as a client does: an unread body keeps the request's
    // objects alive and its garbage would be counted instead.
    const undiciCall = async (dispatcher, headers) => (await request(url, { dispatcher, headers })).body.dump();
    // What undici's compose costs by itself: an interceptor that passes every request on.
    const passThrough = instant.compose((dispatch) => (opts, handler) => dispatch(opts, handler));
    rows.push(
      addedRow(
        '(for the undici row: a pass-through interceptor added per request, the same fixed token), ns',
        await addedNs(
          () => undiciCall(instant, FIXED_HEADERS),
          () => undiciCall(passThrough, FIXED_HEADERS),
          fetchCalls,
          repeats,
        ),
      ),
    );
    rows.push(
      addedRow(
        'undici integration: added per request (request() with a fixed token through a dispatcher answering at once / composed with the interceptor), ns',
        await addedNs(
          () => undiciCall(instant, FIXED_HEADERS),
          () => undiciCall(composed),
          fetchCalls,
          repeats,
        ),
      ),
    );

    // openai through the whole client (~55 µs a call, whose run-to-run spread of a few µs hides
    // 1 µs), then the integration's own part: the fetch openai calls, with the request openai makes.
    const bareOpenAI = new OpenAI({ baseURL: `${kit.url}/serving-endpoints`, apiKey: 'static', fetch: async () => completionResponse() });
    const databricksOpenAI = new OpenAI(databricksOpenAIOptions(credential, { fetch: async () => completionResponse() }));
    const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    const openaiCalls = Math.max(1, calls / 40);
    rows.push(
      addedRow(
        'openai integration: added per request (chat.completions.create, a fetch answering at once, static apiKey / databricksOpenAIOptions), ns',
        await addedNs(
          () => bareOpenAI.chat.completions.create(chat),
          () => databricksOpenAI.chat.completions.create(chat),
          openaiCalls,
          repeats,
        ),
      ),
    );
    let openaiRequest = null;
    await new OpenAI({
      baseURL: `${kit.url}/serving-endpoints`,
      apiKey: 'static',
      fetch: async (...request) => {
        openaiRequest = request;
        return completionResponse();
      },
    }).chat.completions.create(chat);
    const openaiFetch = databricksOpenAIOptions(credential, { fetch: stub }).fetch;
    rows.push(
      addedRow(
        `openai integration's own part: its fetch with openai's request (${[...openaiRequest[1].headers.keys()].length} headers in a Headers), ns`,
        await addedNs(() => stub(...openaiRequest), () => openaiFetch(...openaiRequest), fetchCalls, repeats),
      ),
    );

    // The Databricks SDK and @databricks/sql ask their provider for the header before each
    // request: the provider's call, against the clients' own providers of a fixed token.
    const headers = new Headers();
    const patAuthorize = await new PatCredentials().configure({ host: kit.url, token: 'static' });
    const dbfedAuthorize = await databricksSdkCredentials(credential).configure({ host: kit.url });
    rows.push(
      addedRow(
        'databricks-sdk integration: added per request (the SDK\'s PatCredentials / databricksSdkCredentials, setting the header), ns',
        await addedNs(() => patAuthorize(headers), () => dbfedAuthorize(headers), calls, repeats),
      ),
    );
    const plain = new plainHttpAuthentication.default({ password: 'static' });
    const sqlAuth = databricksSqlAuth(credential);
    rows.push(
      addedRow(
        'databricks-sql integration: added per request (the driver\'s PlainHttpAuthentication / databricksSqlAuth, authenticate()), ns',
        await addedNs(() => plain.authenticate(), () => sqlAuth.authenticate(), calls, repeats),
      ),
    );

    await kit.addPolicy({ client_id: null, audiences: [AUDIENCE] });
    const users = new UserExchanger({ host: kit.url });
    const userJwt = await kit.mint({ sub: 'alice@example.com', aud: [AUDIENCE] });
    await users.tokenFor(userJwt);
    await perCallNs(() => users.tokenFor(userJwt), calls, 1);
    const tokenForNs = await perCallNs(() => users.tokenFor(userJwt), calls, repeats);
    assert.equal(users.stats().exchanges, 1);
    rows.push([`cached tokenFor(jwt), hot user (${userJwt.length}-byte JWT), ns`, tokenForNs.toFixed(0), '≤ 2,000']);

    // Each from a cold cache: the credential made inside the count.
    const [envVar] = await requestsPerApiCalls(
      kit,
      () => kit.credential(new sources.EnvVar('DBFED_BENCH_JWT')),
      apiCalls,
    );
    rows.push([`exchanges per ${apiCalls} API calls, EnvVar`, `${envVar}`, '1']);

    await kit.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: CI_SUBJECT });
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = kit.githubRequestUrl;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = GITHUB_REQUEST_TOKEN;
    const [exchanges, github] = await requestsPerApiCalls(
      kit,
      () => kit.credential(new sources.GitHubActions()),
      apiCalls,
    );
    rows.push([
      `exchanges (GitHub ID-token requests) per ${apiCalls} API calls, GitHubActions`,
      `${exchanges} (${github})`,
      '1 (1)',
    ]);
  } finally {
    await kit.stop();
  }

  const [, bareMib, bareProcessMs] = importCost('require', '', importRuns);
  const [requireMs, requireMib, requireProcessMs] = importCost('require', 'dbfed', importRuns);
  const [importMs, importMib] = importCost('import', 'dbfed', importRuns);
  rows.push([
    "require('dbfed') / import('dbfed'), ms",
    `${requireMs.toFixed(1)} / ${importMs.toFixed(1)}`,
    '≤ 30',
  ]);
  rows.push([
    'RSS after require / import (bare node), MiB',
    `${requireMib.toFixed(1)} / ${importMib.toFixed(1)} (${bareMib.toFixed(1)})`,
    `≤ bare + 16`,
  ]);
  rows.push([
    "wall time of node -e \"require('dbfed')\" (bare node), ms",
    `${requireProcessMs.toFixed(0)} (${bareProcessMs.toFixed(0)})`,
    'n/a',
  ]);

  printTable(rows);
  if (smoke) {
    console.log('(--smoke: a few iterations only; these numbers mean nothing)');
  }
}

await main();
