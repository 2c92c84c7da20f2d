'use strict';
// Diagnosis: `diagnose(jwt, policy, accountId)` and `Mismatch`, one reason a federation policy
// would refuse a JWT, made from the plain objects of the native addon
// (bindings/node/src/diagnosis.rs). The JWT is decoded, never verified, and never shown.

const native = require('./native.js');
const { lift } = require('./errors.js');

/** One reason a federation policy would refuse a JWT; `String(mismatch)` is its message. */
class Mismatch {
  /**
   * @param {object} fields `kind`, `message`, and optionally `claim`, `actual`, `expected`,
   *   `tokenEndpointTrap`, `at`
   */
  constructor({ kind, message, claim = null, actual = [], expected = [], tokenEndpointTrap = false, at = null }) {
    /** `not_a_jwt`, `unsupported_algorithm`, `wrong_issuer`, `audience_not_accepted`, … */
    this.kind = kind;
    /** The reason in words, with what to do about it where that is known. */
    this.message = message;
    /** The claim concerned (the header's `alg` for an unsupported algorithm), or null. */
    this.claim = claim;
    /** The JWT's values of `claim`. */
    this.actual = Object.freeze([...actual]);
    /** What the policy accepts there. */
    this.expected = Object.freeze([...expected]);
    /** For an audience not accepted: the JWT was requested for a token endpoint URL. */
    this.tokenEndpointTrap = tokenEndpointTrap;
    /** For `expired` and `not_yet_valid`: the JWT's `exp` or `nbf`, else null. */
    this.at = at;
    Object.freeze(this);
  }

  toString() {
    return this.message;
  }
}

/** The `Mismatch` of a plain object of the native addon. */
function mismatch(found) {
  return new Mismatch({ ...found, at: found.atMs == null ? null : new Date(found.atMs) });
}

/** The native addon's view of a policy, or a TypeError for something that is not one. */
function checked(policy) {
  if (policy === null || typeof policy !== 'object') {
    throw new TypeError('a federation policy is an object: { issuer, audiences?, subject?, subjectClaim? }');
  }
  return policy;
}

/**
 * Every reason Databricks would refuse `jwt` under `policy` (empty: it would match, if its
 * signature verifies). `accountId` stands for the audiences of a policy that lists none.
 * @param {string} jwt
 * @param {object} policy `{ issuer, audiences?, subject?, subjectClaim? }`
 * @param {string} [accountId]
 * @returns {Mismatch[]}
 */
function diagnose(jwt, policy, accountId) {
  try {
    return native.diagnose(jwt, checked(policy), accountId ?? undefined).map(mismatch);
  } catch (error) {
    throw lift(error);
  }
}

module.exports = { Mismatch, checked, diagnose, mismatch };
