//! [`TokenCache`]: every token dbfed hands out comes through here, so the caching rules exist once.
//!
//! A token's life is cut into three windows, each scaled to its lifetime `L`:
//! - *fresh* until `L - min(L/2, 20 min)`: served from the cache by one atomic load;
//! - *refresh ahead* until `L - min(40 s, L/10)`: still served at once, while one background
//!   refresh runs;
//! - *must refresh* until expiry: callers wait for the refresh, but if it fails they get the
//!   still-valid token, and if it is still running they wait no later than shortly before the
//!   token expires (half its remaining time, at most [`LAST_WAIT_MARGIN`]) and then get it;
//!   only an expired or absent token makes an error surface.
//!
//! No caller ever gets a token that has expired, and a fetched token replaces the cached one only
//! if it outlives it.
//!
//! However many callers need a token, one fetch is in flight (single flight). Fetches run as
//! tasks of their own, so a caller that gives up does not cancel a refresh others wait for.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::runtime::Handle;

use crate::error::{Error, Result};
use crate::time;
use crate::token::AccessToken;

/// Fetches a new token; called by the cache, at most once at a time.
pub(crate) type Fetch = Arc<dyn Fn() -> BoxFuture<'static, Result<AccessToken>> + Send + Sync>;

/// The longest a token is refreshed ahead of its expiry.
const MAX_REFRESH_AHEAD: Duration = Duration::from_secs(20 * 60);
/// The longest before expiry that callers start waiting for a refresh.
const MAX_MUST_REFRESH: Duration = Duration::from_secs(40);
/// How long before expiry a caller waiting for a refresh takes the still-valid token at most.
const LAST_WAIT_MARGIN: Duration = Duration::from_secs(1);
/// The longest pause between refresh attempts after failures.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(5 * 60);

/// Counters of what a credential's cache did, since it was built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Token fetches performed (each one exchange, possibly with retries).
    pub exchanges: u64,
    /// Calls answered from the cache without waiting.
    pub cache_hits: u64,
    /// Background refreshes started ahead of expiry.
    pub refreshes: u64,
    /// Fetches that failed.
    pub failures: u64,
    /// Calls answered with the previous, still-valid token because a refresh failed or lagged.
    pub stale_served: u64,
}

#[derive(Default)]
struct Counters {
    exchanges: AtomicU64,
    cache_hits: AtomicU64,
    refreshes: AtomicU64,
    failures: AtomicU64,
    stale_served: AtomicU64,
}

/// A cached token and the instants at which its windows begin.
///
/// The fast path compares against a coarse monotonic clock (a few ms of resolution, several
/// times cheaper to read); the windows it checks are at least a tenth of the lifetime wide.
/// Decisions about expiry use the precise clock.
struct Entry {
    token: AccessToken,
    must_refresh_at: Instant,
    expires_at: Instant,
    coarse_refresh_at: coarsetime::Instant,
    coarse_must_refresh_at: coarsetime::Instant,
}

impl Entry {
    fn new(token: AccessToken) -> Self {
        let lifetime = token.lifetime();
        let start = token.obtained_at();
        let expires_at = start + lifetime;
        let refresh_at = expires_at - refresh_ahead_lead(lifetime);
        let must_refresh_at = expires_at - must_refresh_lead(lifetime);
        let (now, coarse_now) = (Instant::now(), coarse_now());
        let coarse = |at: Instant| coarse_now + at.saturating_duration_since(now).into();
        Entry {
            coarse_refresh_at: coarse(refresh_at),
            coarse_must_refresh_at: coarse(must_refresh_at),
            must_refresh_at,
            expires_at,
            token,
        }
    }
}

/// How long before expiry the background refresh starts: min(lifetime / 2, 20 min).
fn refresh_ahead_lead(lifetime: Duration) -> Duration {
    (lifetime / 2).min(MAX_REFRESH_AHEAD)
}

/// How long before expiry callers start waiting for the refresh: min(lifetime / 10, 40 s).
fn must_refresh_lead(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_MUST_REFRESH)
}

fn coarse_now() -> coarsetime::Instant {
    coarsetime::Instant::now_without_cache_update()
}

type Flight = Shared<BoxFuture<'static, Result<AccessToken>>>;

/// A fetch in progress, and the process that started it: after `fork()`, a child must not
/// wait for a fetch that runs on its parent's runtime.
struct InFlight {
    id: u64,
    pid: u32,
    flight: Flight,
}

impl InFlight {
    fn joinable(&self) -> bool {
        self.pid == std::process::id()
    }
}

/// Writers' state, behind a mutex that readers of a fresh token never touch.
#[derive(Default)]
struct Control {
    flight: Option<InFlight>,
    next_flight_id: u64,
    consecutive_failures: u32,
}

struct State {
    current: ArcSwapOption<Entry>,
    fetch: Fetch,
    /// The runtime refreshes run on, and the process it belongs to (a forked child has none).
    runtime: Option<(Handle, u32)>,
    control: Mutex<Control>,
    /// Mirrors `control.flight.is_some()`, so the refresh-ahead path can skip the mutex.
    flight_active: AtomicBool,
    /// Bumped by `invalidate`; a fetch started under an older generation is not stored.
    generation: AtomicU64,
    /// No refresh is attempted before this many nanoseconds past `epoch` (set after failures).
    retry_not_before: AtomicU64,
    epoch: Instant,
    counters: Counters,
}

/// A single-token cache with background refresh; cheap to clone (clones share the token).
#[derive(Clone)]
pub(crate) struct TokenCache {
    state: Arc<State>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.state.current.load().is_some();
        f.debug_struct("TokenCache")
            .field("cached", &cached)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache that calls `fetch` for tokens, spawning refreshes on `runtime` (or the current one).
    pub fn new(fetch: Fetch, runtime: Option<Handle>) -> Self {
        TokenCache {
            state: Arc::new(State {
                current: ArcSwapOption::empty(),
                fetch,
                runtime: runtime.map(|runtime| (runtime, std::process::id())),
                control: Mutex::new(Control::default()),
                flight_active: AtomicBool::new(false),
                generation: AtomicU64::new(0),
                retry_not_before: AtomicU64::new(0),
                epoch: Instant::now(),
                counters: Counters::default(),
            }),
        }
    }

    /// The cached token if it needs no waiting: a lock-free read that may start a background refresh.
    #[inline]
    pub fn cached(&self) -> Option<AccessToken> {
        let guard = self.state.current.load();
        let entry = guard.as_ref()?;
        let now = coarse_now();
        if now >= entry.coarse_must_refresh_at {
            return None;
        }
        self.state
            .counters
            .cache_hits
            .fetch_add(1, Ordering::Relaxed);
        if now >= entry.coarse_refresh_at {
            self.state.refresh_ahead(Instant::now());
        }
        Some(entry.token.clone())
    }

    /// How long `token` stays the cached token handed out without starting a refresh (zero if
    /// it is not the cached token, or a refresh is due): a binding may hand it out itself until
    /// then. Reads no counter.
    pub fn fresh_for(&self, token: &AccessToken) -> Duration {
        let guard = self.state.current.load();
        match guard.as_ref() {
            Some(entry) if entry.token.same_as(token) => {
                let now = coarse_now();
                if now >= entry.coarse_refresh_at {
                    Duration::ZERO
                } else {
                    (entry.coarse_refresh_at - now).into()
                }
            }
            _ => Duration::ZERO,
        }
    }

    /// A valid token: from the cache, or after waiting for the (single) fetch in flight.
    pub async fn get(&self) -> Result<AccessToken> {
        match self.cached() {
            Some(token) => Ok(token),
            None => self.state.clone().get_slow().await,
        }
    }

    /// Drops the cached token; a fetch already in flight will not put its result back.
    pub fn invalidate(&self) {
        let mut control = self.state.lock_control();
        self.state.generation.fetch_add(1, Ordering::SeqCst);
        self.state.current.store(None);
        control.flight = None;
        self.state.flight_active.store(false, Ordering::Release);
        tracing::debug!("token cache invalidated");
    }

    /// Drops the cached token only if it is `token` (so many callers that saw the same 401
    /// cause one refresh); returns whether it did.
    pub fn invalidate_token(&self, token: &AccessToken) -> bool {
        let is_current = self
            .state
            .current
            .load()
            .as_ref()
            .is_some_and(|entry| entry.token.same_as(token));
        if is_current {
            let mut control = self.state.lock_control();
            // Check again under the lock: another caller may have invalidated it already.
            let still_current = self
                .state
                .current
                .load()
                .as_ref()
                .is_some_and(|entry| entry.token.same_as(token));
            if still_current {
                self.state.generation.fetch_add(1, Ordering::SeqCst);
                self.state.current.store(None);
                control.flight = None;
                self.state.flight_active.store(false, Ordering::Release);
                return true;
            }
        }
        false
    }

    /// What the cache has done so far.
    pub fn stats(&self) -> Stats {
        let counters = &self.state.counters;
        Stats {
            exchanges: counters.exchanges.load(Ordering::Relaxed),
            cache_hits: counters.cache_hits.load(Ordering::Relaxed),
            refreshes: counters.refreshes.load(Ordering::Relaxed),
            failures: counters.failures.load(Ordering::Relaxed),
            stale_served: counters.stale_served.load(Ordering::Relaxed),
        }
    }
}

impl State {
    fn lock_control(&self) -> MutexGuard<'_, Control> {
        // The lock guards plain bookkeeping that is never left half-written.
        self.control
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn nanos_since_epoch(&self, instant: Instant) -> u64 {
        u64::try_from(instant.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    fn throttled(&self, now: Instant) -> bool {
        self.nanos_since_epoch(now) < self.retry_not_before.load(Ordering::Relaxed)
    }

    /// Starts a background refresh unless one is running or failures asked for a pause.
    fn refresh_ahead(self: &Arc<Self>, now: Instant) {
        if self.flight_active.load(Ordering::Acquire) || self.throttled(now) {
            return;
        }
        let mut control = self.lock_control();
        // A refresh may have finished since the caller's read: then the token is fresh again.
        let still_due = self
            .current
            .load()
            .as_ref()
            .is_some_and(|entry| coarse_now() >= entry.coarse_refresh_at);
        if still_due && !control.flight.as_ref().is_some_and(InFlight::joinable) {
            self.counters.refreshes.fetch_add(1, Ordering::Relaxed);
            tracing::debug!("refreshing the token ahead of expiry");
            // The fetch runs as its own task and stores its result; nobody needs to await it.
            let _detached = self.start_flight(&mut control);
        }
    }

    async fn get_slow(self: Arc<Self>) -> Result<AccessToken> {
        let now = Instant::now();
        let current = self.current.load_full();
        if let Some(entry) = &current {
            if now < entry.must_refresh_at {
                self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(entry.token.clone());
            }
            if now < entry.expires_at && self.throttled(now) {
                self.counters.stale_served.fetch_add(1, Ordering::Relaxed);
                return Ok(entry.token.clone());
            }
        }
        let flight = {
            let mut control = self.lock_control();
            // A fetch may have finished since the read above: it stores its token under this
            // lock, so what is cached now is current; starting another fetch would be a second.
            if let Some(entry) = self.current.load_full()
                && Instant::now() < entry.must_refresh_at
            {
                self.counters.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(entry.token.clone());
            }
            match &control.flight {
                Some(in_flight) if in_flight.joinable() => in_flight.flight.clone(),
                _ => self.start_flight(&mut control),
            }
        };
        let Some(entry) = current.filter(|entry| now < entry.expires_at) else {
            let fetched = flight.await?;
            return self.best_valid(fetched);
        };
        // The token is still valid: wait for the refresh, but take the token shortly before it
        // expires rather than wait past its end.
        let margin = (entry.expires_at - now).div_f64(2.0).min(LAST_WAIT_MARGIN);
        let deadline = tokio::time::Instant::from_std(entry.expires_at - margin);
        match tokio::time::timeout_at(deadline, flight.clone()).await {
            Ok(Ok(fetched)) => self.best_valid(fetched),
            Ok(Err(err)) if Instant::now() < entry.expires_at => {
                tracing::warn!(error = %err, remaining = ?entry.token.remaining(), "token refresh failed; serving the still-valid token");
                self.counters.stale_served.fetch_add(1, Ordering::Relaxed);
                Ok(entry.token.clone())
            }
            Ok(Err(err)) => Err(err),
            Err(_lagging) => {
                tracing::warn!(remaining = ?entry.token.remaining(), "token refresh still running near expiry; serving the still-valid token");
                self.counters.stale_served.fetch_add(1, Ordering::Relaxed);
                Ok(entry.token.clone())
            }
        }
    }

    /// What a caller gets after a fetch: the cached token if it outlives the fetched one (the
    /// cache keeps the longer-lived), and an error rather than a token that has expired.
    fn best_valid(&self, fetched: AccessToken) -> Result<AccessToken> {
        let cached = self.current.load_full();
        let token = match cached {
            Some(entry) if !entry.token.is_expired() => entry.token.clone(),
            _ => fetched,
        };
        if token.is_expired() {
            return Err(Error::source(
                "refresh",
                format!(
                    "the token fetched expired before it could be used (valid for {:?} from its request)",
                    token.lifetime()
                ),
            ));
        }
        Ok(token)
    }

    /// Spawns a fetch and records it as the flight in progress.
    fn start_flight(self: &Arc<Self>, control: &mut Control) -> Flight {
        let id = control.next_flight_id;
        control.next_flight_id += 1;
        // The runtime given at build time; the caller's when none was given, or after a fork
        // (the parent's runtime has no threads in the child).
        let given = self
            .runtime
            .as_ref()
            .filter(|(_, pid)| *pid == std::process::id())
            .map(|(runtime, _)| runtime.clone());
        let runtime = match given.or_else(|| Handle::try_current().ok()) {
            Some(runtime) => runtime,
            None => {
                let err = Error::config("dbfed needs a Tokio runtime to fetch tokens");
                return futures::future::ready(Err(err)).boxed().shared();
            }
        };
        let generation = self.generation.load(Ordering::SeqCst);
        let fetch = (self.fetch)();
        let state = self.clone();
        let task = runtime.spawn(async move {
            let guard = FlightGuard {
                state: state.clone(),
                id,
            };
            let result = AssertUnwindSafe(fetch)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(Error::source(
                        "refresh",
                        "fetching the token panicked (a bug in a source or callback)",
                    ))
                });
            state.finish(generation, &result);
            drop(guard);
            result
        });
        let flight = async move {
            task.await.unwrap_or_else(|_| {
                Err(Error::source(
                    "refresh",
                    "the token fetch was cancelled (runtime shut down)",
                ))
            })
        }
        .boxed()
        .shared();
        control.flight = Some(InFlight {
            id,
            pid: std::process::id(),
            flight: flight.clone(),
        });
        self.flight_active.store(true, Ordering::Release);
        flight
    }

    /// Records a fetch's outcome: stores a new token (unless invalidated since), or backs off.
    fn finish(&self, generation: u64, result: &Result<AccessToken>) {
        let mut control = self.lock_control();
        match result {
            Ok(token) => {
                self.counters.exchanges.fetch_add(1, Ordering::Relaxed);
                control.consecutive_failures = 0;
                self.retry_not_before.store(0, Ordering::Relaxed);
                let outlived = self.current.load().as_ref().is_some_and(|entry| {
                    entry.expires_at >= time::after(token.obtained_at(), token.lifetime())
                });
                if self.generation.load(Ordering::SeqCst) != generation {
                    tracing::debug!("discarding a token fetched before the cache was invalidated");
                } else if outlived {
                    // Keep the cached token; pause refreshes as after a failure, or every call
                    // near expiry would fetch another short-lived token.
                    let pause = failure_backoff(token.lifetime(), 1);
                    let until = self.nanos_since_epoch(Instant::now() + pause);
                    self.retry_not_before.store(until, Ordering::Relaxed);
                    tracing::warn!(lifetime = ?token.lifetime(), "the token fetched expires before the cached one; keeping the cached one");
                } else {
                    self.current
                        .store(Some(Arc::new(Entry::new(token.clone()))));
                }
            }
            Err(err) => {
                self.counters.exchanges.fetch_add(1, Ordering::Relaxed);
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
                control.consecutive_failures = control.consecutive_failures.saturating_add(1);
                let lifetime = self
                    .current
                    .load()
                    .as_ref()
                    .map_or(Duration::ZERO, |entry| entry.token.lifetime());
                let pause = failure_backoff(lifetime, control.consecutive_failures);
                let until = self.nanos_since_epoch(Instant::now() + pause);
                self.retry_not_before.store(until, Ordering::Relaxed);
                tracing::warn!(error = %err, retry_in = ?pause, "token fetch failed");
            }
        }
    }
}

/// The pause before the next refresh attempt after `failures` failures in a row:
/// a twentieth of the token's lifetime (at least 50 ms, at most 1 min), doubling, capped at 5 min.
fn failure_backoff(lifetime: Duration, failures: u32) -> Duration {
    let base = (lifetime / 20).clamp(Duration::from_millis(50), Duration::from_secs(60));
    let factor = 1u32 << failures.saturating_sub(1).min(10);
    (base * factor).min(MAX_FAILURE_BACKOFF)
}

/// Clears the flight slot when a fetch task ends, however it ends.
struct FlightGuard {
    state: Arc<State>,
    id: u64,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        let mut control = self.state.lock_control();
        if control
            .flight
            .as_ref()
            .is_some_and(|in_flight| in_flight.id == self.id)
        {
            control.flight = None;
            self.state.flight_active.store(false, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use super::*;

    fn counting_fetch(lifetime: Duration, calls: Arc<AtomicU32>) -> Fetch {
        Arc::new(move || {
            let calls = calls.clone();
            Box::pin(async move {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(AccessToken::new(format!("t{n}"), "Bearer", lifetime, None))
            })
        })
    }

    #[test]
    fn windows_scale_with_the_lifetime() {
        let secs = Duration::from_secs;
        assert_eq!(refresh_ahead_lead(secs(10)), secs(5));
        assert_eq!(must_refresh_lead(secs(10)), secs(1));
        assert_eq!(refresh_ahead_lead(secs(3600)), secs(1200));
        assert_eq!(must_refresh_lead(secs(3600)), secs(40));
        let entry = Entry::new(AccessToken::new("t", "Bearer", secs(10), None));
        assert_eq!(entry.must_refresh_at - entry.token.obtained_at(), secs(9));
        assert!(entry.coarse_refresh_at < entry.coarse_must_refresh_at);
    }

    #[test]
    fn fetches_run_on_the_runtime_given_at_build_not_the_callers() {
        let given = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("given-runtime")
            .enable_all()
            .build()
            .unwrap();
        let fetch: Fetch = Arc::new(|| {
            Box::pin(async {
                let thread = std::thread::current().name().unwrap_or("").to_owned();
                Ok(AccessToken::new(
                    thread,
                    "Bearer",
                    Duration::from_secs(60),
                    None,
                ))
            })
        });
        let cache = TokenCache::new(fetch, Some(given.handle().clone()));

        let callers = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let token = callers.block_on(cache.get()).unwrap();

        assert_eq!(token.token(), "given-runtime");
    }

    #[test]
    fn failure_backoff_grows_and_is_capped() {
        let hour = Duration::from_secs(3600);
        assert_eq!(failure_backoff(hour, 1), Duration::from_secs(60));
        assert_eq!(failure_backoff(hour, 2), Duration::from_secs(120));
        assert_eq!(failure_backoff(hour, 30), MAX_FAILURE_BACKOFF);
        assert_eq!(
            failure_backoff(Duration::from_secs(3), 1),
            Duration::from_millis(150)
        );
        assert_eq!(
            failure_backoff(Duration::ZERO, 1),
            Duration::from_millis(50)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fast_fetches_are_still_single_flight() {
        // A fetch that ends at once leaves a window between a caller's read and its lock in
        // which the fetch has already finished; the caller must not start a second one.
        let calls = Arc::new(AtomicU32::new(0));
        let fetch: Fetch = {
            let calls = calls.clone();
            Arc::new(move || {
                let calls = calls.clone();
                Box::pin(async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok(AccessToken::new(
                        "t",
                        "Bearer",
                        Duration::from_secs(60),
                        None,
                    ))
                })
            })
        };
        let cache = TokenCache::new(fetch, None);
        for round in 1..=200 {
            cache.invalidate();
            let callers: Vec<_> = (0..16)
                .map(|_| {
                    let cache = cache.clone();
                    tokio::spawn(async move { cache.get().await.unwrap() })
                })
                .collect();
            let mut tokens = Vec::new();
            for caller in callers {
                tokens.push(caller.await.unwrap());
            }
            assert!(
                tokens.iter().all(|token| token.same_as(&tokens[0])),
                "round {round}"
            );
            assert_eq!(calls.load(Ordering::SeqCst), round, "one fetch per round");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_token_valid_for_ever_is_cached_without_overflow() {
        let calls = Arc::new(AtomicU32::new(0));
        let cache = TokenCache::new(counting_fetch(Duration::MAX, calls.clone()), None);
        let first = cache.get().await.unwrap();
        assert!(cache.get().await.unwrap().same_as(&first));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cached_token_is_fresh_until_its_refresh_window_and_no_longer_once_replaced() {
        let calls = Arc::new(AtomicU32::new(0));
        let lifetime = Duration::from_secs(600);
        let cache = TokenCache::new(counting_fetch(lifetime, calls.clone()), None);
        let first = cache.get().await.unwrap();

        let fresh = cache.fresh_for(&first);
        assert!(fresh <= refresh_ahead_lead(lifetime), "{fresh:?}");
        assert!(
            fresh > refresh_ahead_lead(lifetime) - Duration::from_secs(1),
            "{fresh:?}"
        );
        assert_eq!(
            cache.stats().cache_hits,
            0,
            "reading freshness is not a hit"
        );

        cache.invalidate();
        assert_eq!(cache.fresh_for(&first), Duration::ZERO);
        let second = cache.get().await.unwrap();
        assert_eq!(cache.fresh_for(&first), Duration::ZERO);
        assert!(cache.fresh_for(&second) > Duration::ZERO);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn invalidate_discards_a_late_result() {
        let calls = Arc::new(AtomicU32::new(0));
        let cache = TokenCache::new(counting_fetch(Duration::from_secs(60), calls.clone()), None);
        let first = cache.get().await.unwrap();
        assert!(cache.invalidate_token(&first));
        assert!(
            !cache.invalidate_token(&first),
            "a second invalidation of the same token is a no-op"
        );
        // Start a fetch, invalidate while it runs: its token must not be cached.
        let waiting = tokio::spawn({
            let cache = cache.clone();
            async move { cache.get().await }
        });
        // Once it has started, however late a loaded machine starts it (it then runs 20 ms).
        while calls.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        cache.invalidate();
        let late = waiting.await.unwrap().unwrap();
        let next = cache.get().await.unwrap();
        assert!(!next.same_as(&late), "the late result was cached");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_caller_does_not_cancel_the_fetch() {
        let calls = Arc::new(AtomicU32::new(0));
        // The fetch ends only when released, so the caller gives up first on any machine.
        let release = Arc::new(tokio::sync::Notify::new());
        let fetch: Fetch = {
            let (calls, release) = (calls.clone(), release.clone());
            Arc::new(move || {
                let (calls, release) = (calls.clone(), release.clone());
                Box::pin(async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    release.notified().await;
                    Ok(AccessToken::new(
                        "t",
                        "Bearer",
                        Duration::from_secs(60),
                        None,
                    ))
                })
            })
        };
        let cache = TokenCache::new(fetch, None);
        let gave_up = tokio::time::timeout(Duration::from_millis(1), cache.get()).await;
        assert!(gave_up.is_err());
        release.notify_one();
        let give_up = Instant::now() + Duration::from_secs(10);
        while cache.cached().is_none() {
            assert!(
                Instant::now() < give_up,
                "the fetch finished and was cached"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_fetch_becomes_an_error_and_the_next_call_tries_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let fetch: Fetch = {
            let calls = calls.clone();
            Arc::new(move || {
                let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
                Box::pin(async move {
                    assert!(!first, "boom");
                    Ok(AccessToken::new(
                        "t",
                        "Bearer",
                        Duration::from_secs(60),
                        None,
                    ))
                })
            })
        };
        let cache = TokenCache::new(fetch, None);
        assert!(matches!(cache.get().await, Err(Error::Source { .. })));
        assert!(cache.get().await.is_ok());
    }
}
