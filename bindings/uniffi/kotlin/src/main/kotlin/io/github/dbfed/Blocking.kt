// Hand-written: the threads behind the CompletableFuture variants and the blocking callbacks.
package io.github.dbfed

import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutorService
import java.util.concurrent.SynchronousQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * Daemon threads of dbfed's own, made on demand and gone after a minute idle: they wait for an
 * exchange behind a `CompletableFuture` (rare: a cached answer completes at once, on the caller's
 * thread) and run blocking [SubjectTokenCallback]s, so that neither blocks a caller's executor.
 */
internal object Blocking {
    private val count = AtomicInteger()

    val executor: ExecutorService = ThreadPoolExecutor(0, Int.MAX_VALUE, 60, TimeUnit.SECONDS, SynchronousQueue()) { task ->
        Thread(task, "dbfed-blocking-${count.incrementAndGet()}").apply { isDaemon = true }
    }

    /** [cached] completed at once when there is one, else [wait]'s answer from one of the threads. */
    fun <T> future(cached: T?, wait: () -> T): CompletableFuture<T> =
        if (cached != null) CompletableFuture.completedFuture(cached) else CompletableFuture.supplyAsync(wait, executor)
}
