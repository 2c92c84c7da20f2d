//! `UserExchanger`: acting for signed-in users, each user's own JWT exchanged for a Databricks
//! token (account-wide federation) and cached per user.

use std::sync::Arc;

use dbfed::options::Networked;

use crate::credential::CredentialConfig;
use crate::error::DbfedError;
use crate::options::{UserCacheSettings, user_cache};
use crate::per_user::{build, per_user_methods};

/// Databricks tokens for the users of your service, each obtained with the user's own JWT and
/// cached per user (keyed by the JWT's SHA-256, never the JWT): at most `maxUsers`, one exchange
/// however many of a user's requests wait, never served after the user's JWT expires. A JWT that
/// is not a JWT, has expired, or fails the expected issuer or audience is refused with
/// `DbfedException.Source`, without a request. `toString()` shows no JWT or token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct UserExchanger {
    inner: dbfed::UserTokens,
}

#[uniffi::export]
impl UserExchanger {
    /// A user exchanger reaching Databricks as `config` says (without `clientId` or
    /// `audience`: each user's own JWT is exchanged as it is), caching users' tokens as `cache`
    /// says. Throws `DbfedException.Config` if the configuration is incomplete or unsafe.
    #[uniffi::constructor(default(cache = None))]
    pub fn new(
        config: CredentialConfig,
        cache: Option<UserCacheSettings>,
    ) -> Result<Arc<Self>, DbfedError> {
        let (target, network) = config.into_core();
        let inner = build(|| {
            dbfed::UserExchanger::builder()
                .target(target)
                .cache_options(user_cache(cache))
                .network(&network)?
                .build()
        })?;
        Ok(Arc::new(UserExchanger { inner }))
    }
}

per_user_methods!(UserExchanger, jwt);
