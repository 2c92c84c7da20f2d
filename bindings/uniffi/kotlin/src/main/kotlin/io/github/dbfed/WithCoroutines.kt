// Hand-written: the provider's calls as kotlinx-coroutines jobs. Loaded only when
// kotlinx-coroutines is on the classpath (SubjectTokenProvider.kt checks first).
package io.github.dbfed

import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.launch

/** Calls of the provider as cancellable coroutines. */
internal object WithCoroutines {
    /** Launches [body] on `Dispatchers.Default`; it ends in [done] exactly once. Returns its cancel. */
    // GlobalScope: the call's owner is a Rust future, outside any structured scope; cancel() ends it.
    @OptIn(DelicateCoroutinesApi::class)
    fun start(body: suspend () -> Any?, done: (Result<Any?>) -> Unit): () -> Unit {
        val job = GlobalScope.launch(Dispatchers.Default) {
            val result = try {
                Result.success(body())
            } catch (thrown: Throwable) {
                Result.failure(thrown)
            }
            done(result)
        }
        return { job.cancel() }
    }
}
