//! [`UserCache`]: one [`TokenCache`] per user, in a bounded LRU map keyed by the SHA-256 of the
//! user's JWT. The JWT itself is never a key and never logged; it lives only inside its entry's
//! fetch, which re-sends it when the entry's token needs a refresh.
//!
//! An entry is served until its token's refresh rules say otherwise (the [`TokenCache`] rules,
//! unchanged) and never after the user's JWT expires. The map is one LRU behind a mutex that is
//! held only for a lookup or an insertion (tens of nanoseconds), never across I/O or a fetch, so
//! the bound on users is exact and eviction is truly least-recently-used.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwapOption;
use futures::future::BoxFuture;
use lru::LruCache;
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;

use super::checks::{self, JwtChecks};
use crate::cache::{Fetch, TokenCache};
use crate::error::{Error, Result};
use crate::time;
use crate::token::{AccessToken, SubjectToken};

/// The number of users cached when no maximum is configured.
pub(crate) const DEFAULT_MAX_USERS: usize = 10_000;

/// Obtains a token for one user from that user's own token.
pub(crate) trait UserTokenProvider: fmt::Debug + Send + Sync + 'static {
    /// One token request for the user whose token is `user` (with retries).
    fn fetch<'a>(&'a self, user: &'a SubjectToken) -> BoxFuture<'a, Result<AccessToken>>;
}

/// How a [`UserCache`] behaves.
#[derive(Clone, Debug)]
pub(crate) struct UserCacheConfig {
    /// The most users cached; the least recently used is evicted beyond it.
    pub max_users: usize,
    /// How long a rejected JWT is answered with its rejection, without a request; zero = off.
    pub negative_ttl: Duration,
    /// What a user's JWT must satisfy before any request is made for it.
    pub checks: JwtChecks,
}

impl Default for UserCacheConfig {
    fn default() -> Self {
        UserCacheConfig {
            max_users: DEFAULT_MAX_USERS,
            negative_ttl: Duration::ZERO,
            checks: JwtChecks::default(),
        }
    }
}

/// Counters of what a per-user cache did, since it was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserStats {
    /// Users cached now.
    pub entries: u64,
    /// Calls answered from the cache without waiting.
    pub hits: u64,
    /// Calls that had to wait for a token request (a new user, or a token due for refresh).
    pub misses: u64,
    /// Token requests made (one per user and refresh, however many callers waited).
    pub exchanges: u64,
    /// Token requests that failed.
    pub failures: u64,
    /// Users evicted because the cache was full.
    pub evictions: u64,
    /// Calls refused without a request: the JWT failed a local check, or was rejected recently.
    pub refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    exchanges: AtomicU64,
    failures: AtomicU64,
    evictions: AtomicU64,
    refused: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The SHA-256 of a user's JWT.
type Key = [u8; 32];

fn key_of(jwt: &str) -> Key {
    Sha256::digest(jwt.as_bytes()).into()
}

fn coarse_now() -> coarsetime::Instant {
    coarsetime::Instant::now_without_cache_update()
}

/// One user's tokens.
struct UserEntry {
    tokens: TokenCache,
    /// Nothing is served from this entry from this instant on: the user's JWT has expired.
    not_after: coarsetime::Instant,
    /// When the user's JWT expired, for the message.
    jwt_expires_at: SystemTime,
    /// The server's rejection of this JWT, answered until it lapses (negative cache).
    rejected: ArcSwapOption<Rejection>,
}

struct Rejection {
    error: Error,
    until: Instant,
}

/// The users' entries, the least recently used evicted first.
type Entries = LruCache<Key, Arc<UserEntry>>;

/// Tokens for many users, each cached by the [`TokenCache`] rules, in a bounded map.
pub(crate) struct UserCache {
    entries: Mutex<Entries>,
    provider: Arc<dyn UserTokenProvider>,
    config: UserCacheConfig,
    runtime: Option<Handle>,
    counters: Arc<Counters>,
}

impl UserCache {
    /// A cache whose entries get their tokens from `provider`; refreshes run on `runtime` (or
    /// the current one).
    pub fn new(
        provider: Arc<dyn UserTokenProvider>,
        config: UserCacheConfig,
        runtime: Option<Handle>,
    ) -> Result<Self> {
        let capacity = NonZeroUsize::new(config.max_users).ok_or_else(|| {
            Error::config("the maximum number of cached users must be at least 1")
        })?;
        Ok(UserCache {
            // Sparse: the map grows with the users actually seen, up to the maximum.
            entries: Mutex::new(LruCache::sparse(capacity)),
            provider,
            config,
            runtime: runtime.or_else(|| Handle::try_current().ok()),
            counters: Arc::default(),
        })
    }

    /// The user's cached token if it needs no waiting (no I/O; one hash and one map lookup).
    #[inline]
    pub fn cached(&self, jwt: &str) -> Option<AccessToken> {
        let entry = self.lookup(&key_of(jwt))?;
        let token = entry.fresh_token()?;
        bump(&self.counters.hits);
        Some(token)
    }

    /// A valid token for the user whose JWT is `jwt`: from the cache, or after one request
    /// shared by all callers for that user.
    pub async fn token_for(&self, jwt: &str) -> Result<AccessToken> {
        let key = key_of(jwt);
        let entry = match self.lookup(&key) {
            Some(entry) => {
                if let Some(token) = entry.fresh_token() {
                    bump(&self.counters.hits);
                    return Ok(token);
                }
                if coarse_now() >= entry.not_after {
                    self.remove(&key, &entry);
                    bump(&self.counters.refused);
                    return Err(checks::expired(entry.jwt_expires_at));
                }
                if let Some(error) = entry.rejection() {
                    bump(&self.counters.refused);
                    return Err(error);
                }
                entry
            }
            None => {
                let checked = self.config.checks.check(jwt).inspect_err(|_| {
                    bump(&self.counters.refused);
                })?;
                self.insert(key, checked)
            }
        };
        bump(&self.counters.misses);
        match entry.tokens.get().await {
            Ok(token) => Ok(token),
            Err(err) => {
                self.failed(&key, &entry, &err);
                Err(err)
            }
        }
    }

    /// Drops the user's cached token if it is `token` (after the API answered 401 to it);
    /// returns whether it did.
    pub fn invalidate(&self, jwt: &str, token: &AccessToken) -> bool {
        let key = key_of(jwt);
        let entry = self.lock().peek(&key).cloned();
        entry.is_some_and(|entry| entry.tokens.invalidate_token(token))
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> UserStats {
        let counters = &self.counters;
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        UserStats {
            entries: self.lock().len() as u64,
            hits: load(&counters.hits),
            misses: load(&counters.misses),
            exchanges: load(&counters.exchanges),
            failures: load(&counters.failures),
            evictions: load(&counters.evictions),
            refused: load(&counters.refused),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The map is never left half-updated by a panic (no user code runs under the lock).
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The user's entry, marked as most recently used.
    fn lookup(&self, key: &Key) -> Option<Arc<UserEntry>> {
        self.lock().get(key).cloned()
    }

    /// Adds an entry for a checked JWT, or returns the one another caller just added.
    fn insert(&self, key: Key, checked: checks::CheckedJwt) -> Arc<UserEntry> {
        let remaining = time::until(checked.valid_until);
        let entry = Arc::new(UserEntry {
            tokens: TokenCache::new(self.fetch_for(checked.subject), self.runtime.clone()),
            not_after: coarse_now() + remaining.into(),
            jwt_expires_at: checked.expires_at,
            rejected: ArcSwapOption::empty(),
        });
        let mut entries = self.lock();
        if let Some(existing) = entries.get(&key) {
            return existing.clone();
        }
        if entries.push(key, entry.clone()).is_some() {
            bump(&self.counters.evictions);
        }
        entry
    }

    /// Removes the user's entry if it is still `entry`.
    fn remove(&self, key: &Key, entry: &Arc<UserEntry>) {
        let mut entries = self.lock();
        if entries
            .peek(key)
            .is_some_and(|current| Arc::ptr_eq(current, entry))
        {
            entries.pop(key);
        }
    }

    /// After a request failed and no valid token is left: remember a rejection for a while
    /// (when configured), else forget the user, so a bad JWT holds no place in the map.
    fn failed(&self, key: &Key, entry: &Arc<UserEntry>, err: &Error) {
        let rejected = matches!(err, Error::Rejected(refusal) if (400..500).contains(&refusal.status) && refusal.status != 429);
        if rejected && !self.config.negative_ttl.is_zero() {
            entry.rejected.store(Some(Arc::new(Rejection {
                error: err.clone(),
                until: time::after(Instant::now(), self.config.negative_ttl),
            })));
        } else {
            self.remove(key, entry);
        }
    }

    /// The fetch of one user's entry: the user's JWT goes to the provider, counted.
    fn fetch_for(&self, subject: SubjectToken) -> Fetch {
        let provider = self.provider.clone();
        let counters = self.counters.clone();
        Arc::new(move || {
            let (provider, counters, subject) =
                (provider.clone(), counters.clone(), subject.clone());
            Box::pin(async move {
                bump(&counters.exchanges);
                let result = provider.fetch(&subject).await;
                if result.is_err() {
                    bump(&counters.failures);
                }
                result
            })
        })
    }
}

impl UserEntry {
    /// The cached token, if it can be served now without waiting.
    #[inline]
    fn fresh_token(&self) -> Option<AccessToken> {
        if coarse_now() >= self.not_after {
            return None;
        }
        self.tokens.cached()
    }

    /// The remembered rejection, while it lasts; a lapsed one is forgotten.
    fn rejection(&self) -> Option<Error> {
        let rejection = self.rejected.load_full()?;
        if Instant::now() < rejection.until {
            return Some(rejection.error.clone());
        }
        self.rejected.store(None);
        None
    }
}

impl fmt::Debug for UserCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserCache")
            .field("provider", &self.provider)
            .field("max_users", &self.config.max_users)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Unused;

    impl UserTokenProvider for Unused {
        fn fetch<'a>(&'a self, _: &'a SubjectToken) -> BoxFuture<'a, Result<AccessToken>> {
            Box::pin(async { Err(Error::config("not called")) })
        }
    }

    fn cache(max_users: usize) -> Result<UserCache> {
        let config = UserCacheConfig {
            max_users,
            ..UserCacheConfig::default()
        };
        UserCache::new(Arc::new(Unused), config, None)
    }

    #[test]
    fn at_least_one_user_must_fit() {
        assert_eq!(cache(1000).unwrap().lock().cap().get(), 1000);
        assert!(matches!(cache(0), Err(Error::Config { .. })));
    }

    #[test]
    fn keys_are_sha256_of_the_jwt() {
        let key = key_of("abc");
        assert_eq!(
            key[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256(\"abc\") = ba7816bf…"
        );
    }
}
