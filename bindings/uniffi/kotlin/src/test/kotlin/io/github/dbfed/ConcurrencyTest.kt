package io.github.dbfed

import java.util.concurrent.Callable
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

/** One exchange however many coroutines and threads ask at once, on a cold cache. */
class ConcurrencyTest {
    @BeforeEach
    fun reset() = Testkit.reset()

    @Test
    fun `1,000 concurrent coroutines on a cold cache cause one exchange`() = runBlocking {
        // The exchange is slowed down so that every call arrives while it is in flight.
        Testkit.inject("path" to "/oidc/v1/token", "delay_ms" to 500)
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val tokens = withTimeout(30_000) {
                (1..1_000).map { async(Dispatchers.Default) { credential.token().token() } }.awaitAll()
            }
            assertEquals(1, tokens.toSet().size)
            assertEquals(1, Testkit.counters()["exchanges"])
            assertEquals(1, credential.stats().exchanges)
        }
    }

    @Test
    fun `64 threads blocking on a cold cache cause one exchange`() {
        Testkit.inject("path" to "/oidc/v1/token", "delay_ms" to 500)
        Credential(Testkit.config(), Source.fixed(Testkit.servicePrincipalJwt())).use { credential ->
            val pool = Executors.newFixedThreadPool(64)
            try {
                val calls = (1..64).map { Callable { credential.tokenBlocking().token() } }
                val tokens = pool.invokeAll(calls, 30, TimeUnit.SECONDS).map { it.get() }
                assertEquals(1, tokens.toSet().size)
            } finally {
                pool.shutdownNow()
            }
            assertEquals(1, Testkit.counters()["exchanges"])
        }
    }
}
