'use strict';
// UserExchanger: Databricks tokens acting as the signed-in users of a service, each exchanged
// for the user's own JWT (account-wide token federation) and cached per user by the Rust core.

const { inspect } = require('node:util');
const native = require('./native.js');
const { lift } = require('./errors.js');
const { render } = require('./shown.js');

/**
 * Tokens for the signed-in users of a service from a native per-user cache: the base of
 * `UserExchanger` and `AzureOnBehalfOf` (not exported). Users' JWTs are never shown.
 */
class UserTokens {
  #native;

  /** @param {() => object} make builds the native per-user cache */
  constructor(make) {
    try {
      this.#native = make();
    } catch (error) {
      throw lift(error);
    }
  }

  /**
   * A token acting as the user whose JWT is `jwt`: from the cache, or after one exchange shared
   * by every caller waiting for that user.
   * @param {string} jwt
   * @returns {Promise<AccessToken>}
   */
  async tokenFor(jwt) {
    try {
      return this.#native.cachedTokenFor(jwt) ?? (await this.#native.tokenFor(jwt));
    } catch (error) {
      throw lift(error);
    }
  }

  /**
   * The user's cached token if it can be had without waiting (no I/O), else null.
   * @param {string} jwt
   * @returns {AccessToken | null}
   */
  cachedTokenFor(jwt) {
    try {
      return this.#native.cachedTokenFor(jwt);
    } catch (error) {
      throw lift(error);
    }
  }

  /**
   * `{ Authorization: 'Bearer <token>' }` for a request made as the user whose JWT is `jwt`.
   * @param {string} jwt
   * @returns {Promise<{ Authorization: string }>}
   */
  async headersFor(jwt) {
    const token = await this.tokenFor(jwt);
    return { Authorization: token.authorizationHeader() };
  }

  /**
   * Forgets the user's `token` if it is still the cached one (call it after an API answered 401
   * to it); returns whether it did.
   */
  invalidateTokenFor(jwt, token) {
    try {
      return this.#native.invalidateTokenFor(jwt, token);
    } catch (error) {
      throw lift(error);
    }
  }

  /** Counters of cached users, hits, misses, exchanges, failures, evictions and refusals. */
  stats() {
    return this.#native.stats();
  }

  [inspect.custom](depth, options, inspectValue) {
    return render(this.#native.describe(), options, inspectValue);
  }
}

/**
 * Databricks tokens for the users of your service: each user's JWT exchanged for a token that
 * acts as that user, cached per user (keyed by the JWT's SHA-256, never the JWT), at most
 * `maxUsers` (default 10,000), the least recently used evicted first. A JWT that is not a JWT,
 * has expired, or comes from an issuer or for an audience not expected is refused with a
 * `SourceError` without a request. Throws a `ConfigError` for a bad configuration.
 */
class UserExchanger extends UserTokens {
  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('new UserExchanger(options) takes an options object');
    }
    super(() => native.UserTokens.exchanger(options, options, options));
  }
}

module.exports = { UserExchanger, UserTokens };
