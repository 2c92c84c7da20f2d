//! Why a JWT would be refused: the federation policy given as a JavaScript object, `diagnose`,
//! and the core's mismatches as plain objects, which `node/lib/diagnosis.js` turns into
//! `Mismatch` instances.

use dbfed::Mismatch as CoreMismatch;
use napi::Env;
use napi_derive::napi;

use crate::panics;

/// The OIDC part of a Databricks federation policy, as an admin configured it.
#[napi(object)]
pub struct FederationPolicy {
    /// The required `iss`.
    pub issuer: String,
    /// The accepted audiences; none (or empty) means the Databricks account id.
    pub audiences: Option<Vec<String>>,
    /// The required subject (service-principal policies); none for account-wide ones.
    pub subject: Option<String>,
    /// The claim holding the subject (default `sub`).
    pub subject_claim: Option<String>,
}

impl FederationPolicy {
    /// The core's policy.
    pub(crate) fn into_core(self) -> dbfed::FederationPolicy {
        let mut policy =
            dbfed::FederationPolicy::new(self.issuer).audiences(self.audiences.unwrap_or_default());
        if let Some(subject) = self.subject {
            policy = policy.subject(subject);
        }
        if let Some(claim) = self.subject_claim {
            policy = policy.subject_claim(claim);
        }
        policy
    }
}

/// One reason a federation policy would refuse a JWT.
#[napi(object)]
pub struct Mismatch {
    /// `not_a_jwt`, `unsupported_algorithm`, `wrong_issuer`, `audience_not_accepted`,
    /// `wrong_subject`, `missing_subject_claim`, `expired` or `not_yet_valid`.
    pub kind: String,
    /// The reason in words.
    pub message: String,
    /// The claim concerned (the header's `alg` for an unsupported algorithm); none for a text
    /// that is not a JWT.
    pub claim: Option<String>,
    /// The JWT's values of the claim.
    pub actual: Vec<String>,
    /// What the policy accepts there.
    pub expected: Vec<String>,
    /// For an audience not accepted: the JWT was requested for a token endpoint URL.
    pub token_endpoint_trap: bool,
    /// For `expired` and `not_yet_valid`: the JWT's `exp` or `nbf`, in milliseconds since the epoch.
    pub at_ms: Option<f64>,
}

impl Mismatch {
    /// The plain object of a core mismatch.
    fn from_core(mismatch: &CoreMismatch) -> Self {
        Mismatch {
            kind: mismatch.kind_name().to_owned(),
            message: mismatch.to_string(),
            claim: mismatch.claim().map(str::to_owned),
            actual: mismatch.actual(),
            expected: mismatch.expected(),
            token_endpoint_trap: mismatch.token_endpoint_trap(),
            at_ms: mismatch.at().map(epoch_ms),
        }
    }
}

/// Milliseconds since the epoch (negative before it).
fn epoch_ms(at: std::time::SystemTime) -> f64 {
    match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => after.as_secs_f64() * 1000.0,
        Err(before) => -before.duration().as_secs_f64() * 1000.0,
    }
}

/// The core's mismatches as [`Mismatch`] objects (converted where the caller's guard is).
pub(crate) fn mismatches(found: &[CoreMismatch]) -> Vec<Mismatch> {
    found.iter().map(Mismatch::from_core).collect()
}

/// Every reason Databricks would refuse `jwt` under `policy` (empty: it would match, if its
/// signature verifies). The JWT is decoded, not verified; `accountId` stands for the audiences
/// of a policy that lists none. Nothing is sent anywhere.
#[napi(catch_unwind, ts_return_type = "Array<Mismatch>")]
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "napi registers its functions outside of test builds only"
    )
)]
pub fn diagnose(
    env: Env,
    jwt: String,
    policy: FederationPolicy,
    account_id: Option<String>,
) -> napi::Result<Vec<Mismatch>> {
    panics::guard(&env, || {
        let found = dbfed::diagnose(&jwt, &policy.into_core(), account_id.as_deref());
        Ok(mismatches(&found))
    })
}
