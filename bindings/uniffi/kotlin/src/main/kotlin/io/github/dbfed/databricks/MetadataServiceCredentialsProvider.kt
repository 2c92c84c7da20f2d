// Hand-written: the `metadata-service` auth the Databricks SDK for Java lacks.
package io.github.dbfed.databricks

import com.databricks.sdk.core.CredentialsProvider
import com.databricks.sdk.core.DatabricksConfig
import com.databricks.sdk.core.DatabricksException
import com.databricks.sdk.core.HeaderFactory
import io.github.dbfed.Credential
import io.github.dbfed.DbfedException
import io.github.dbfed.metadataServiceUrl

/**
 * The Databricks SDK for Java's credentials from a metadata-service endpoint, the auth type the
 * other Databricks SDKs call `metadata-service` and the Java SDK lacks: for a service run under
 * `dbfed exec` (which sets `DATABRICKS_METADATA_SERVICE_URL`) or next to `dbfed serve`.
 * `new DatabricksConfig().setHost(host).setCredentialsProvider(new MetadataServiceCredentialsProvider())`.
 * The endpoint is [url], else `DATABRICKS_METADATA_SERVICE_URL`; without either, [configure]
 * returns null, as the SDK's providers do when they do not apply. Tokens are cached and refreshed
 * by dbfed, and a failure reaches the SDK as a `DatabricksException` whose cause is the
 * `DbfedException`.
 */
class MetadataServiceCredentialsProvider @JvmOverloads constructor(private val url: String? = null) :
    CredentialsProvider {
    /** `metadata-service`, as the other SDKs name this auth type. */
    override fun authType(): String = "metadata-service"

    /** The headers of each request, from a credential over the endpoint for `config`'s host. */
    override fun configure(config: DatabricksConfig): HeaderFactory? {
        val endpoint = url ?: metadataServiceUrl() ?: return null
        val credential = try {
            Credential.metadataService(endpoint, config.host)
        } catch (error: DbfedException) {
            throw DatabricksException("dbfed could not use the metadata-service endpoint: ${error.message}", error)
        }
        return DbfedCredentialsProvider(credential).configure(config)
    }
}
