'use strict';
// Credential: Databricks tokens for one workspace or account, exchanged for the JWTs of one
// source, cached and refreshed ahead of expiry by the Rust core.

const { inspect } = require('node:util');
const native = require('./native.js');
const { checked, mismatch } = require('./diagnosis.js');
const { lift } = require('./errors.js');
const { authorizationHeaders } = require('./header.js');
const { render } = require('./shown.js');
const { NATIVE, sources } = require('./sources.js');

/** The constructor's option for a native credential made elsewhere (`fromEnv`, Azure). */
const ADOPT = Symbol('dbfed.adopt');

/**
 * Databricks tokens for one workspace or account, exchanged for the JWTs of `options.source`,
 * cached and refreshed ahead of expiry; one exchange however many callers ask at once. Throws
 * a `ConfigError` if the configuration is incomplete or unsafe; no request is made before the
 * first token is asked for.
 */
class Credential {
  #native;
  /** The last token handed out, returned again while it is the cached one (no new object). */
  #last = null;
  /** Until when (`performance.now()`) `#last` is handed out without asking the core. */
  #freshUntil = 0;
  /** Cache hits served here without asking the core (added to `stats()`). */
  #hits = 0;
  /** The `Authorization` value of a token, made once per token. */
  #headerOf = authorizationHeaders();

  constructor(options) {
    if (options?.[ADOPT]) {
      this.#native = options[ADOPT];
      return;
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new Credential(options) takes an options object');
    }
    if (!(options.source instanceof sources.Source)) {
      throw new TypeError('options.source must be a source of dbfed.sources');
    }
    try {
      this.#native = new native.Credential(options.source[NATIVE], options, options);
    } catch (error) {
      throw lift(error);
    }
  }

  /**
   * A credential configured from the Databricks environment variables, as the Databricks SDKs
   * read them (`DATABRICKS_HOST`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_AUTH_TYPE`, …). When no
   * source fits, the `ConfigError` lists every one tried and why it was skipped.
   * @param {object} [options] `connectTimeoutMs`, `requestTimeoutMs`, `caBundle`, `retry`
   */
  static fromEnv(options = {}) {
    let nativeCredential;
    try {
      nativeCredential = native.Credential.fromEnv(options);
    } catch (error) {
      throw lift(error);
    }
    return new Credential({ [ADOPT]: nativeCredential });
  }

  /**
   * A valid token: from the cache (a lock-free read, no I/O), or after one exchange shared by
   * every caller waiting for it.
   * @returns {Promise<AccessToken>}
   */
  async token() {
    return this.cachedToken() ?? this.#fetched();
  }

  /** `{ Authorization: 'Bearer <token>' }` for a request. */
  async headers() {
    return { Authorization: this.#headerOf(await this.token()) };
  }

  /**
   * The cached token if it can be had without waiting (a lock-free read, no I/O), else null:
   * then `await token()`. For a request path that should not pay an `await` when the token is
   * cached, as the integrations do.
   * @returns {AccessToken | null}
   */
  cachedToken() {
    const last = this.#last;
    if (last !== null && performance.now() < this.#freshUntil) {
      this.#hits += 1;
      return last;
    }
    const token = last !== null && this.#native.isCached(last) ? last : this.#native.cachedToken();
    if (token !== null) {
      this.#last = token;
      this.#freshUntil = performance.now() + this.#native.freshForMs(token);
    }
    return token;
  }

  /** `{ Authorization: 'Bearer <token>' }` of the cached token, or null (as `cachedToken()`). */
  cachedHeaders() {
    const token = this.cachedToken();
    return token === null ? null : { Authorization: this.#headerOf(token) };
  }

  /** A token after an exchange shared by every caller waiting (none is cached). */
  async #fetched() {
    let token;
    try {
      token = await this.#native.token();
    } catch (error) {
      throw lift(error);
    }
    this.#last = token;
    this.#freshUntil = performance.now() + this.#native.freshForMs(token);
    return token;
  }

  /** Forgets the cached token, so the next call exchanges anew. */
  invalidate() {
    this.#freshUntil = 0;
    this.#native.invalidate();
  }

  /**
   * Forgets `token` if it is still the cached one (call it after an API answered 401 to it);
   * many callers reporting the same token cause a single refresh. Returns whether it did.
   */
  invalidateToken(token) {
    this.#freshUntil = 0;
    try {
      return this.#native.invalidateToken(token);
    } catch (error) {
      throw lift(error);
    }
  }

  /** Counters of exchanges, cache hits, background refreshes, failures and stale serves. */
  stats() {
    const stats = this.#native.stats();
    stats.cacheHits += this.#hits;
    return stats;
  }

  /**
   * The token endpoint and the audience, and how each was found (discovered on first use, then
   * remembered; token federation only).
   * @returns {Promise<object>} `{ tokenEndpoint, tokenEndpointOrigin, audience, audienceOrigin }`
   */
  async endpoints() {
    try {
      return await this.#native.endpoints();
    } catch (error) {
      throw lift(error);
    }
  }

  /**
   * Every reason `policy` would refuse this credential's JWTs: a JWT from the source, for the
   * credential's audience, compared with the policy (the account id, when configured, stands for
   * a policy without audiences). Nothing is exchanged.
   * @param {object} policy `{ issuer, audiences?, subject?, subjectClaim? }`
   * @returns {Promise<Mismatch[]>}
   */
  async diagnose(policy) {
    try {
      return (await this.#native.diagnose(checked(policy))).map(mismatch);
    } catch (error) {
      throw lift(error);
    }
  }

  /** The name of the source the JWTs come from (`github-actions`, `env`, …). */
  get sourceName() {
    return this.#native.sourceName;
  }

  /**
   * The workspace URL, or the account host, the tokens are for (`https://…`, no path), as
   * configured or found in the environment; null when the credential names none (Azure).
   */
  get host() {
    return this.#native.host;
  }

  /** The Databricks account id, when configured, else null. */
  get accountId() {
    return this.#native.accountId;
  }

  [inspect.custom](depth, options, inspectValue) {
    return render(this.#native.describe(), options, inspectValue);
  }
}

module.exports = { ADOPT, Credential };
