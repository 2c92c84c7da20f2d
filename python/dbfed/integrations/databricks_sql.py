"""databricks-sql-connector: authenticate ``databricks.sql.connect`` with a dbfed credential.

    from databricks import sql
    from dbfed.integrations.databricks_sql import credentials_provider

    with sql.connect(server_hostname=hostname, http_path=http_path,
                     credentials_provider=credentials_provider(credential)) as connection:
        ...

The connector keeps a token it was given until about a minute before the token's own expiry
(``exp`` of Databricks' JWT tokens), then asks the credential again.
"""

from __future__ import annotations

from typing import Any

from databricks.sql.auth.authenticators import CredentialsProvider, HeaderFactory

from .._native import Credential

__all__ = ["DbfedCredentialsProvider", "credentials_provider"]


class DbfedCredentialsProvider(CredentialsProvider):
    """A databricks-sql-connector credentials provider (``auth_type`` ``"dbfed"``) backed by a
    :class:`dbfed.Credential`."""

    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def auth_type(self) -> str:
        return "dbfed"

    def __call__(self, *args: Any, **kwargs: Any) -> HeaderFactory:
        return self._credential.headers

    def __repr__(self) -> str:
        return f"DbfedCredentialsProvider({self._credential!r})"


def credentials_provider(credential: Credential) -> DbfedCredentialsProvider:
    """The ``credentials_provider`` for ``databricks.sql.connect``."""
    return DbfedCredentialsProvider(credential)
