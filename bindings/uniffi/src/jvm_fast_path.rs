//! The JVM's fast path for the call a service makes on every request: the cached token and its
//! `Authorization` header, as JNI functions of the Kotlin object `io.github.dbfed.FastPath`. uniffi
//! 0.32's Kotlin reaches the library through JNA, at ~20 µs and ~7 KB of garbage a call, most of
//! it the call's status structure; a JNI call costs tens of nanoseconds.
//!
//! The JVM holds a handle of its own to a credential ([`Credential::jvm_fast_handle`]): a
//! [`FastCredential`] boxed for the JVM, freed by `FastPath.release`. While the core hands out the
//! same token, each call answers with the very Java `String` of the previous one (kept as a JNI
//! global reference), so a cached call allocates nothing on the Java heap. Without a cached token
//! the answer is null, and the caller takes uniffi's path, which waits for the exchange and
//! reports its errors. All logic stays the core's: which token is valid, when to refresh.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JClass, JString};
use jni::refs::Global;
use jni::sys::{jboolean, jlong};
use jni::{Env, EnvUnowned};

use crate::credential::Credential;

/// A credential as the JVM's fast path holds it: the core's credential and the Java strings of
/// the token it last handed out.
pub(crate) struct FastCredential {
    credential: dbfed::Credential,
    shown: ArcSwapOption<Shown>,
}

/// The Java strings of one token, made once and handed out while the core serves that token.
struct Shown {
    token: dbfed::AccessToken,
    text: Global<JString<'static>>,
    header: Global<JString<'static>>,
}

impl FastCredential {
    /// The Java string `pick` chooses of the cached token, or null when there is none.
    fn current<'local>(
        &self,
        env: &mut Env<'local>,
        pick: fn(&Shown) -> &Global<JString<'static>>,
    ) -> jni::errors::Result<JString<'local>> {
        let Some(token) = self.credential.cached_token() else {
            return Ok(JString::null());
        };
        if let Some(shown) = self.shown.load().as_ref()
            && shown.token.same_as(&token)
        {
            return env.new_local_ref(pick(shown));
        }
        let text = JString::from_str(env, token.token())?;
        let header = JString::from_str(env, token.authorization_header())?;
        let shown = Arc::new(Shown {
            token,
            text: env.new_global_ref(text)?,
            header: env.new_global_ref(header)?,
        });
        let answer = env.new_local_ref(pick(&shown));
        self.shown.store(Some(shown));
        answer
    }
}

#[uniffi::export]
impl Credential {
    /// Internal, for the JVM package's fast path (not part of the API): a handle of the JVM's
    /// own to this credential, which `FastPath.release` frees.
    pub fn jvm_fast_handle(&self) -> i64 {
        let fast = FastCredential {
            credential: self.inner.clone(),
            shown: ArcSwapOption::empty(),
        };
        Box::into_raw(Box::new(fast)) as i64
    }
}

/// The credential of a handle.
///
/// # Safety
/// `handle` comes from [`Credential::jvm_fast_handle`] and has not been released; `FastPath`
/// guarantees both.
unsafe fn credential<'a>(handle: jlong) -> &'a FastCredential {
    // SAFETY: as the caller guarantees, a live `Box<FastCredential>` made into a raw pointer.
    unsafe { &*(handle as *const FastCredential) }
}

/// `FastPath.cached(handle, header)`: the cached token (`Bearer <token>` if `header`), or null.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_dbfed_FastPath_cached<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    header: jboolean,
) -> JString<'local> {
    env.with_env(|env| {
        // SAFETY: `FastPath` passes only live handles.
        let credential = unsafe { credential(handle) };
        if header {
            credential.current(env, |shown| &shown.header)
        } else {
            credential.current(env, |shown| &shown.text)
        }
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// `FastPath.cachedFor(handle, userToken, header)`: the cached token for the user whose own token
/// is `userToken` (`Bearer <token>` if `header`), or null; a new string each time, as users are
/// many.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_dbfed_FastPath_cachedFor<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    user_token: JString<'local>,
    header: jboolean,
) -> JString<'local> {
    env.with_env(|env| {
        // SAFETY: `FastPath` passes only live handles of `jvm_fast_users`.
        let users = unsafe { &*(handle as *const dbfed::UserTokens) };
        let chars = user_token.mutf8_chars(env)?;
        let Some(token) = users.cached_token_for(&chars.to_str()) else {
            return Ok(JString::null());
        };
        if header {
            JString::from_str(env, token.authorization_header())
        } else {
            JString::from_str(env, token.token())
        }
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// A handle of the JVM's own to `users` (a clone: clones share the cache), which
/// `FastPath.releaseUsers` frees.
pub(crate) fn jvm_fast_users(users: &dbfed::UserTokens) -> i64 {
    Box::into_raw(Box::new(users.clone())) as i64
}

/// `FastPath.free(handle, users)`: frees a handle, of `jvm_fast_users` if `users`, else of
/// `jvm_fast_handle` (with the global references it keeps).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_dbfed_FastPath_free<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    users: jboolean,
) {
    env.with_env(|_env| -> jni::errors::Result<()> {
        // SAFETY: `FastPath` frees each handle once, as the kind it was made, when no call is
        // using it.
        unsafe {
            if users {
                drop(Box::from_raw(handle as *mut dbfed::UserTokens));
            } else {
                drop(Box::from_raw(handle as *mut FastCredential));
            }
        }
        Ok(())
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}
