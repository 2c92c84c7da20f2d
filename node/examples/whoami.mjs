// A Node.js `http` handler that calls Databricks as the user who sent the request: the
// request's bearer JWT (from your identity provider) goes through `UserExchanger.tokenFor`.
// The README shows it; node/test/users.test.mjs runs it against the testkit.
//
//   DATABRICKS_HOST=https://dbc-1234abcd-5678.cloud.databricks.com node examples/whoami.mjs

import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

import { UserExchanger } from 'dbfed';

/** A handler answering with the Databricks user name of the request's user. */
export function whoami(users, host) {
  return async (request, response) => {
    // The JWT your service authenticates the request with, passed through as it came.
    const jwt = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (jwt === undefined) {
      return reply(response, 401, { error: 'a bearer token is needed' });
    }
    let token;
    try {
      token = await users.tokenFor(jwt);
    } catch (error) {
      // SOURCE: not a JWT, expired, unexpected issuer or audience; REJECTED: refused by Databricks.
      const refused = error.code === 'SOURCE' || error.code === 'REJECTED';
      return reply(response, refused ? 401 : 502, { error: error.message });
    }
    // Any Databricks call with this token acts as the user.
    const me = await fetch(`${host}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: token.authorizationHeader() },
    });
    const { userName } = await me.json();
    return reply(response, me.status, { userName });
  };
}

function reply(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const host = process.env.DATABRICKS_HOST;
  const users = new UserExchanger({
    host,
    expectedIssuers: ['https://login.example.com'], // others are refused without a request
    maxUsers: 50_000,
  });
  createServer(whoami(users, host)).listen(8080, '127.0.0.1');
}
