// Hand-written: dbfed as the Databricks SDK for Java's credentials.
package io.github.dbfed.databricks

import com.databricks.sdk.core.CredentialsProvider
import com.databricks.sdk.core.DatabricksConfig
import com.databricks.sdk.core.DatabricksException
import com.databricks.sdk.core.HeaderFactory
import io.github.dbfed.Credential
import io.github.dbfed.DbfedException

/**
 * The Databricks SDK for Java's credentials from a dbfed [Credential]:
 * `new WorkspaceClient(new DatabricksConfig().setHost(host).setCredentialsProvider(new DbfedCredentialsProvider(credential)))`.
 * Each request of the SDK asks the credential for its header, which it has cached (through JNI, no
 * allocation); a failure reaches the SDK as a `DatabricksException` whose cause is the
 * `DbfedException`. The credential stays the caller's to close.
 */
class DbfedCredentialsProvider(private val credential: Credential) : CredentialsProvider {
    /** `dbfed`, as the SDK reports the auth type in use. */
    override fun authType(): String = "dbfed"

    /** The headers of each request: `Authorization: Bearer <token>`. */
    override fun configure(config: DatabricksConfig): HeaderFactory = HeaderFactory {
        try {
            credential.headersBlocking()
        } catch (error: DbfedException) {
            throw DatabricksException("dbfed could not get a Databricks token: ${error.message}", error)
        }
    }
}
