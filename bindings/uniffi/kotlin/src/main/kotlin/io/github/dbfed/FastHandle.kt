// Hand-written: the life of a JNI handle (FastPath) beside its object's uniffi handle.
package io.github.dbfed

import java.lang.ref.Cleaner
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * A [FastPath] handle of [owner]'s, which [release] frees: usable by any number of threads at once, freed exactly once,
 * when [close] has been called and no call is using it any more, or when [owner] has become
 * unreachable. A call after [close] throws `IllegalStateException`, as uniffi's objects do.
 */
internal class FastHandle(owner: Any, @PublishedApi internal val handle: Long, release: (Long) -> Unit) {
    /** One for being open, one for each call running. */
    private val users = AtomicLong(1)
    private val closed = AtomicBoolean(false)
    private val cleanable = CLEANER.register(owner, Release(handle, release))

    /** [call] with the handle, which stays valid until it returns. */
    inline fun <T> use(call: (Long) -> T): T {
        acquire()
        try {
            return call(handle)
        } finally {
            release()
        }
    }

    /** Frees the handle once no call is using it. */
    fun close() {
        if (closed.compareAndSet(false, true)) release()
    }

    @PublishedApi internal fun acquire() {
        while (true) {
            val count = users.get()
            check(count != 0L) { "this object has already been closed" }
            if (users.compareAndSet(count, count + 1)) return
        }
    }

    @PublishedApi internal fun release() {
        if (users.decrementAndGet() == 0L) cleanable.clean()
    }

    /** Frees a handle: its Cleaner action, which runs once, whichever way it is triggered. */
    private class Release(private val handle: Long, private val release: (Long) -> Unit) : Runnable {
        override fun run() = release(handle)
    }

    private companion object {
        val CLEANER: Cleaner = Cleaner.create()
    }
}
