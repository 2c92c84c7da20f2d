//! The fake identity provider under `/idp`: signing keys, JWKS, OpenID discovery, minting JWTs,
//! and verifying the signature of a JWT presented to the token endpoint.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock;
use crate::duration_serde;
use crate::state::Shared;

/// Lifetime of a minted JWT when `MintRequest::lifetime` is not set.
const DEFAULT_MINT_LIFETIME: Duration = Duration::from_secs(3600);
/// How far in the past `exp` lies for `MintRequest { expired: true, .. }`; well beyond any leeway.
const EXPIRED_AGO_SECS: i64 = 60;

/// The JWS algorithm a minted token is signed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 and the IdP's RSA-2048 key.
    #[default]
    #[serde(rename = "RS256")]
    Rs256,
    /// ECDSA with SHA-256 and the IdP's P-256 key.
    #[serde(rename = "ES256")]
    Es256,
}

/// What to put in a JWT minted by the fake IdP (`Testkit::mint`, `POST /_testkit/mint`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MintRequest {
    /// `sub` claim; an empty string leaves the claim out.
    pub sub: String,
    /// `aud` claim: none leaves it out, one is a string claim, more are an array.
    pub aud: Vec<String>,
    /// `iss` claim; defaults to the testkit's issuer (`{url}/idp`).
    pub iss: Option<String>,
    /// Time from `iat` to `exp` (`lifetime_secs` in JSON); default one hour.
    #[serde(rename = "lifetime_secs", with = "duration_serde::opt_secs")]
    pub lifetime: Option<Duration>,
    /// Put `exp` a minute in the past.
    pub expired: bool,
    /// Put `nbf` this far after `iat` (`not_before_in_secs` in JSON); default `nbf = iat`.
    #[serde(rename = "not_before_in_secs", with = "duration_serde::opt_secs")]
    pub not_before_in: Option<Duration>,
    /// Signing algorithm (`"RS256"` or `"ES256"` in JSON).
    pub alg: Alg,
    /// Claims added last; they override the standard ones of the same name.
    pub extra_claims: Map<String, Value>,
}

/// One signing key with its public JWK.
struct SigningKey {
    algorithm: Algorithm,
    kid: String,
    private_pem: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl SigningKey {
    fn new(algorithm: Algorithm, private_pem: String) -> Self {
        let encoding = match algorithm {
            Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
            _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
        }
        .expect("a freshly generated key loads from its PEM");
        let mut jwk = Jwk::from_encoding_key(&encoding, algorithm)
            .expect("a freshly generated key converts to a JWK");
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let kid = jwk
            .thumbprint(ThumbprintHash::SHA256)
            .expect("a freshly generated key has a JWK thumbprint");
        jwk.common.key_id = Some(kid.clone());
        let decoding = DecodingKey::from_jwk(&jwk).expect("a generated JWK is a valid public key");
        SigningKey {
            algorithm,
            kid,
            private_pem,
            encoding,
            decoding,
            jwk,
        }
    }
}

/// The IdP's key pairs: one RSA-2048 (RS256) and one P-256 (ES256). Each `kid` is the key's
/// RFC 7638 SHA-256 thumbprint.
pub(crate) struct SigningKeys {
    rsa: SigningKey,
    ec: SigningKey,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("rsa_kid", &self.rsa.kid)
            .field("ec_kid", &self.ec.kid)
            .finish()
    }
}

impl SigningKeys {
    /// The process-wide keys, generated on first use. RSA key generation takes a noticeable
    /// fraction of a second, so every testkit in a process shares one set.
    pub(crate) fn process_wide() -> &'static SigningKeys {
        static KEYS: OnceLock<SigningKeys> = OnceLock::new();
        KEYS.get_or_init(SigningKeys::generate)
    }

    fn generate() -> SigningKeys {
        let rsa = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA-2048 key generation");
        let rsa_pkcs8 = rsa.as_der().expect("RSA key serializes to PKCS#8");
        let rsa_pem = pem("PRIVATE KEY", rsa_pkcs8.as_ref());

        let ec =
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key generation");
        let ec_pkcs8 = ec.to_pkcs8v1().expect("P-256 key serializes to PKCS#8");
        let ec_pem = pem("PRIVATE KEY", ec_pkcs8.as_ref());

        SigningKeys {
            rsa: SigningKey::new(Algorithm::RS256, rsa_pem),
            ec: SigningKey::new(Algorithm::ES256, ec_pem),
        }
    }

    fn all(&self) -> [&SigningKey; 2] {
        [&self.rsa, &self.ec]
    }

    fn for_alg(&self, alg: Alg) -> &SigningKey {
        match alg {
            Alg::Rs256 => &self.rsa,
            Alg::Es256 => &self.ec,
        }
    }

    /// The private key for `alg`, PKCS#8 PEM.
    pub(crate) fn private_key_pem(&self, alg: Alg) -> &str {
        &self.for_alg(alg).private_pem
    }

    /// The public keys as a JWKS document.
    fn jwks(&self) -> Value {
        json!({ "keys": self.all().map(|key| &key.jwk) })
    }
}

/// PEM-armours DER bytes.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|line| std::str::from_utf8(line).ok())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Signs a JWT as described by `request`.
pub(crate) fn mint(shared: &Shared, request: &MintRequest) -> Result<String, String> {
    let now = clock::now_secs();
    let lifetime = whole_secs(request.lifetime.unwrap_or(DEFAULT_MINT_LIFETIME));
    let expires_at = if request.expired {
        now - EXPIRED_AGO_SECS
    } else {
        now + lifetime
    };
    let issued_at = expires_at - lifetime;
    let not_before = issued_at + request.not_before_in.map_or(0, whole_secs);

    let mut claims = Map::new();
    let issuer = request.iss.clone().unwrap_or_else(|| shared.issuer());
    claims.insert("iss".into(), Value::String(issuer));
    if !request.sub.is_empty() {
        claims.insert("sub".into(), Value::String(request.sub.clone()));
    }
    match request.aud.as_slice() {
        [] => {}
        [single] => {
            claims.insert("aud".into(), Value::String(single.clone()));
        }
        many => {
            claims.insert("aud".into(), json!(many));
        }
    }
    claims.insert("iat".into(), json!(issued_at));
    claims.insert("nbf".into(), json!(not_before));
    claims.insert("exp".into(), json!(expires_at));
    claims.insert("jti".into(), json!(format!("{:032x}", fastrand::u128(..))));
    claims.extend(request.extra_claims.clone());

    let key = shared.keys.for_alg(request.alg);
    let mut header = Header::new(key.algorithm);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &key.encoding).map_err(|error| error.to_string())
}

fn whole_secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 2)
}

/// The part of a JWT header the token endpoint looks at before verifying.
#[derive(Deserialize)]
struct UnverifiedHeader {
    alg: Option<String>,
    kid: Option<String>,
}

/// Verifies the JWT's algorithm and signature against the IdP's keys and returns its claims.
/// `exp`/`nbf` are left to the caller so it can explain them. Errors are descriptions for an
/// `invalid_grant` response and never contain the token.
pub(crate) fn verify_signature(
    keys: &SigningKeys,
    jwt: &str,
) -> Result<Map<String, Value>, String> {
    let mut parts = jwt.split('.');
    let (Some(header_b64), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("Subject token is not a JWT (expected three dot-separated parts)".into());
    };
    let header: UnverifiedHeader = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("Subject token header is not base64url-encoded JSON")?;

    let alg = header.alg.unwrap_or_default();
    let algorithm = match alg.as_str() {
        "RS256" => Algorithm::RS256,
        "ES256" => Algorithm::ES256,
        other => {
            return Err(format!(
                "Token signing algorithm '{other}' is not supported (use RS256 or ES256)"
            ));
        }
    };
    let key = keys
        .all()
        .into_iter()
        .find(|key| {
            key.algorithm == algorithm && header.kid.as_ref().is_none_or(|kid| *kid == key.kid)
        })
        .ok_or_else(|| {
            format!(
                "Token key id '{}' is not an {alg} key in the issuer's JWKS",
                header.kid.as_deref().unwrap_or_default()
            )
        })?;

    let mut validation = Validation::new(algorithm);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<Map<String, Value>>(jwt, &key.decoding, &validation) {
        Ok(data) => Ok(data.claims),
        Err(error) if matches!(error.kind(), ErrorKind::InvalidSignature) => {
            Err("Token signature is invalid".into())
        }
        Err(error) => Err(format!("Token could not be decoded: {error}")),
    }
}

/// Routes under `/idp`.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/idp/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/idp/jwks", get(jwks))
}

async fn openid_configuration(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let issuer = shared.issuer();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "token_endpoint": format!("{issuer}/token"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.keys.jwks())
}
