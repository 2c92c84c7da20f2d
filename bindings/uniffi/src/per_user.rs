//! What `UserExchanger` and `AzureOnBehalfOf` share: the core's per-user handle
//! (`dbfed::UserTokens`) behind both, and the methods over it.

use crate::error::DbfedError;
use crate::runtime;

/// The per-user handle that `build` makes in the runtime's context (a panic in it is
/// `DbfedError::Internal`).
pub(crate) fn build<T: Into<dbfed::UserTokens>>(
    build: impl FnOnce() -> dbfed::Result<T>,
) -> Result<dbfed::UserTokens, DbfedError> {
    Ok(runtime::in_context(build)??.into())
}

/// `toString()` and the methods of `$type`, an object over `inner: dbfed::UserTokens` whose
/// methods take the user's own token as `$user`.
macro_rules! per_user_methods {
    ($type:ident, $user:ident) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&crate::shown::render(self.inner.describe()))
            }
        }

        impl $type {
            /// The user's cached token, else the request that gets one.
            fn token_answer_for(
                &self,
                $user: String,
            ) -> Result<
                crate::runtime::Answer<
                    std::sync::Arc<crate::token::AccessToken>,
                    impl std::future::Future<Output = crate::credential::TokenResult> + use<>,
                >,
                crate::error::DbfedError,
            > {
                if let Some(token) = crate::panics::catch(|| self.cached_token_for(&$user))? {
                    return Ok(crate::runtime::Answer::Ready(token));
                }
                let users = self.inner.clone();
                Ok(crate::runtime::Answer::Request(async move {
                    Ok(crate::token::AccessToken::new(
                        users.token_for(&$user).await?,
                    ))
                }))
            }
        }

        #[uniffi::export]
        impl $type {
            /// A token acting as the user whose own token is given: from the cache, or after one
            /// request shared by all concurrent callers for that user.
            pub async fn token_for(&self, $user: String) -> crate::credential::TokenResult {
                self.token_answer_for($user)?.awaited().await
            }

            /// `tokenFor` for callers without coroutines: blocks the calling thread until a
            /// token is had (never longer than the request timeouts and retry budget).
            pub fn token_for_blocking(&self, $user: String) -> crate::credential::TokenResult {
                self.token_answer_for($user)?.blocking()
            }

            /// `{"Authorization": "Bearer <token>"}` for a request made as the user.
            pub async fn headers_for(
                &self,
                $user: String,
            ) -> Result<std::collections::HashMap<String, String>, crate::error::DbfedError> {
                Ok(crate::credential::authorization(
                    &*self.token_for($user).await?,
                ))
            }

            /// `headersFor` for callers without coroutines (blocks like `tokenForBlocking`).
            pub fn headers_for_blocking(
                &self,
                $user: String,
            ) -> Result<std::collections::HashMap<String, String>, crate::error::DbfedError> {
                Ok(crate::credential::authorization(
                    &*self.token_for_blocking($user)?,
                ))
            }

            /// The user's cached token if it can be had without waiting (no I/O), else null.
            pub fn cached_token_for(
                &self,
                $user: &str,
            ) -> Option<std::sync::Arc<crate::token::AccessToken>> {
                self.inner
                    .cached_token_for($user)
                    .map(crate::token::AccessToken::new)
            }

            /// Forgets the user's `token` if it is still the cached one (call it after an API
            /// answered 401 to it); returns whether it did.
            pub fn invalidate_token_for(
                &self,
                $user: &str,
                token: &crate::token::AccessToken,
            ) -> bool {
                self.inner.invalidate_token_for($user, &token.inner)
            }

            /// Internal, for the JVM package's fast path (not part of the API): a handle of the
            /// JVM's own to these users' cache, which `FastPath.releaseUsers` frees.
            pub fn jvm_fast_handle(&self) -> i64 {
                crate::jvm_fast_path::jvm_fast_users(&self.inner)
            }

            /// Counters of cached users, hits, misses, requests, failures, evictions and
            /// refusals.
            pub fn stats(&self) -> crate::token::UserStats {
                self.inner.stats().into()
            }
        }
    };
}
pub(crate) use per_user_methods;
