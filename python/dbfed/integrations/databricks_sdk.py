"""databricks-sdk: authenticate ``WorkspaceClient`` and ``AccountClient`` with a dbfed credential.

    from databricks.sdk import WorkspaceClient
    from dbfed.integrations.databricks_sdk import credentials_strategy

    w = WorkspaceClient(host=host, credentials_strategy=credentials_strategy(credential))

Every API call asks the credential for its headers: a cached read, refreshed ahead of expiry.
"""

from __future__ import annotations

from databricks.sdk.config import Config
from databricks.sdk.credentials_provider import CredentialsStrategy, OAuthCredentialsProvider
from databricks.sdk.oauth import Token

from .._native import Credential

__all__ = ["DbfedCredentialsStrategy", "credentials_strategy"]


class DbfedCredentialsStrategy(CredentialsStrategy):
    """A databricks-sdk credentials strategy (``auth_type`` ``"dbfed"``) backed by a
    :class:`dbfed.Credential`; it also serves ``Config.oauth_token()``."""

    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def auth_type(self) -> str:
        return "dbfed"

    def __call__(self, cfg: Config) -> OAuthCredentialsProvider:
        return OAuthCredentialsProvider(self._credential.headers, self._oauth_token)

    def _oauth_token(self) -> Token:
        token = self._credential.token()
        return Token(access_token=token.token, token_type=token.token_type, expiry=token.expires_at)

    def __repr__(self) -> str:
        return f"DbfedCredentialsStrategy({self._credential!r})"


def credentials_strategy(credential: Credential) -> DbfedCredentialsStrategy:
    """The ``credentials_strategy`` for ``WorkspaceClient``, ``AccountClient`` or ``Config``."""
    return DbfedCredentialsStrategy(credential)
