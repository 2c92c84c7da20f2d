package io.github.dbfed

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.AppenderBase
import java.util.concurrent.CopyOnWriteArrayList
import org.junit.jupiter.api.Assertions.assertTrue
import org.slf4j.LoggerFactory

/**
 * What logback (the tests' SLF4J provider) receives on the loggers under `dbfed` while it is
 * attached: a test's view of the records dbfed forwards. `close()` detaches it and turns the
 * loggers off again (logback-test.xml keeps them off).
 */
class Logs private constructor(level: Level, private val levels: Map<String, Level>) : AutoCloseable {
    private val root = LoggerFactory.getLogger("dbfed") as Logger
    private val appender = Collector()

    /** Every event received so far, in order. */
    val events: List<ILoggingEvent> get() = appender.received

    init {
        appender.start()
        root.addAppender(appender)
        root.level = level
        for ((name, own) in levels) (LoggerFactory.getLogger(name) as Logger).level = own
    }

    /** Waits (10 s at most) for an event that [matches]: records arrive a little after the call. */
    fun await(what: String, matches: (ILoggingEvent) -> Boolean): ILoggingEvent {
        val deadline = System.nanoTime() + 10_000_000_000
        while (true) {
            events.firstOrNull(matches)?.let { return it }
            assertTrue(System.nanoTime() < deadline, "no $what among ${shown()}")
            Thread.sleep(10)
        }
    }

    /** The events as lines, `LEVEL logger message`, for failure messages and scans. */
    fun shown(): String = events.joinToString("\n") { "${it.level} ${it.loggerName} ${it.formattedMessage}" }

    override fun close() {
        root.detachAppender(appender)
        root.level = null
        for (name in levels.keys) (LoggerFactory.getLogger(name) as Logger).level = null
        appender.stop()
    }

    /** Keeps every event (appended on dbfed's forwarding thread, read on the test's). */
    private class Collector : AppenderBase<ILoggingEvent>() {
        val received = CopyOnWriteArrayList<ILoggingEvent>()

        override fun append(event: ILoggingEvent) {
            received.add(event)
        }
    }

    companion object {
        /** Sets the loggers under `dbfed` to [level] (some to a level of their own) and collects what they receive. */
        fun collect(level: Level, vararg levels: Pair<String, Level>): Logs = Logs(level, levels.toMap())
    }
}
