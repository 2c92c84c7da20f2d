// Hand-written: the public `Source`, with its factories as static methods for Java.
package io.github.dbfed

import java.time.Duration

/**
 * Where the subject JWTs come from. Every source is asked again at each exchange; those that
 * read a file or a variable re-read it, those that make a request cache their JWT until shortly
 * before it expires. `toString()` never shows a JWT. Made by the factories below, each a static
 * method in Java (`Source.file(path)`); close it (or leave it to the garbage collector) when
 * done, as a credential keeps its own reference.
 */
open class Source internal constructor(native: NativeSource) :
    NativeSource(UniffiWithHandle, adoptHandle(native)) {

    companion object {
        init {
            LibraryFile.ensure() // before any call into the library: its file, or a clear error where it has none
        }

        /** Always the same JWT (for tests, or a JWT whose lifetime you manage yourself). */
        @JvmStatic fun fixed(jwt: String): Source = Source(sourceFixed(jwt))

        /** The JWT in the environment variable [name], read anew at every exchange. */
        @JvmStatic fun envVar(name: String): Source = Source(sourceEnvVar(name))

        /** The JWT in the file at [path], read anew at every exchange and trimmed. */
        @JvmStatic fun file(path: String): Source = Source(sourceFile(path))

        /**
         * A Kubernetes projected service-account token (the kubelet rotates the file): [path], by
         * default `/var/run/secrets/kubernetes.io/serviceaccount/token`.
         */
        @JvmStatic @JvmOverloads fun kubernetes(path: String? = null): Source = Source(sourceKubernetes(path))

        /** GitLab CI: the ID token in [variable], the name given to it under the job's `id_tokens:`. */
        @JvmStatic fun gitLab(variable: String): Source = Source(sourceGitLab(variable))

        /** CircleCI: `CIRCLE_OIDC_TOKEN_V2`, else `CIRCLE_OIDC_TOKEN`. */
        @JvmStatic fun circleCi(): Source = Source(sourceCircleCi())

        /** Bitbucket Pipelines: `BITBUCKET_STEP_OIDC_TOKEN` (a step with `oidc: true`). */
        @JvmStatic fun bitbucket(): Source = Source(sourceBitbucket())

        /**
         * Runs [program] with [args] (never through a shell, no standard input) and exchanges the
         * JWT it prints, cached until shortly before it expires; `{audience}` in an argument is
         * replaced by the audience. Its output is a bare JWT or
         * `{"version": 1, "success": true, "id_token": "…", "expiration_time": …}`; when it fails,
         * the error quotes its standard error. It is killed after [timeout] (default 30 s).
         */
        @JvmStatic @JvmOverloads
        fun command(program: String, args: List<String> = listOf(), timeout: Duration? = null): Source =
            Source(sourceCommand(program, args, timeout))

        /**
         * GitHub Actions: the job's OIDC ID token (`permissions: id-token: write`), requested from
         * `ACTIONS_ID_TOKEN_REQUEST_URL` with `ACTIONS_ID_TOKEN_REQUEST_TOKEN` for [audience], by
         * default the credential's. Throws `DbfedException.Config` if [network] is unsafe.
         */
        @JvmStatic @JvmOverloads @Throws(DbfedException::class)
        fun gitHubActions(audience: String? = null, network: NetworkSettings? = null): Source =
            Source(sourceGitHubActions(audience, network))

        /**
         * Azure DevOps Pipelines: an ID token for the service connection whose id is
         * [serviceConnection], else for the one `AZURESUBSCRIPTION_SERVICE_CONNECTION_ID` names,
         * else the pipeline's own. Needs `SYSTEM_ACCESSTOKEN` mapped into the step.
         */
        @JvmStatic @JvmOverloads @Throws(DbfedException::class)
        fun azureDevOps(serviceConnection: String? = null, network: NetworkSettings? = null): Source =
            Source(sourceAzureDevOps(serviceConnection, network))

        /**
         * Google Cloud (GCE, GKE, Cloud Run): the default service account's identity token, from
         * the metadata server at [host] (host and port), else `GCE_METADATA_HOST`, else
         * `metadata.google.internal`.
         */
        @JvmStatic @JvmOverloads @Throws(DbfedException::class)
        fun gcpMetadata(host: String? = null, network: NetworkSettings? = null): Source =
            Source(sourceGcpMetadata(host, network))

        /**
         * Any OIDC identity provider, by the client-credentials grant (see
         * [OidcClientCredentialsConfig]). No request is made here; `toString()` never shows the
         * secret or the key.
         */
        @JvmStatic @Throws(DbfedException::class)
        fun oidcClientCredentials(config: OidcClientCredentialsConfig): Source =
            Source(sourceOidcClientCredentials(config))

        /**
         * Tries [sources] in order and exchanges the first JWT one produces; when all fail, the
         * error gives each one's reason.
         */
        @JvmStatic fun chain(sources: List<NativeSource>): Source = Source(sourceChain(sources))

        /**
         * Your own code as a source: `provider.subjectToken(audience)` at every exchange, as a
         * coroutine. A call that has not returned within [timeout] (default 60 s) fails; its
         * coroutine is cancelled when kotlinx-coroutines is on the classpath (without it the
         * provider runs as a plain coroutine of the standard library, which nothing can cancel).
         */
        @JvmStatic @JvmOverloads
        fun callback(provider: SubjectTokenProvider, timeout: Duration? = null): Source =
            Source(sourceFromCallbackBridge(ProviderBridge(provider), timeout))

        /**
         * Your own blocking code as a source, e.g. a Java lambda `audience -> vault.jwtFor(audience)`:
         * called at every exchange on a thread of dbfed's own, where it may block. A call that has
         * not returned within [timeout] (default 60 s) fails and is abandoned.
         */
        @JvmStatic @JvmOverloads
        fun callback(callback: SubjectTokenCallback, timeout: Duration? = null): Source =
            callback(BlockingProvider(callback), timeout)

        /** The handle of a new reference to [native]'s object, [native] itself released. */
        private fun adoptHandle(native: NativeSource): Long = native.use { it.uniffiCloneHandle() }
    }
}
