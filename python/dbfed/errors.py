"""The exceptions dbfed raises; every one is a :class:`DbfedError`.

Messages and attributes never contain a token, a JWT or a secret.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = [
    "ConfigError",
    "DbfedError",
    "ExchangeError",
    "MalformedResponseError",
    "SourceError",
    "TransportError",
]


class DbfedError(Exception):
    """Base class of every error dbfed raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only fields, which the default pickling cannot pass.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[DbfedError], args: tuple[Any, ...], fields: dict[str, Any]) -> DbfedError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(fields)
    return error


class ConfigError(DbfedError):
    """The configuration is incomplete or unsafe (raised before any network call)."""


class SourceError(DbfedError):
    """The subject JWT could not be had: a variable unset, a file missing or empty, a callback
    that raised (its exception is chained as ``__cause__``) or timed out, a JWT already expired.
    """

    source_name: str
    """Which source failed: ``env``, ``file``, ``callback``, ``fixed``, …"""

    def __init__(self, message: str, *, source_name: str) -> None:
        super().__init__(message)
        self.source_name = source_name


class ExchangeError(DbfedError):
    """The server refused the token exchange (or a discovery request), with its own words."""

    status: int
    """HTTP status code of the answer."""
    endpoint: str
    """The URL that answered (without its query)."""
    error: Optional[str]
    """The server's error code (``invalid_grant``, ``TEMPORARILY_UNAVAILABLE``, …), if any."""
    description: Optional[str]
    """The server's explanation, if any."""
    request_id: Optional[str]
    """The server's request id, if any (quote it to Databricks support)."""
    retry_after: Optional[float]
    """Seconds the server asked to wait before trying again (``Retry-After``), if it did."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        endpoint: str,
        error: Optional[str] = None,
        description: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint
        self.error = error
        self.description = description
        self.request_id = request_id
        self.retry_after = retry_after


class MalformedResponseError(ExchangeError):
    """The server answered, but not with something dbfed can use (not JSON, no
    ``access_token``, a body over 1 MiB, …); ``description`` says what is wrong."""


class TransportError(DbfedError):
    """No answer: connection refused or dropped, timeout, TLS failure."""

    endpoint: str
    """The URL that was called (without its query)."""
    retryable: bool
    """Whether the failure is of a kind worth retrying (connect error, timeout, dropped connection)."""

    def __init__(self, message: str, *, endpoint: str, retryable: bool) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.retryable = retryable
