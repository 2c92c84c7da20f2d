//! Entra access tokens: minted as JWTs by the testkit IdP's keys with Entra's claims (`tid`,
//! `oid`, `upn`, `appid`/`azp`, `idtyp`, `ver`), and recognised again by the protected API.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{AZURE_DATABRICKS_RESOURCE_ID, EntraUserToken, authority, v1_issuer, v2_issuer};
use crate::idp::{self, MintRequest};
use crate::state::Shared;

/// The token format (and issuer) of an Entra endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// `/oauth2/token`, `resource=`; issuer `{authority}/{tenant}/`.
    V1,
    /// `/oauth2/v2.0/token`, `scope=`; issuer `{authority}/{tenant}/v2.0`.
    V2,
}

/// Who a token is issued to.
pub(crate) enum Principal<'a> {
    /// An application (service principal or managed identity) acting as itself.
    App { client_id: &'a str },
    /// A user, through an application acting on the user's behalf.
    User {
        upn: &'a str,
        oid: &'a str,
        client_id: &'a str,
        scope: &'a str,
    },
}

/// A signed Entra access token and its lifetime.
pub(crate) struct Issued {
    pub jwt: String,
    pub lifetime: Duration,
}

/// Issues a token for `resource` to `principal` in `tenant`, living the testkit's token lifetime.
pub(crate) fn issue(
    shared: &Shared,
    tenant: &str,
    version: Version,
    resource: &str,
    principal: Principal<'_>,
) -> Result<Issued, String> {
    let lifetime = shared.lock().settings.token_lifetime;
    let issuer = match version {
        Version::V1 => v1_issuer(shared, tenant),
        Version::V2 => v2_issuer(shared, tenant),
    };
    let mut claims = Map::new();
    claims.insert("tid".into(), json!(tenant));
    claims.insert(
        "ver".into(),
        json!(if version == Version::V1 { "1.0" } else { "2.0" }),
    );
    let client_claim = if version == Version::V1 {
        "appid"
    } else {
        "azp"
    };
    let subject = match principal {
        Principal::App { client_id } => {
            let oid = object_id(client_id);
            claims.insert("oid".into(), json!(oid));
            claims.insert(client_claim.into(), json!(client_id));
            claims.insert("idtyp".into(), json!("app"));
            oid
        }
        Principal::User {
            upn,
            oid,
            client_id,
            scope,
        } => {
            claims.insert("oid".into(), json!(oid));
            claims.insert("upn".into(), json!(upn));
            claims.insert(client_claim.into(), json!(client_id));
            claims.insert("scp".into(), json!(scope));
            claims.insert("idtyp".into(), json!("user"));
            oid.to_owned()
        }
    };
    let jwt = idp::mint(
        shared,
        &MintRequest {
            sub: subject,
            aud: vec![resource.to_owned()],
            iss: Some(issuer),
            lifetime: Some(lifetime),
            extra_claims: claims,
            ..MintRequest::default()
        },
    )?;
    Ok(Issued { jwt, lifetime })
}

/// Mints the Entra token a signed-in user's front end would send to its API.
pub(crate) fn mint_user_token(shared: &Shared, request: &EntraUserToken) -> Result<String, String> {
    let lifetime = request
        .lifetime
        .unwrap_or_else(|| shared.lock().settings.token_lifetime);
    let oid = request
        .oid
        .clone()
        .unwrap_or_else(|| object_id(&request.upn));
    let mut claims = Map::new();
    claims.insert("tid".into(), json!(request.tenant));
    claims.insert("ver".into(), json!("2.0"));
    claims.insert("oid".into(), json!(oid));
    claims.insert("upn".into(), json!(request.upn));
    claims.insert("azp".into(), json!("testkit-front-end"));
    claims.insert("scp".into(), json!("access_as_user"));
    claims.insert("idtyp".into(), json!("user"));
    idp::mint(
        shared,
        &MintRequest {
            sub: oid,
            aud: vec![request.audience.clone()],
            iss: Some(v2_issuer(shared, &request.tenant)),
            lifetime: Some(lifetime),
            expired: request.expired,
            extra_claims: claims,
            ..MintRequest::default()
        },
    )
}

/// The protected API's view of a bearer token that is not a Databricks token: the user name
/// of a valid Entra token for Azure Databricks (`upn`, or `sp:<client id>` for applications).
pub(crate) fn principal_of(shared: &Shared, token: &str, now: i64) -> Result<String, &'static str> {
    let claims = idp::verify_signature(shared.keys, token).map_err(|_| "Invalid access token")?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let entra_prefix = format!("{}/", authority(shared));
    if !text("iss").is_some_and(|iss| iss.starts_with(&entra_prefix)) {
        return Err("Invalid access token");
    }
    if text("aud") != Some(AZURE_DATABRICKS_RESOURCE_ID) {
        return Err("Entra token audience is not the Azure Databricks resource");
    }
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_none_or(|exp| exp <= now)
    {
        return Err("Access token expired");
    }
    if let Some(upn) = text("upn") {
        return Ok(upn.to_owned());
    }
    text("appid")
        .or_else(|| text("azp"))
        .map(|client_id| format!("sp:{client_id}"))
        .ok_or("Entra token names neither a user nor an application")
}

/// A stable object id for a name, in UUID form (FNV-1a of the name, twice).
pub(crate) fn object_id(name: &str) -> String {
    let fnv = |seed: u64| {
        name.bytes().fold(seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    uuid_form(u128::from(fnv(0xcbf2_9ce4_8422_2325)) << 64 | u128::from(fnv(0x8422_2325_cbf2_9ce4)))
}

/// `value` in the 8-4-4-4-12 hex form of a UUID.
pub(crate) fn uuid_form(value: u128) -> String {
    let hex = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
