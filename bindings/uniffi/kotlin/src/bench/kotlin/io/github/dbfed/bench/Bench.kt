package io.github.dbfed.bench

import io.github.dbfed.Credential
import io.github.dbfed.Source
import io.github.dbfed.Testkit
import kotlinx.coroutines.runBlocking
import org.openjdk.jmh.profile.GCProfiler
import org.openjdk.jmh.results.RunResult
import org.openjdk.jmh.runner.Runner
import org.openjdk.jmh.runner.options.OptionsBuilder
import org.openjdk.jmh.runner.options.TimeValue

/**
 * The JVM benchmark: one `dbfed-testkit serve` (started here, shared with JMH's forked JVMs), and
 *
 * - cached calls ([TokenBench], JMH, with its `gc` profiler for the bytes allocated per call):
 *   the JNI fast path (`accessToken()`, `authorizationHeader()`, `headersBlocking()`) beside the
 *   Databricks SDK for Java's `config.authenticate()`, then uniffi's JNA calls
 *   (`credential.tokenBlocking()`, the suspend `token()`, `cachedToken()`, and
 *   `UserExchanger.tokenForBlocking(jwt)` / `tokenFor(jwt)` for a hot user); one fork, 3 warm-up
 *   iterations of 1 s, 7 measured iterations of 1 s; the best iteration and JMH's mean with its
 *   99.9 % interval;
 * - token exchanges per 1,000 API calls ("get the token, call SCIM Me") from a cold start, the
 *   credential made inside the count, with an `EnvVar` source; counted by the testkit.
 *
 * `smoke` (argument): one short iteration each and 20 API calls, to prove it works (numbers mean nothing).
 * Run it through the pom's `bench` profile: see BENCHMARKS.md, section JVM.
 */
fun main(args: Array<String>) {
    val smoke = "smoke" in args
    val apiCalls = if (smoke) 20 else 1_000
    val rows = mutableListOf<List<String>>()

    val kit = Testkit
    kit.reset()
    Loops.setenv(TokenBench.JWT_VARIABLE, kit.servicePrincipalJwt())
    val blocking = exchangesPerApiCalls(apiCalls) { credential ->
        repeat(apiCalls) { check(kit.me(credential.authorizationHeader()).first == 200) }
    }
    val suspending = exchangesPerApiCalls(apiCalls) { credential ->
        runBlocking {
            repeat(apiCalls) { check(kit.me(credential.token().authorizationHeader()).first == 200) }
        }
    }

    val options = OptionsBuilder()
        .include(TokenBench::class.java.name + "\\.")
        .forks(1)
        .warmupIterations(if (smoke) 1 else 3)
        .warmupTime(TimeValue.milliseconds(if (smoke) 100 else 1_000))
        .measurementIterations(if (smoke) 1 else 7)
        .measurementTime(TimeValue.milliseconds(if (smoke) 100 else 1_000))
        .jvmArgsAppend("-Ddbfed.testkit.info=${kit.infoLine}")
        .addProfiler(GCProfiler::class.java)
        .build()
    val results = Runner(options).run().associateBy { it.params.benchmark.substringAfterLast('.') }

    // Each row as its method's `@Reported` says, in the table's order.
    val reported = TokenBench::class.java.declaredMethods
        .mapNotNull { method -> method.getAnnotation(Reported::class.java)?.let { it to method.name } }
        .sortedBy { (report, _) -> report.row }
    for ((report, method) in reported) {
        val result = results.getValue(method)
        rows += listOf(report.what, "%,.0f".format(best(result)), mean(result), allocated(result), report.goal)
    }
    rows += listOf("exchanges per $apiCalls API calls, `EnvVar`, cold start", "$blocking (`authorizationHeader()`) / $suspending (suspend `token()`)", "—", "—", "1")

    val header = listOf("what", "best of ${if (smoke) 1 else 7}, ns", "mean ± 99.9 %, ns", "allocated, B/call", "goal")
    val widths = header.indices.map { i -> (rows + listOf(header)).maxOf { it[i].length } }
    for (row in listOf(header, widths.map { "-".repeat(it) }) + rows) {
        println("| " + row.mapIndexed { i, cell -> cell.padEnd(widths[i]) }.joinToString(" | ") + " |")
    }
    check(blocking == 1L && suspending == 1L) { "expected 1 exchange per $apiCalls API calls" }
}

/** Token exchanges the testkit counted while a credential was made and `use` made API calls with it. */
private fun exchangesPerApiCalls(apiCalls: Int, use: (Credential) -> Unit): Long {
    val before = Testkit.counters().getValue("exchanges")
    Credential(Testkit.config(), Source.envVar(TokenBench.JWT_VARIABLE)).use(use)
    return Testkit.counters().getValue("exchanges") - before
}

/** Bytes allocated per call (JMH's `-prof gc`, `gc.alloc.rate.norm`). */
private fun allocated(result: RunResult): String =
    result.secondaryResults["gc.alloc.rate.norm"]?.score?.let { "%,.0f".format(it) } ?: "—"

/** The best (lowest) iteration score, ns per call. */
private fun best(result: RunResult): Double =
    result.benchmarkResults.flatMap { it.iterationResults }.minOf { it.primaryResult.score }

private fun mean(result: RunResult): String {
    val primary = result.primaryResult
    val error = primary.scoreError
    return if (error.isNaN()) "%,.0f".format(primary.score) else "%,.0f ± %,.0f".format(primary.score, error)
}
