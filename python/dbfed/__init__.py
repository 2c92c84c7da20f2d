"""dbfed: call Databricks APIs with tokens from your own identity provider (OAuth token
federation, RFC 8693), cached and refreshed ahead of expiry.

    import dbfed

    credential = dbfed.Credential(
        host="https://dbc-1234abcd-5678.cloud.databricks.com",
        client_id="6f1c1a3e-0000-4a5b-9c8d-0123456789ab",
        source=dbfed.sources.File("/var/run/secrets/tokens/databricks"),
    )
    headers = credential.headers()  # {"Authorization": "Bearer …"}

    credential = dbfed.Credential.from_env()  # DATABRICKS_HOST, …, the source detected
"""

import os as _os

from . import _native, sources
from ._diagnosis import Mismatch, MismatchKind
from ._native import AccessToken, Credential, Endpoints, FederationPolicy, RetryPolicy, Stats, diagnose
from ._native import AzureCredential, AzureOnBehalfOf, UserExchanger, UserStats, UserTokens
from .errors import (
    ConfigError,
    DbfedError,
    ExchangeError,
    MalformedResponseError,
    SourceError,
    TransportError,
)

__version__: str = _native.__version__

__all__ = [
    "AccessToken",
    "AzureCredential",
    "AzureOnBehalfOf",
    "ConfigError",
    "Credential",
    "DbfedError",
    "Endpoints",
    "ExchangeError",
    "FederationPolicy",
    "MalformedResponseError",
    "Mismatch",
    "MismatchKind",
    "RetryPolicy",
    "SourceError",
    "Stats",
    "TransportError",
    "diagnose",
    "UserExchanger",
    "UserStats",
    "UserTokens",
    "sources",
]

# A child process (gunicorn --preload, multiprocessing) builds its own runtime: the parent's
# threads do not survive fork().
if hasattr(_os, "register_at_fork"):  # not on Windows, which has no fork()
    _os.register_at_fork(after_in_child=_native._after_fork_in_child)
