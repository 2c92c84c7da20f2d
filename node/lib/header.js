'use strict';
// The `Authorization` value of a token, made once per token: shared by `Credential` and the
// integrations.

/**
 * A function giving the `Authorization` header value of a token, made once per token (a
 * credential hands out the same token object while it is cached, and making the string crosses
 * into the addon).
 */
function authorizationHeaders() {
  let lastToken = null;
  let lastHeader = '';
  return function authorizationOf(token) {
    if (token !== lastToken) {
      lastHeader = token.authorizationHeader();
      lastToken = token;
    }
    return lastHeader;
  };
}

module.exports = { authorizationHeaders };
