//! JWT claims and `dbfed::diagnose`: the input is either a whole JWT (text with a dot) or the
//! JSON claims of one (any bytes), put into an unsigned JWT. Every reading of the result is
//! exercised: the claims, each mismatch's Display, `at`, `expected`, `actual`.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use dbfed::{FederationPolicy, SubjectToken, diagnose};
use libfuzzer_sys::fuzz_target;

/// 9999-12-31T23:59:59Z, the latest time dbfed represents.
const FAR_FUTURE: u64 = 253_402_300_799;
/// `{"alg":"RS256","typ":"JWT","kid":"k"}`, base64url.
const HEADER: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let jwt = if text.contains('.') {
        text.into_owned()
    } else {
        format!("{HEADER}.{}.c2lnbmF0dXJl", URL_SAFE_NO_PAD.encode(data))
    };
    let policies = [
        FederationPolicy::new("https://idp.example.com")
            .audiences(["https://github.com/acme"])
            .subject("repo:acme/pipelines:environment:prod"),
        FederationPolicy::new("https://token.actions.githubusercontent.com").subject_claim("email"),
    ];
    for (policy, account_id) in policies.iter().zip([None, Some("0b3b3c3e-1111-4222")]) {
        for mismatch in diagnose(&jwt, policy, account_id) {
            let _ = mismatch.to_string();
            let _ = (mismatch.at(), mismatch.expected(), mismatch.actual());
            let _ = (
                mismatch.kind_name(),
                mismatch.claim(),
                mismatch.token_endpoint_trap(),
            );
        }
    }
    let token = SubjectToken::new(&jwt);
    if let Some(claims) = token.claims() {
        // Times from outside are held to 0 ..= 9999-12-31T23:59:59Z.
        for time in [claims.exp, claims.nbf].into_iter().flatten() {
            assert!(time <= FAR_FUTURE, "a claim time past 9999: {time}");
        }
        let _ = claims.expires_at();
        let _ = format!("{claims:?}");
    }
    let _ = format!("{token:?}");
});
