'use strict';
// The native AccessToken, with `util.inspect`, `toString` and `toJSON` that never show the
// token (loggers print objects with one of these).

const { inspect } = require('node:util');
const { AccessToken } = require('./native.js');

/** What the token shows of itself: everything but the token. */
function shown(token) {
  return {
    token: '<redacted>',
    tokenType: token.tokenType,
    scope: token.scope,
    expiresAt: token.expiresAt.toISOString(),
  };
}

Object.defineProperties(AccessToken.prototype, {
  [inspect.custom]: {
    value(depth, options, inspectValue) {
      return `AccessToken ${inspectValue(shown(this), options)}`;
    },
  },
  toJSON: {
    value() {
      return shown(this);
    },
  },
  toString: {
    value() {
      return `AccessToken(<redacted>, expires ${this.expiresAt.toISOString()})`;
    },
  },
});

module.exports = { AccessToken };
