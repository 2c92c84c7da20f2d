// Hand-written: dbfed's log records (the Rust core's events) to SLF4J. The library's loading
// (the generated `UniffiLib`'s init, to which dbfed's bindgen adds the call) installs it.
package io.github.dbfed

import java.util.concurrent.ConcurrentHashMap
import org.slf4j.Logger
import org.slf4j.LoggerFactory
import org.slf4j.helpers.NOPLoggerFactory

/**
 * Sends dbfed's log records to the SLF4J logger of their name (`dbfed.cache`,
 * `dbfed.credential`, …) at their level, when that logger is enabled for it. Nothing to set up:
 * configure the loggers under `dbfed` in your SLF4J provider (logback, log4j 2, …). Without a
 * provider (or with slf4j-nop), or without SLF4J on the classpath, nothing is forwarded. The
 * core writes no token, JWT or secret into a record.
 */
internal object Slf4jForwarding {
    /** Installs the forwarding if SLF4J has a provider; never throws (the library is loading). */
    fun install() {
        try {
            if (LoggerFactory.getILoggerFactory() !is NOPLoggerFactory) {
                forwardLogs(ToSlf4j(), LogLevel.TRACE)
            }
        } catch (_: Throwable) {
            // No SLF4J on the classpath, or it failed to start: dbfed stays quiet.
        }
    }
}

/**
 * Each record to its SLF4J logger, if enabled for its level (asked per record: cheap, and it
 * follows a level changed at run time). Called on dbfed's forwarding thread, never on a caller's:
 * what the logging throws (an `Error` too) loses that record and nothing else.
 */
internal class ToSlf4j : LogForwarder {
    /** The loggers by name: a handful (one a module of the core). */
    private val loggers = ConcurrentHashMap<String, Logger>()

    override fun forward(record: LogRecord) {
        try {
            val logger = loggers.computeIfAbsent(record.logger, LoggerFactory::getLogger)
            when (record.level) {
                LogLevel.ERROR -> if (logger.isErrorEnabled) logger.error(record.message)
                LogLevel.WARN -> if (logger.isWarnEnabled) logger.warn(record.message)
                LogLevel.INFO -> if (logger.isInfoEnabled) logger.info(record.message)
                LogLevel.DEBUG -> if (logger.isDebugEnabled) logger.debug(record.message)
                LogLevel.TRACE -> if (logger.isTraceEnabled) logger.trace(record.message)
            }
        } catch (_: Throwable) {
            // The application's logging failed: the record is lost, dbfed goes on.
        }
    }
}
