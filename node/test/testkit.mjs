// A client of the `dbfed-testkit serve` binary: starting it, and its control API (`/_testkit/…`);
// the port of python/tests/testkit.py.
//
// The binary is `$DBFED_TESTKIT`, else `target/debug/dbfed-testkit` of this repository (built by
// `scripts/test`). Every test file starts one server (`await Testkit.start()`) and resets it
// before each test; bench/bench.mjs starts one too.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { Credential } from '../index.js';

export const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
export const SP_CLIENT_ID = '5c2a0e2b-0000-4d6e-8f00-5e7b1ce0c11d';
export const SUBJECT = 'repo:acme/deploy:ref:refs/heads/main';
export const AUDIENCE = 'dbfed-tests';
export const USER = 'alice@example.com';
/** The subject of the JWTs the CI look-alikes (GitHub, GCP) issue. */
export const CI_SUBJECT = 'repo:acme/pipelines:environment:prod';
/** The bearer token the GitHub look-alike expects in `ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
export const GITHUB_REQUEST_TOKEN = 'testkit-github-request-token';

/** `$DBFED_TESTKIT`, else this repository's `target/debug/dbfed-testkit`. */
function binary() {
  return process.env.DBFED_TESTKIT ?? `${REPOSITORY}target/debug/dbfed-testkit`;
}

/** The testkit server and its control API. */
export class Testkit {
  #process;

  constructor(process, info) {
    this.#process = process;
    this.url = info.url;
    this.issuer = info.issuer;
    this.accountId = info.account_id;
    this.workspaceTokenEndpoint = info.workspace_token_endpoint;
    this.accountTokenEndpoint = info.account_token_endpoint;
    this.entraAuthority = info.entra_authority;
    this.imdsEndpoint = info.imds_endpoint;
  }

  /** Runs `dbfed-testkit serve` until `stop()`. */
  static async start() {
    const path = binary();
    if (!existsSync(path)) {
      throw new Error(`no testkit binary at ${path}: run \`cargo build -p dbfed-testkit\``);
    }
    const child = spawn(path, ['serve'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const first = await Promise.race([
      new Promise((resolve) => lines.once('line', resolve)),
      exited.then(() => null),
    ]);
    lines.close();
    if (first === null) {
      throw new Error('dbfed-testkit exited without printing its address');
    }
    return new Testkit(child, JSON.parse(first));
  }

  async stop() {
    const exited = new Promise((resolve) => this.#process.once('exit', resolve));
    this.#process.kill('SIGTERM');
    await exited;
  }

  async #call(method, path, body) {
    const response = await fetch(this.url + path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      throw new Error(`${method} ${path}: HTTP ${response.status}: ${await response.text()}`);
    }
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  reset() {
    return this.#call('POST', '/_testkit/reset', {});
  }

  /** A JWT signed by the fake IdP (fields of the testkit's MintRequest). */
  async mint(claims) {
    return (await this.#call('POST', '/_testkit/mint', claims)).jwt;
  }

  addPolicy(policy) {
    return this.#call('POST', '/_testkit/policies', { issuer: this.issuer, ...policy });
  }

  /** Registers a client of the fake IdP's client-credentials endpoint (`{issuer}/token`). */
  addOidcClient(clientId, clientSecret = null) {
    return this.#call('POST', '/_testkit/oidc-clients', { client_id: clientId, client_secret: clientSecret });
  }

  /** Queues a fault (fields of the testkit's Fault: path, status, body, delay_ms, …). */
  inject(fault) {
    return this.#call('POST', '/_testkit/faults', fault);
  }

  settings(changes) {
    return this.#call('POST', '/_testkit/settings', changes);
  }

  counters() {
    return this.#call('GET', '/_testkit/counters');
  }

  /** Revokes every token issued so far: the API answers them 401 (as Databricks a revoked token). */
  async revoke() {
    return (await this.#call('POST', '/_testkit/revoke', {})).revoked;
  }

  exchanges() {
    return this.#call('GET', '/_testkit/exchanges');
  }

  /** The form fields of the `index`th token request the server received. */
  async form(index = 0) {
    return Object.fromEntries((await this.exchanges())[index].form);
  }

  /** `ACTIONS_ID_TOKEN_REQUEST_URL` for the GitHub look-alike. */
  get githubRequestUrl() {
    return `${this.url}/ci/github/token?api-version=2.0`;
  }

  /** Calls the protected SCIM `Me` API with an `Authorization` header value: [status, body]. */
  async me(authorization) {
    const response = await fetch(`${this.url}/api/2.0/preview/scim/v2/Me`, {
      headers: { Authorization: authorization },
      signal: AbortSignal.timeout(10_000),
    });
    return [response.status, await response.json()];
  }

  // The Entra and IMDS look-alikes.

  /** Registers an application in a tenant of the fake Entra (fields of the testkit's `EntraApp`). */
  addEntraApp(app) {
    return this.#call('POST', '/_testkit/entra/apps', app);
  }

  /** Registers a managed identity the fake IMDS hands tokens for (`ManagedIdentity`). */
  addManagedIdentity(identity) {
    return this.#call('POST', '/_testkit/entra/managed_identities', identity);
  }

  /** A signed-in user's Entra access token, as a front end passes it on (`EntraUserToken`). */
  async mintEntraUserToken(request) {
    return (await this.#call('POST', '/_testkit/entra/user_tokens', request)).access_token;
  }

  /** The requests the fake Entra and IMDS received, as sent (method, path, query, form). */
  entraRequests() {
    return this.#call('GET', '/_testkit/entra/requests');
  }

  // Ready-made set-ups used by most tests.

  /** Adds a policy for the service principal and returns a JWT it accepts. */
  async servicePrincipalJwt() {
    await this.addPolicy({ client_id: SP_CLIENT_ID, audiences: [AUDIENCE], subject: SUBJECT });
    return this.mint({ sub: SUBJECT, aud: [AUDIENCE] });
  }

  /** Adds an account-wide policy naming users by their `email` claim. */
  usersPolicy() {
    return this.addPolicy({ client_id: null, subject_claim: 'email' });
  }

  /** A user's JWT the account-wide policy of `usersPolicy()` accepts. */
  userJwt(email, claims = {}) {
    return this.mint({ sub: `user-${email}`, aud: [this.accountId], alg: 'ES256', extra_claims: { email }, ...claims });
  }

  /** A workload-identity credential for the workspace, without retries unless asked. */
  credential(source, options = {}) {
    return new Credential({
      host: this.url,
      clientId: SP_CLIENT_ID,
      audience: AUDIENCE,
      retry: { maxAttempts: 1 },
      source,
      ...options,
    });
  }
}
