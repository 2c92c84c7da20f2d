// A Node.js program that uses dbfed exits on its own, within 2 s of its last statement: 20 runs
// of exit-probe.mjs as a child `node` process, each on the sync, async, per-user and failing paths
// with a logger at trace; the order turns, so that each path is the last in 5 runs.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { Testkit, USER } from './testkit.mjs';

const PROBE = fileURLToPath(new URL('./exit-probe.mjs', import.meta.url));
/** What the probe prints as its last statement. */
const EXIT_PROBE_DONE = 'exit-probe: last statement';
const PATHS = ['sync', 'async', 'users', 'failing'];
const RUNS = 20;
const EXIT_BOUND_MS = 2000;

let kit;
before(async () => {
  kit = await Testkit.start();
});
after(() => kit.stop());

/**
 * Runs the probe on `order`: its exit status (null: killed, 60 s without a marker or 30 s after
 * it), how long after its marker was read it exited (null: no marker), and its stderr.
 */
function probe(order, spJwt, userJwt) {
  const child = spawn(process.execPath, [PROBE, kit.url, spJwt, userJwt, ...order], {
    env: { ...process.env, NODE_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const kill = () => child.kill('SIGKILL');
  let timer = setTimeout(kill, 60_000);
  let marked = null;
  let exited;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line !== EXIT_PROBE_DONE) return;
    marked = performance.now();
    clearTimeout(timer);
    if (exited === undefined) timer = setTimeout(kill, 30_000);
  });
  child.once('exit', () => {
    exited = performance.now();
    clearTimeout(timer);
  });
  // At 'close' the pipes are read to the end; the marker may be read after the exit event (0 ms).
  return new Promise((resolve) => {
    child.once('close', (status) => {
      const exitedWithinMs = marked === null ? null : Math.max(0, exited - marked);
      resolve({ order, status, exitedWithinMs, stderr });
    });
  });
}

test('a program using dbfed exits within 2 s of its last statement, 20 runs', async () => {
  await kit.reset();
  const spJwt = await kit.servicePrincipalJwt();
  await kit.usersPolicy();
  const userJwt = await kit.userJwt(USER);
  const turned = (run) => [...PATHS.slice(run % PATHS.length), ...PATHS.slice(0, run % PATHS.length)];
  const queue = Array.from({ length: RUNS }, (_, run) => turned(run));
  const results = [];
  // Two at a time: one per core.
  const worker = async () => {
    for (let order = queue.shift(); order; order = queue.shift()) {
      results.push(await probe(order, spJwt, userJwt));
    }
  };
  await Promise.all([worker(), worker()]);

  assert.equal(results.length, RUNS);
  for (const { order, status, exitedWithinMs, stderr } of results) {
    const what = `run (${order.join(', ')}), stderr:\n${stderr.slice(-4000)}`;
    assert.equal(status, 0, what);
    assert.notEqual(exitedWithinMs, null, `no last statement: ${what}`);
    assert.ok(exitedWithinMs < EXIT_BOUND_MS, `exited ${Math.round(exitedWithinMs)} ms after its last statement: ${what}`);
    // dbfed's records reached the child's logger (the probe waited for one before its last path).
    assert.match(stderr, /^debug dbfed\.\S+ exchanged the subject token/m, what);
  }
  assert.deepEqual(
    PATHS.map((path) => results.filter((result) => result.order.at(-1) === path).length),
    [5, 5, 5, 5],
  );
});
