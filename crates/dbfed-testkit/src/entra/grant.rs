//! The tenant token endpoints: client authentication (secret in the form or HTTP Basic, or a
//! federated client assertion), then the client-credentials or on-behalf-of grant.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::error::EntraError;
use super::tokens::{self, Principal, Version};
use super::{DEFAULT_FEDERATED_AUDIENCE, EntraApp, RecordedEntraRequest, v1_issuer, v2_issuer};
use crate::clock;
use crate::exchange::is_form_content_type;
use crate::idp;
use crate::state::Shared;

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// `POST /entra/{tenant}/oauth2/token`: the v1 endpoint (`resource=`, string numbers).
pub(crate) async fn v1_token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Extension(request): Extension<RecordedEntraRequest>,
) -> Response {
    respond(grant(&shared, &tenant, Version::V1, &request, &headers))
}

/// `POST /entra/{tenant}/oauth2/v2.0/token`: the v2 endpoint (`scope=`).
pub(crate) async fn v2_token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    Extension(request): Extension<RecordedEntraRequest>,
) -> Response {
    respond(grant(&shared, &tenant, Version::V2, &request, &headers))
}

fn respond(outcome: Result<Value, EntraError>) -> Response {
    match outcome {
        Ok(body) => Json(body).into_response(),
        Err(error) => {
            tracing::debug!(?error, "dbfed-testkit: Entra token request refused");
            error.into_response()
        }
    }
}

/// The form of a token request, read one parameter at a time.
struct Form<'a>(&'a [(String, String)]);

impl Form<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, EntraError> {
        self.get(name).ok_or_else(|| EntraError::missing(name))
    }
}

fn grant(
    shared: &Shared,
    tenant: &str,
    version: Version,
    request: &RecordedEntraRequest,
    headers: &HeaderMap,
) -> Result<Value, EntraError> {
    if !request
        .content_type
        .as_deref()
        .is_some_and(is_form_content_type)
    {
        return Err(EntraError::bad_request(
            "invalid_request",
            900_144,
            "The request body must be application/x-www-form-urlencoded.",
        ));
    }
    let form = Form(&request.form);
    let grant_type = form.require("grant_type")?;
    let app = authenticate(shared, tenant, &form, headers)?;
    let (resource, scope, principal_user) = match grant_type {
        "client_credentials" => {
            let (resource, scope) = requested_resource(version, &form, true)?;
            (resource, scope, None)
        }
        JWT_BEARER_GRANT => {
            if form.get("requested_token_use") != Some("on_behalf_of") {
                return Err(EntraError::bad_request(
                    "invalid_request",
                    90_014,
                    "The jwt-bearer grant needs requested_token_use=on_behalf_of.",
                ));
            }
            let user = user_of_assertion(shared, tenant, &app, form.require("assertion")?)?;
            let (resource, scope) = requested_resource(version, &form, false)?;
            (resource, scope, Some(user))
        }
        other => {
            return Err(EntraError::bad_request(
                "unsupported_grant_type",
                70_003,
                format!("The app requested an unsupported grant type '{other}'."),
            ));
        }
    };
    let principal = match &principal_user {
        None => Principal::App {
            client_id: &app.client_id,
        },
        Some((upn, oid)) => Principal::User {
            upn,
            oid,
            client_id: &app.client_id,
            scope: &scope,
        },
    };
    let issued = tokens::issue(shared, tenant, version, &resource, principal)
        .map_err(|why| EntraError::bad_request("server_error", 90_033, why))?;
    let lifetime = issued.lifetime.as_secs();
    Ok(match version {
        Version::V1 => {
            let now = clock::now_secs();
            let expires_on = now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX));
            json!({
                "token_type": "Bearer",
                "expires_in": lifetime.to_string(),
                "ext_expires_in": lifetime.to_string(),
                "expires_on": expires_on.to_string(),
                "not_before": now.to_string(),
                "resource": resource,
                "access_token": issued.jwt,
            })
        }
        Version::V2 => json!({
            "token_type": "Bearer",
            "scope": form.get("scope").unwrap_or_default(),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": issued.jwt,
        }),
    })
}

/// The resource a request is for and the permission granted: v1 names the resource; v2 asks
/// for `{resource}/.default` (client credentials) or `{resource}/{permission}` (on behalf of).
fn requested_resource(
    version: Version,
    form: &Form<'_>,
    client_credentials: bool,
) -> Result<(String, String), EntraError> {
    if version == Version::V1 {
        return Ok((
            form.require("resource")?.to_owned(),
            "user_impersonation".to_owned(),
        ));
    }
    let scope = form.require("scope")?;
    let invalid = || {
        EntraError::bad_request(
            "invalid_scope",
            70_011,
            format!("The provided value for the input parameter 'scope' is not valid: '{scope}'."),
        )
    };
    let requested = scope
        .split_whitespace()
        .find(|scope| scope.contains('/'))
        .ok_or_else(invalid)?;
    let (resource, permission) = requested.rsplit_once('/').ok_or_else(invalid)?;
    if client_credentials && permission != ".default" {
        return Err(EntraError::bad_request(
            "invalid_scope",
            1_002_012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must \
                 have a scope value with /.default suffixed to the resource identifier."
            ),
        ));
    }
    Ok((resource.to_owned(), permission.to_owned()))
}

/// Authenticates the client: a secret (form or HTTP Basic) or a federated client assertion.
fn authenticate(
    shared: &Shared,
    tenant: &str,
    form: &Form<'_>,
    headers: &HeaderMap,
) -> Result<EntraApp, EntraError> {
    let basic = basic_credentials(headers);
    let client_id = form
        .get("client_id")
        .or(basic.as_ref().map(|(id, _)| id.as_str()))
        .ok_or_else(|| EntraError::missing("client_id"))?;
    let app = shared
        .lock()
        .entra
        .apps
        .iter()
        .find(|app| app.tenant == tenant && app.client_id == client_id)
        .cloned()
        .ok_or_else(|| {
            EntraError::bad_request(
                "unauthorized_client",
                700_016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant}'."
                ),
            )
        })?;
    let secret = form
        .get("client_secret")
        .or(basic.as_ref().map(|(_, secret)| secret.as_str()));
    match (secret, form.get("client_assertion")) {
        (Some(secret), _) if app.secret.as_deref() == Some(secret) => Ok(app),
        (Some(_), _) => Err(EntraError::invalid_client(
            7_000_215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is \
                 the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        )),
        (None, Some(assertion)) => {
            if form.get("client_assertion_type") != Some(CLIENT_ASSERTION_TYPE) {
                return Err(EntraError::bad_request(
                    "invalid_request",
                    90_014,
                    format!("client_assertion_type must be '{CLIENT_ASSERTION_TYPE}'."),
                ));
            }
            check_federated_assertion(shared, &app, assertion)?;
            Ok(app)
        }
        (None, None) => Err(EntraError::invalid_client(
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
    }
}

/// `Authorization: Basic base64(client_id:client_secret)`, if sent.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Checks a client assertion against the app's federated credentials.
fn check_federated_assertion(
    shared: &Shared,
    app: &EntraApp,
    assertion: &str,
) -> Result<(), EntraError> {
    let claims = idp::verify_signature(shared.keys, assertion).map_err(|why| {
        EntraError::invalid_client(50_027, format!("JWT token is invalid or malformed: {why}"))
    })?;
    if !unexpired(&claims) {
        return Err(EntraError::invalid_client(
            700_024,
            "Client assertion is not within its valid time range.",
        ));
    }
    let issuer = text(&claims, "iss");
    let subject = text(&claims, "sub");
    let audiences = audiences(&claims);
    let matches = app.federated_credentials.iter().any(|credential| {
        let audience = credential
            .audience
            .as_deref()
            .unwrap_or(DEFAULT_FEDERATED_AUDIENCE);
        credential.issuer == issuer
            && credential.subject == subject
            && audiences.iter().any(|aud| aud == audience)
    });
    if matches {
        Ok(())
    } else {
        Err(EntraError::bad_request(
            "invalid_request",
            70_021,
            format!(
                "No matching federated identity record found for presented assertion. Assertion \
                 Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: '{}'.",
                audiences.join(",")
            ),
        ))
    }
}

/// Checks the on-behalf-of assertion: a user's unexpired token from this tenant, issued for
/// the app that presents it. Returns the user's `(upn, oid)`.
fn user_of_assertion(
    shared: &Shared,
    tenant: &str,
    app: &EntraApp,
    assertion: &str,
) -> Result<(String, String), EntraError> {
    let invalid_grant =
        |code, message: String| EntraError::bad_request("invalid_grant", code, message);
    let claims = idp::verify_signature(shared.keys, assertion).map_err(|why| {
        invalid_grant(
            50_013,
            format!("Assertion failed signature validation: {why}"),
        )
    })?;
    let issuer = text(&claims, "iss");
    if issuer != v1_issuer(shared, tenant) && issuer != v2_issuer(shared, tenant) {
        return Err(invalid_grant(
            50_013,
            format!("Assertion contains an invalid issuer '{issuer}' for tenant '{tenant}'."),
        ));
    }
    if !unexpired(&claims) {
        return Err(invalid_grant(
            500_133,
            "Assertion is not within its valid time range. Ensure that the access token is not \
             expired before using it for user assertion, or request a new token."
                .into(),
        ));
    }
    let expected = [app.client_id.clone(), format!("api://{}", app.client_id)];
    let audiences = audiences(&claims);
    if !audiences.iter().any(|aud| expected.contains(aud)) {
        return Err(invalid_grant(
            50_013,
            format!(
                "Assertion audience does not match the Client app presenting the assertion. The \
                 audience in the assertion was '{}' and the expected audience is '{}'.",
                audiences.join(","),
                app.client_id
            ),
        ));
    }
    let (upn, oid) = (text(&claims, "upn"), text(&claims, "oid"));
    if upn.is_empty() || oid.is_empty() {
        return Err(invalid_grant(
            50_013,
            "Assertion is not a user's token (no upn or oid).".into(),
        ));
    }
    Ok((upn, oid))
}

fn text(claims: &Map<String, Value>, name: &str) -> String {
    claims
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn audiences(claims: &Map<String, Value>) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn unexpired(claims: &Map<String, Value>) -> bool {
    claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp > clock::now_secs())
}
