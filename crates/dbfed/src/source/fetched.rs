//! What sources that fetch their JWT share: a cache per audience (the same [`TokenCache`] rules
//! as Databricks tokens, so a JWT is reused until shortly before its `exp`), and one way to turn
//! a failed request into a [`Error::Source`] that keeps the server's answer as its cause.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::OnceCell;
use url::Url;

use crate::cache::TokenCache;
use crate::error::{Error, Result};
use crate::exchange::send_with_retries;
use crate::http::{HttpResponse, display_url};
use crate::retry::RetryPolicy;
use crate::time;
use crate::token::{AccessToken, SubjectToken};

/// How long a fetched JWT without an `exp` claim is reused.
const LIFETIME_WITHOUT_EXP: Duration = Duration::from_secs(60);

/// Fetches a JWT for an audience; the part of a source that costs a request or a process.
pub(crate) trait FetchJwt: Debug + Send + Sync + 'static {
    /// Fetches a new JWT for `audience`.
    fn fetch<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<SubjectToken>>;
}

/// Fetched JWTs, one cache per audience, created on first use.
#[derive(Debug, Default)]
pub(crate) struct CachedJwt {
    state: OnceCell<CachedJwtState>,
}

#[derive(Debug)]
struct CachedJwtState {
    fetcher: Arc<dyn FetchJwt>,
    by_audience: Mutex<HashMap<String, TokenCache>>,
}

impl CachedJwt {
    /// A JWT for `audience`: cached, or fetched by the fetcher `make` builds on first use.
    pub async fn get<F: FetchJwt>(
        &self,
        audience: &str,
        make: impl FnOnce() -> Result<F>,
    ) -> Result<SubjectToken> {
        let state = self
            .state
            .get_or_try_init(|| async {
                Ok::<_, Error>(CachedJwtState {
                    fetcher: Arc::new(make()?),
                    by_audience: Mutex::new(HashMap::new()),
                })
            })
            .await?;
        let cache = state
            .by_audience
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(audience.to_owned())
            .or_insert_with(|| jwt_cache(state.fetcher.clone(), audience.to_owned()))
            .clone();
        let jwt = cache.get().await?;
        Ok(SubjectToken::new(jwt.token()))
    }
}

/// A [`TokenCache`] holding the JWTs `fetcher` fetches for `audience`.
fn jwt_cache(fetcher: Arc<dyn FetchJwt>, audience: String) -> TokenCache {
    let fetch = Arc::new(move || {
        let fetcher = fetcher.clone();
        let audience = audience.clone();
        Box::pin(async move {
            let jwt = fetcher.fetch(&audience).await?;
            let lifetime = jwt
                .claims()
                .and_then(|claims| claims.expires_at())
                .map_or(LIFETIME_WITHOUT_EXP, |exp| {
                    time::until(exp).max(Duration::from_millis(1))
                });
            Ok(AccessToken::new(jwt.jwt(), "JWT", lifetime, None))
        }) as BoxFuture<'static, Result<AccessToken>>
    });
    TokenCache::new(fetch, None)
}

/// Runs `request` with retries; a final failure becomes `Error::Source` for `source`, with the
/// server's answer (status, error, description) kept as the cause.
pub(crate) async fn fetch_with_retries<F, Fut>(
    source: &str,
    url: &Url,
    retry: &RetryPolicy,
    mut request: F,
) -> Result<HttpResponse>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<HttpResponse>>,
{
    let endpoint = display_url(url);
    let result = send_with_retries(retry, source, &endpoint, &mut request).await;
    result
        .map(|(_, response)| response)
        .map_err(|err| match err {
            Error::Config { .. } | Error::Source { .. } => err,
            other => Error::Source {
                source_name: source.to_owned(),
                message: format!("cannot get a JWT: {other}"),
                cause: Some(Arc::new(other)),
            },
        })
}

/// The JWT in the JSON field `field` of `response`.
pub(crate) fn jwt_in_json(
    source: &str,
    response: &HttpResponse,
    field: &str,
) -> Result<SubjectToken> {
    let body: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|err| Error::source(source, format!("the answer is not JSON: {err}")))?;
    match body.get(field).and_then(serde_json::Value::as_str) {
        Some(jwt) if !jwt.trim().is_empty() => Ok(SubjectToken::new(jwt)),
        _ => Err(Error::source(
            source,
            format!("the answer has no `{field}` field holding a JWT"),
        )),
    }
}

/// The value of the environment variable `name`, or an error naming it.
pub(crate) fn required_env(source: &str, name: &str, hint: &str) -> Result<String> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(Error::source(source, format!("{name} is not set{hint}"))),
    }
}
