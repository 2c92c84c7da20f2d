//! `Credential`: Databricks tokens for one workspace or account, exchanged for the JWTs of one
//! source. The JavaScript class of the same name (`node/lib/credential.js`) passes its options
//! object here once per view of it (the target, the network settings).

use dbfed::options::Network;
use napi::Env;
use napi::bindgen_prelude::Object;
use napi_derive::napi;

use crate::diagnosis::{FederationPolicy, Mismatch, mismatches};
use crate::endpoints::Endpoints;
use crate::errors::Settled;
use crate::options::{NetworkOptions, TargetOptions};
use crate::sources::Source;
use crate::token::{AccessToken, Stats};
use crate::{panics, runtime, shown};

/// Databricks tokens for one workspace or account, cached and refreshed ahead of expiry; one
/// exchange however many callers ask at once.
#[napi]
pub struct Credential {
    pub(crate) inner: dbfed::Credential,
}

#[napi]
impl Credential {
    /// Checks the configuration and builds the credential; no network call is made yet.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        source: &Source,
        target: TargetOptions,
        network: NetworkOptions,
    ) -> napi::Result<Self> {
        let builder = dbfed::Credential::builder()
            .target(target.into())
            .shared_source(source.inner.clone());
        let builder = network.apply(&env, builder)?;
        let inner = runtime::build(&env, || builder.build())?;
        Ok(Credential { inner })
    }

    /// A credential configured from the Databricks environment variables (see the README);
    /// when no source fits, the `CONFIG` error lists every one tried and why it was skipped.
    #[napi(factory)]
    pub fn from_env(env: Env, network: NetworkOptions) -> napi::Result<Self> {
        let network = Network::from(network);
        let inner = runtime::build(&env, || {
            dbfed::config::credential_with(&dbfed::config::Env::process(), &network)
        })?;
        Ok(Credential { inner })
    }

    /// What the credential shows of itself (for `util.inspect`).
    #[napi(ts_return_type = "object")]
    pub fn describe<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        shown::to_js(env, self.inner.describe())
    }

    /// The cached token if it can be had without waiting (no I/O, lock-free), else null.
    #[napi(catch_unwind)]
    pub fn cached_token(&self, env: Env) -> napi::Result<Option<AccessToken>> {
        panics::guard(&env, || {
            Ok(self.inner.cached_token().map(AccessToken::from))
        })
    }

    /// Whether `token` is still the cached token and can be had without waiting (so the
    /// JS layer can hand out the object it already has).
    #[napi]
    pub fn is_cached(&self, token: &AccessToken) -> bool {
        self.inner
            .cached_token()
            .is_some_and(|cached| cached.same_as(&token.inner))
    }

    /// For how many milliseconds `token` stays the cached token handed out without starting a
    /// refresh (0 if it is not the cached one): the JS layer hands it out itself until then.
    #[napi]
    pub fn fresh_for_ms(&self, token: &AccessToken) -> f64 {
        self.inner.fresh_for(&token.inner).as_secs_f64() * 1000.0
    }

    /// A valid token: from the cache, or after one exchange shared by every caller waiting.
    #[napi(ts_return_type = "Promise<AccessToken>")]
    pub async fn token(&self) -> napi::Result<Settled<AccessToken>> {
        panics::settle(async { self.inner.token().await.map(AccessToken::from) }).await
    }

    /// Forgets the cached token, so the next call exchanges anew.
    #[napi]
    pub fn invalidate(&self) {
        self.inner.invalidate();
    }

    /// Forgets `token` if it is still the cached one; returns whether it did.
    #[napi]
    pub fn invalidate_token(&self, token: &AccessToken) -> bool {
        self.inner.invalidate_token(&token.inner)
    }

    /// Counters of exchanges, cache hits, refreshes and failures.
    #[napi]
    pub fn stats(&self) -> Stats {
        self.inner.stats().into()
    }

    /// The name of the source the JWTs come from (`github-actions`, `env`, …).
    #[napi(getter)]
    pub fn source_name(&self) -> Option<&str> {
        self.inner.source_name()
    }

    /// The workspace URL, or the accounts host, the tokens are for, when the credential knows it.
    #[napi(getter)]
    pub fn host(&self) -> Option<&str> {
        self.inner.host()
    }

    /// The Databricks account id, when configured.
    #[napi(getter)]
    pub fn account_id(&self) -> Option<&str> {
        self.inner.account_id()
    }

    /// The token endpoint and the audience, and how each was found (discovered on first use,
    /// then remembered; token federation only).
    #[napi(ts_return_type = "Promise<Endpoints>")]
    pub async fn endpoints(&self) -> napi::Result<Settled<Endpoints>> {
        panics::settle(async { self.inner.endpoints().await.map(Endpoints::from) }).await
    }

    /// Every reason `policy` would refuse this credential's JWTs: a JWT from the source, for the
    /// credential's audience, compared with the policy (the account id, when configured, stands
    /// for a policy without audiences). Nothing is exchanged.
    #[napi(ts_return_type = "Promise<Array<Mismatch>>")]
    pub async fn diagnose(&self, policy: FederationPolicy) -> napi::Result<Settled<Vec<Mismatch>>> {
        let policy = policy.into_core();
        panics::settle(async {
            self.inner
                .diagnose(&policy)
                .await
                .map(|found| mismatches(&found))
        })
        .await
    }
}
