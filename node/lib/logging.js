'use strict';
// dbfed's log records (the Rust core's events: logger `dbfed.cache`, level, message) handed to a
// function of the application. Quiet unless asked: `setLogger(fn)`, or `NODE_DEBUG=dbfed` (Node's
// own convention, `util.debuglog`) for every record down to `debug` on stderr.

const { debuglog } = require('node:util');
const native = require('./native.js');
const { lift } = require('./errors.js');

/** The levels, most severe first, and `off`. */
const LEVELS = ['error', 'warn', 'info', 'debug', 'trace', 'off'];

/**
 * Sends dbfed's log records at `options.level` (default `info`) or more severe to
 * `logger(record)`, replacing the logger set before; `setLogger(null)` stops them. A record is
 * `{ logger, level, message }`: `logger` is `dbfed.cache`, `dbfed.credential`, …; `level` one of
 * `error`, `warn`, `info`, `debug`, `trace` (the method names of `console` and pino); the core
 * writes no token, JWT or secret into a message. Records arrive on the main thread, a little
 * after the event; the logger never keeps the process alive, and what it throws is ignored.
 */
function setLogger(logger, options = {}) {
  if (logger !== null && logger !== undefined && typeof logger !== 'function') {
    throw new TypeError('setLogger(logger) takes a function (record) => void, or null');
  }
  const level = options?.level ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new TypeError(`options.level must be one of ${LEVELS.join(', ')}, not ${String(level)}`);
  }
  const guarded = logger
    ? (record) => {
        try {
          logger(record);
        } catch {
          // The application's logger failed; the record is lost, the process goes on.
        }
      }
    : null;
  try {
    native.setLogger(guarded, level);
  } catch (error) {
    throw lift(error);
  }
}

/** With `NODE_DEBUG=dbfed`: every record down to `debug`, on stderr as `DBFED <pid>: …`. */
function loggerFromEnvironment() {
  const debug = debuglog('dbfed');
  if (debug.enabled) {
    setLogger((record) => debug('%s %s %s', record.logger, record.level.toUpperCase(), record.message), {
      level: 'debug',
    });
  }
}

module.exports = { loggerFromEnvironment, setLogger };
