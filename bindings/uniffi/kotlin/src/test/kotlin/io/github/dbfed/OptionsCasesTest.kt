package io.github.dbfed

import java.io.File
import java.time.Duration
import kotlin.math.roundToLong
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.assertThrows

/**
 * The shared table of option cases (tests/cases/options.json) through the public Kotlin API, one
 * test a case: each case's options given to the config record of the class it names, in Kotlin's
 * spelling (`clientId`, durations as `java.time.Duration`), and its outcome checked: a
 * `DbfedException.Config` whose reason contains the expected text (its option names spelled the
 * same way), or an object whose `toString()` shows the expected values. No error and nothing
 * shown ever contains a `never_shown` value. The Rust tests, pytest and `node --test` run the
 * same table; a case whose `not_in` names `jvm` is skipped with its reason.
 */
class OptionsCasesTest {
    @TestFactory
    fun `every case of the options table`(): List<DynamicTest> {
        val cases = TABLE.getJSONArray("cases").objects()
        assertTrue(cases.size >= 60, "${cases.size} cases")
        return cases.map { case -> DynamicTest.dynamicTest(case.getString("name")) { check(case) } }
    }

    private fun check(case: JSONObject) {
        val notIn = case.optJSONObject("not_in")?.optString("jvm", null)
        assumeTrue(notIn == null, "not in the JVM: $notIn")
        val expect = case.getJSONObject("expect")
        val secrets = texts(expect.opt("never_shown"))
        val shown = if (expect.has("error")) {
            val error = assertThrows<DbfedException.Config> { build(case).forEach { it.close() } }
            val wanted = respelled(expect.getString("contains"))
            assertTrue(wanted in error.reason, "${error.reason}\nlacks $wanted")
            listOf(error.reason, error.message.orEmpty(), error.toString())
        } else {
            val built = build(case)
            try {
                val text = built.first().toString()
                for (field in expect.getJSONObject("shows").keys()) {
                    assertTrue("${camelCase(field)}=" in text, "$text\nhas no ${camelCase(field)}")
                    for (value in texts(expect.getJSONObject("shows").get(field))) {
                        assertTrue(value in text, "$text\nlacks $value")
                    }
                }
                built.map { it.toString() }
            } finally {
                built.forEach { it.close() }
            }
        }
        for (secret in secrets) {
            assertFalse(shown.any { secret in it }, "$secret shown in:\n${shown.joinToString("\n")}")
        }
    }

    /** The object a case builds, then the config records and sources it was built from. */
    private fun build(case: JSONObject): List<AutoCloseable> {
        val options = Options(case.getJSONObject("options"))
        val build = case.getString("build")
        val built = when (build) {
            "credential" -> {
                val source = sourceOf(options.take("source") as JSONObject)
                listOf(Credential(credentialConfig(options), source), source)
            }
            "user_exchanger" -> listOf(UserExchanger(credentialConfig(options), options.cache()))
            "azure_credential" -> {
                val config = AzureCredentialConfig(
                    tenantId = options.text("tenant_id"),
                    clientId = options.text("client_id"),
                    clientSecret = options.text("client_secret")?.let { ClientSecret(it) },
                    clientAssertion = (options.take("client_assertion") as JSONObject?)?.let { sourceOf(it) },
                    managedIdentity = options.take("managed_identity") as Boolean? ?: false,
                    imdsEndpoint = options.text("imds_endpoint"),
                    authorityHost = options.text("authority_host"),
                    resource = options.text("resource"),
                    network = options.network(),
                )
                listOf(Credential.azure(config), Shown(config))
            }
            "azure_on_behalf_of" -> {
                val config = AzureOnBehalfOfConfig(
                    tenantId = options.text("tenant_id")!!,
                    clientId = options.text("client_id")!!,
                    clientSecret = options.text("client_secret")?.let { ClientSecret(it) },
                    clientAssertion = (options.take("client_assertion") as JSONObject?)?.let { sourceOf(it) },
                    authorityHost = options.text("authority_host"),
                    scope = options.text("scope"),
                    cache = options.cache(),
                    network = options.network(),
                )
                listOf(AzureOnBehalfOf(config), Shown(config))
            }
            "github_actions" -> listOf(gitHubActions(options))
            "oidc_client_credentials" -> {
                val config = oidcClient(options)
                listOf(Source.oidcClientCredentials(config), Shown(config))
            }
            "azure_devops" -> listOf(
                Source.azureDevOps(
                    serviceConnection = options.text("service_connection"),
                    network = options.network(),
                ),
            )
            "gcp_metadata" -> listOf(
                Source.gcpMetadata(
                    host = options.text("host"),
                    network = options.network(),
                ),
            )
            else -> throw AssertionError("no build $build in the JVM API: add \"jvm\" to the case's not_in")
        }
        options.finish(build)
        return built
    }

    /**
     * The source a case names: `{"fixed": jwt}`, `{"env_var": name}`, `{"file": path}`,
     * `{"command": [program, args…]}`, `{"github_actions": {…}}`, `{"oidc_client_credentials": {…}}`.
     */
    private fun sourceOf(spec: JSONObject): Source {
        val kind = spec.keys().next()
        return when (kind) {
            "fixed" -> Source.fixed(spec.getString(kind))
            "env_var" -> Source.envVar(spec.getString(kind))
            "file" -> Source.file(spec.getString(kind))
            "command" -> {
                val words = spec.getJSONArray(kind).map { it as String }
                Source.command(words.first(), words.drop(1))
            }
            "oidc_client_credentials" -> Source.oidcClientCredentials(oidcClient(Options(spec.getJSONObject(kind))))
            "github_actions" -> gitHubActions(Options(spec.getJSONObject(kind)))
            else -> throw AssertionError("no source $kind in the JVM API: add \"jvm\" to the case's not_in")
        }
    }

    /** The `CredentialConfig` of a case's options (a user exchanger's too). */
    private fun credentialConfig(options: Options) = CredentialConfig(
        host = options.text("host"),
        accountHost = options.text("account_host"),
        accountId = options.text("account_id"),
        clientId = options.text("client_id"),
        scopes = options.texts("scopes"),
        audience = options.text("audience"),
        tokenEndpoint = options.text("token_endpoint"),
        discoveryUrl = options.text("discovery_url"),
        network = options.network(),
    )

    /** The GitHub Actions source of a case's options. */
    private fun gitHubActions(options: Options): Source = Source.gitHubActions(
        audience = options.text("audience"),
        network = options.network(),
    ).also { options.finish("github_actions") }

    /** The OIDC client-credentials config of a case's options; secrets and keys as `ClientSecret`s. */
    private fun oidcClient(options: Options): OidcClientCredentialsConfig = OidcClientCredentialsConfig(
        issuer = options.text("issuer")!!,
        clientId = options.text("client_id")!!,
        clientSecret = options.text("client_secret")?.let { ClientSecret(it) },
        privateKeyPem = options.text("private_key_pem")?.let { ClientSecret(it) },
        authMethod = options.text("auth_method"),
        algorithm = options.text("algorithm"),
        keyId = options.text("key_id"),
        tokenEndpoint = options.text("token_endpoint"),
        scope = options.text("scope"),
        audienceParameter = options.text("audience_parameter"),
        tokenField = options.text("token_field"),
        network = options.network(),
    ).also { options.finish("oidc_client_credentials") }

    /** A config record whose `toString()` is checked for secrets too; nothing to close. */
    private class Shown(private val record: Any) : AutoCloseable {
        override fun close() {}
        override fun toString() = record.toString()
    }

    /** A case's options, taken one by one; what is left at the end is an option the test does not pass on. */
    private class Options(options: JSONObject) {
        private val left = options.toMap().keys.associateWith { options.get(it) }.toMutableMap()

        fun take(name: String): Any? = left.remove(name)

        fun text(name: String): String? = take(name) as String?

        fun texts(name: String): List<String>? = (take(name) as JSONArray?)?.map { it as String }

        fun integer(name: String): Int? = (take(name) as Number?)?.toInt()

        /** Seconds in the table, a `java.time.Duration` in Kotlin. */
        fun duration(name: String): Duration? =
            (take(name) as Number?)?.let { Duration.ofNanos((it.toDouble() * 1e9).roundToLong()) }

        /** The network settings among the options, if any is given. */
        fun network(): NetworkSettings? {
            val settings = NetworkSettings(
                connectTimeout = duration("connect_timeout"),
                requestTimeout = duration("request_timeout"),
                caBundle = text("ca_bundle"),
                retry = retry(),
            )
            return settings.takeIf { it != NetworkSettings() }
        }

        /** The per-user cache settings among the options, if any is given. */
        fun cache(): UserCacheSettings? {
            val settings = UserCacheSettings(
                maxUsers = integer("max_users"),
                expectedIssuers = texts("expected_issuers").orEmpty(),
                expectedAudiences = texts("expected_audiences").orEmpty(),
                expiryLeeway = duration("expiry_leeway"),
                negativeCache = duration("negative_cache"),
            )
            return settings.takeIf { it != UserCacheSettings() }
        }

        fun retry(): RetryPolicy? = (take("retry") as JSONObject?)?.let {
            val retry = Options(it)
            RetryPolicy(
                maxAttempts = retry.integer("max_attempts"),
                initialBackoff = retry.duration("initial_backoff"),
                maxBackoff = retry.duration("max_backoff"),
                totalBudget = retry.duration("total_budget"),
            ).also { retry.finish("retry") }
        }

        fun finish(build: String) = assertTrue(left.isEmpty(), "$build: options ${left.keys} not passed on")
    }

    private companion object {
        val TABLE = JSONObject(File("../../../tests/cases/options.json").readText())

        fun JSONArray.objects(): List<JSONObject> = (0 until length()).map { getJSONObject(it) }

        /** A canonical option name as Kotlin spells it: `client_id` → `clientId`. */
        fun camelCase(name: String): String = Regex("_([a-z0-9])").replace(name) { it.groupValues[1].uppercase() }

        /** `text` with the option names it quotes in backticks spelled as Kotlin spells them. */
        fun respelled(text: String): String =
            Regex("`([a-z][a-z0-9_]*)`").replace(text) { "`${camelCase(it.groupValues[1])}`" }

        /** The texts an expected value stands for (a list: each of its items). */
        fun texts(value: Any?): List<String> = when (value) {
            null, JSONObject.NULL -> emptyList()
            is JSONArray -> value.flatMap { texts(it) }
            else -> listOf(value.toString())
        }
    }
}
