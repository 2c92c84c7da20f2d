package io.github.dbfed

import java.io.File
import java.util.concurrent.CompletableFuture
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * A JVM program that uses dbfed exits on its own, within 2 s of its last statement: 20 runs of
 * [ExitProbe] as a child `java` process, each on the sync, suspend, per-user and failing paths
 * with dbfed's loggers at TRACE; the order turns, so that each path is the last in 5 runs.
 */
class ExitTest {
    private val paths = listOf("sync", "async", "users", "failing")

    @Test
    fun `a program using dbfed exits within 2 s of its last statement, 20 runs`(@TempDir logs: File) {
        Testkit.reset()
        val spJwt = Testkit.servicePrincipalJwt()
        Testkit.addPolicy(clientId = null, audiences = listOf(AUDIENCE))
        val userJwt = Testkit.mint(USER, listOf(AUDIENCE))
        // Two at a time: one per core, so that the 20 runs take about half a minute.
        val pool = Executors.newFixedThreadPool(2)
        val runs = (0 until RUNS).map { run ->
            val order = paths.drop(run % paths.size) + paths.take(run % paths.size)
            pool.submit<Run> { probe(order, File(logs, "run-$run.stderr"), spJwt, userJwt) }
        }
        val results = runs.map { it.get(2, TimeUnit.MINUTES) }
        pool.shutdown()

        for ((run, result) in results.withIndex()) {
            val what = "run $run (${result.order.joinToString()}), stderr:\n${result.stderr.takeLast(4000)}"
            val ended = "status ${result.status}: no last statement within 60 s, or no exit within 30 s of it"
            assertTrue(result.exitedWithinMs != null, "$ended: $what")
            assertEquals(0, result.status, what)
            assertTrue(result.exitedWithinMs!! < EXIT_BOUND_MS, "exited ${result.exitedWithinMs} ms after its last statement: $what")
            // dbfed's records reached logback in the child (the probe waited for one before its last path).
            assertTrue("DEBUG dbfed.exchange_client exchanged the subject token" in result.stderr, what)
        }
        val slowest = results.maxOf { it.exitedWithinMs!! }
        println("exit test: $RUNS runs, slowest exit ${slowest} ms after the last statement")
    }

    /** What one run of the probe did: its exit status, and how long after its marker it exited (null: not within 30 s). */
    private class Run(val order: List<String>, val status: Int?, val exitedWithinMs: Long?, val stderr: String)

    /** Runs the probe on [order], stderr to [stderrFile]; waits 60 s at most for its marker, 30 s for its exit. */
    private fun probe(order: List<String>, stderrFile: File, spJwt: String, userJwt: String): Run {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val process = ProcessBuilder(
            listOf(java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.github.dbfed.ExitProbe", Testkit.url, spJwt, userJwt) + order,
        )
            .redirectError(stderrFile)
            .redirectInput(ProcessBuilder.Redirect.from(File("/dev/null")))
            .start()
        try {
            val reading = CompletableFuture.supplyAsync {
                process.inputStream.bufferedReader().useLines { lines ->
                    val found = lines.any { it == EXIT_PROBE_DONE }
                    if (found) System.nanoTime() else null
                }
            }
            val marked = try {
                reading.get(60, TimeUnit.SECONDS)
            } catch (_: TimeoutException) {
                null
            }
            // The marker is the last line: the reader ends when the process closes stdout, at exit.
            val exited = process.waitFor(30, TimeUnit.SECONDS)
            val exitedWithinMs = marked?.takeIf { exited }?.let { (System.nanoTime() - it) / 1_000_000 }
            return Run(order, if (exited) process.exitValue() else null, exitedWithinMs, stderrFile.readText())
        } finally {
            process.destroyForcibly()
        }
    }

    private companion object {
        const val RUNS = 20
        const val EXIT_BOUND_MS = 2_000L
    }
}
