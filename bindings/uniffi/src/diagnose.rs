//! Why a JWT would be refused: `FederationPolicy`, the free function `diagnose` and the
//! conversion of the core's mismatches into `Mismatch` records.

use std::time::SystemTime;

use crate::error::DbfedError;

/// The OIDC part of a Databricks federation policy, as an admin configured it: the required
/// `issuer`, the accepted `audiences` (none: the Databricks account id), the required `subject`
/// (service-principal policies; null for account-wide ones) and the claim holding the subject
/// (`subjectClaim`, default `sub`).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct FederationPolicy {
    /// The required `iss`.
    pub issuer: String,
    /// The accepted audiences; empty means the Databricks account id.
    #[uniffi(default)]
    pub audiences: Vec<String>,
    /// The required subject; null for an account-wide policy.
    #[uniffi(default)]
    pub subject: Option<String>,
    /// The claim holding the subject; null means `sub`.
    #[uniffi(default)]
    pub subject_claim: Option<String>,
}

impl FederationPolicy {
    /// The core's policy.
    pub(crate) fn to_core(&self) -> dbfed::FederationPolicy {
        let mut core = dbfed::FederationPolicy::new(self.issuer.clone())
            .audiences(self.audiences.iter().cloned());
        if let Some(subject) = &self.subject {
            core = core.subject(subject.clone());
        }
        if let Some(claim) = &self.subject_claim {
            core = core.subject_claim(claim.clone());
        }
        core
    }
}

/// The kinds of reason a federation policy refuses a JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MismatchKind {
    /// The text is not a JWT at all.
    NotAJwt,
    /// Signed with an algorithm Databricks does not accept (only RS256 and ES256).
    UnsupportedAlgorithm,
    /// `iss` differs from the policy's issuer.
    WrongIssuer,
    /// None of the JWT's audiences is one the policy accepts.
    AudienceNotAccepted,
    /// The subject claim differs from the policy's subject, or is missing.
    WrongSubject,
    /// An account-wide policy's subject claim (the user name) is missing.
    MissingSubjectClaim,
    /// The JWT has expired.
    Expired,
    /// The JWT's `nbf` lies in the future.
    NotYetValid,
}

/// One reason a federation policy would refuse a JWT: its `kind`, the reason in words
/// (`message`), and the claim concerned with the JWT's and the policy's values. Never holds the
/// JWT itself.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Mismatch {
    /// Which kind of reason.
    pub kind: MismatchKind,
    /// The reason in words, with what to do about it where that is known.
    pub message: String,
    /// The claim concerned (`iss`, `aud`, the subject claim, `exp`, `nbf`; the header's `alg`
    /// for an unsupported algorithm); null for a text that is not a JWT.
    #[uniffi(default)]
    pub claim: Option<String>,
    /// The JWT's values of `claim` (empty when it has none).
    #[uniffi(default)]
    pub actual: Vec<String>,
    /// What the policy accepts there (empty when it names nothing, as for a missing claim).
    #[uniffi(default)]
    pub expected: Vec<String>,
    /// For an audience not accepted: the JWT was requested for a Databricks token endpoint URL
    /// (the SDKs' last-resort audience) while the policy expects something else, usually the
    /// account id.
    #[uniffi(default = false)]
    pub token_endpoint_trap: bool,
    /// For `EXPIRED` and `NOT_YET_VALID`: the JWT's `exp` or `nbf`.
    #[uniffi(default)]
    pub at: Option<SystemTime>,
}

impl TryFrom<&dbfed::Mismatch> for Mismatch {
    type Error = DbfedError;

    fn try_from(mismatch: &dbfed::Mismatch) -> Result<Self, DbfedError> {
        let kind = match mismatch.kind_name() {
            "not_a_jwt" => MismatchKind::NotAJwt,
            "unsupported_algorithm" => MismatchKind::UnsupportedAlgorithm,
            "wrong_issuer" => MismatchKind::WrongIssuer,
            "audience_not_accepted" => MismatchKind::AudienceNotAccepted,
            "wrong_subject" => MismatchKind::WrongSubject,
            "missing_subject_claim" => MismatchKind::MissingSubjectClaim,
            "expired" => MismatchKind::Expired,
            "not_yet_valid" => MismatchKind::NotYetValid,
            _ => {
                return Err(DbfedError::Internal {
                    reason: format!(
                        "a mismatch this version of the JVM package does not know: {mismatch}"
                    ),
                });
            }
        };
        Ok(Mismatch {
            kind,
            message: mismatch.to_string(),
            claim: mismatch.claim().map(str::to_owned),
            actual: mismatch.actual(),
            expected: mismatch.expected(),
            token_endpoint_trap: mismatch.token_endpoint_trap(),
            at: mismatch.at(),
        })
    }
}

/// The core's mismatches as records.
pub(crate) fn mismatches(found: &[dbfed::Mismatch]) -> Result<Vec<Mismatch>, DbfedError> {
    found.iter().map(Mismatch::try_from).collect()
}

/// Every reason Databricks would refuse `jwt` under `policy`; an empty list means it would match
/// (if its signature verifies). The JWT is decoded, not verified; `accountId` stands for the
/// audiences of a policy that lists none. Nothing is sent anywhere.
#[uniffi::export(default(account_id = None))]
pub fn diagnose(
    jwt: String,
    policy: FederationPolicy,
    account_id: Option<String>,
) -> Result<Vec<Mismatch>, DbfedError> {
    crate::panics::guard(|| {
        mismatches(&dbfed::diagnose(
            &jwt,
            &policy.to_core(),
            account_id.as_deref(),
        ))
    })
}
