// The program exit.test.mjs starts as a child `node` process:
// `node exit-probe.mjs URL SP_JWT USER_JWT PATH…` runs each path (`sync`, `async`, `users`,
// `failing`) in order with dbfed's records at trace on stderr, prints EXIT_PROBE_DONE and ends.
// The last path starts once a record of the earlier ones has reached the logger, so that logging
// is seen to work and the last path's records are still in flight when the program ends.

import { Credential, ExchangeError, UserExchanger, diagnose, setLogger, sources } from '../index.js';
import { AUDIENCE, SP_CLIENT_ID } from './testkit.mjs';

/** What the probe prints as its last statement (exit.test.mjs waits for it). */
const EXIT_PROBE_DONE = 'exit-probe: last statement';
/** The client id the failing path is refused for. */
const EXIT_PROBE_CLIENT = 'exit-probe';

const [url, spJwt, userJwt, ...paths] = process.argv.slice(2);
const retry = { maxAttempts: 1 };
const credential = (clientId, source = new sources.Fixed(spJwt)) =>
  new Credential({ host: url, clientId, audience: AUDIENCE, retry, source });

/** One path's calls: each must end as it should, or the probe fails (exit status 1). */
const PATHS = {
  // The calls that return at once (no promise): a local diagnosis, stats, invalidation.
  sync() {
    const mismatches = diagnose(userJwt, { issuer: 'https://elsewhere.example.com', audiences: ['other'] });
    if (mismatches.length === 0) throw new Error('the diagnosis found no mismatch');
    const made = credential(SP_CLIENT_ID);
    made.invalidate();
    if (made.stats().exchanges !== 0) throw new Error('a credential exchanged before being asked');
  },
  // Promises: a token and headers, from a fixed JWT and from a callback source.
  async async() {
    const fixed = credential(SP_CLIENT_ID);
    await fixed.token();
    await fixed.headers();
    await credential(SP_CLIENT_ID, new sources.Callback(async () => spJwt)).token();
  },
  async users() {
    const users = new UserExchanger({ host: url, retry });
    await users.tokenFor(userJwt);
    if (users.cachedTokenFor(userJwt) === null) throw new Error('no cached token for the user');
    await users.headersFor(userJwt);
  },
  async failing() {
    const refused = await credential(EXIT_PROBE_CLIENT).token().then(
      () => null,
      (error) => error,
    );
    if (!(refused instanceof ExchangeError)) throw new Error(`the exchange for ${EXIT_PROBE_CLIENT} was not refused: ${refused}`);
  },
};

let firstRecord;
const recorded = new Promise((resolve) => {
  firstRecord = resolve;
});
setLogger(
  (record) => {
    process.stderr.write(`${record.level} ${record.logger} ${record.message}\n`);
    firstRecord();
  },
  { level: 'trace' },
);

for (const [index, path] of paths.entries()) {
  if (index === paths.length - 1) {
    // A ref'd timer keeps the process up while it waits; cleared once a record came.
    let timer;
    const waited = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), 10_000);
    });
    const came = await Promise.race([recorded.then(() => true), waited]);
    clearTimeout(timer);
    if (!came) throw new Error('no record of dbfed reached the logger');
  }
  await PATHS[path]();
}
console.log(EXIT_PROBE_DONE);
