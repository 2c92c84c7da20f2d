// The program ExitTest starts as a child JVM: it uses dbfed on the given paths, in the given
// order, with dbfed's loggers at TRACE on stderr, prints EXIT_PROBE_DONE and ends its main.
@file:JvmName("ExitProbe")

package io.github.dbfed

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.LoggerContext
import ch.qos.logback.classic.encoder.PatternLayoutEncoder
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.AppenderBase
import ch.qos.logback.core.ConsoleAppender
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.slf4j.LoggerFactory

/** What the probe prints as its last statement. */
const val EXIT_PROBE_DONE = "exit-probe: last statement"

/** The client id the failing path is refused for. */
const val EXIT_PROBE_CLIENT = "exit-probe"

/**
 * `ExitProbe URL SP_JWT USER_JWT PATH…`: each path (`sync`, `async`, `users`, `failing`) in
 * order, the last one once a record of the earlier ones has reached stderr (so that logging is
 * seen to work, and the last path's records are still in flight when main ends).
 */
fun main(args: Array<String>) {
    val (url, spJwt, userJwt) = args
    val paths = args.drop(3)
    val firstRecord = logToStderrAtTrace()
    for ((index, path) in paths.withIndex()) {
        if (index == paths.lastIndex) {
            check(firstRecord.await(10, TimeUnit.SECONDS)) { "no record of dbfed reached the logger" }
        }
        run(path, url, spJwt, userJwt)
    }
    println(EXIT_PROBE_DONE)
    System.out.flush()
}

/** One path's calls: each must end as it should, or the probe fails (exit status 1). */
private fun run(path: String, url: String, spJwt: String, userJwt: String) {
    fun config(clientId: String) =
        CredentialConfig(host = url, clientId = clientId, audience = AUDIENCE, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))
    when (path) {
        "sync" -> Credential(config(SP_CLIENT_ID), Source.fixed(spJwt)).use { it.tokenBlocking() }
        "async" -> runBlocking { Credential(config(SP_CLIENT_ID), Source.fixed(spJwt)).use { it.token() } }
        "users" -> UserExchanger(CredentialConfig(host = url, network = NetworkSettings(retry = RetryPolicy(maxAttempts = 1)))).use { users ->
            users.tokenForBlocking(userJwt)
            runBlocking { users.tokenFor(userJwt) }
        }
        "failing" -> Credential(config(EXIT_PROBE_CLIENT), Source.fixed(spJwt)).use { credential ->
            try {
                credential.tokenBlocking()
                error("the exchange for $EXIT_PROBE_CLIENT should have been refused")
            } catch (_: DbfedException.Rejected) {
                // As expected: the client is no service principal of the testkit.
            }
        }
        else -> error("no path $path")
    }
}

/** dbfed's loggers at TRACE, to stderr as `LEVEL logger message`; the latch opens at the first record. */
private fun logToStderrAtTrace(): CountDownLatch {
    val context = LoggerFactory.getILoggerFactory() as LoggerContext
    val encoder = PatternLayoutEncoder().apply {
        this.context = context
        pattern = "%level %logger %msg%n"
        start()
    }
    val console = ConsoleAppender<ILoggingEvent>().apply {
        this.context = context
        this.encoder = encoder
        target = "System.err"
        start()
    }
    val firstRecord = CountDownLatch(1)
    val opener = object : AppenderBase<ILoggingEvent>() {
        override fun append(event: ILoggingEvent) = firstRecord.countDown()
    }
    opener.start()
    (LoggerFactory.getLogger("dbfed") as Logger).apply {
        level = Level.TRACE
        addAppender(console)
        addAppender(opener)
    }
    return firstRecord
}
