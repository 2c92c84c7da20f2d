"""Stubs of the extension module (``bindings/python``); checked against it by stubtest."""

import datetime
import os
from typing import Awaitable, Callable, Coroutine, Optional, Sequence, Union, final

from typing_extensions import disjoint_base

__all__ = [
    "__version__",
    "AccessToken",
    "Callback",
    "Credential",
    "EnvVar",
    "File",
    "Fixed",
    "RetryPolicy",
    "Source",
    "SourceContext",
    "Stats",
    "_after_fork_in_child",
]
__version__: str

@disjoint_base
class Credential:
    """Databricks tokens for one workspace or account, exchanged for the JWTs of one source,
    cached and refreshed ahead of expiry; one exchange however many threads and tasks ask.

    Keyword arguments (`source` is required, and a host or a `token_endpoint`):

    - `source`: where the JWTs come from, a `dbfed.sources` object.
    - `host`: the workspace URL (`https://` may be omitted), or `account_host` and
      `account_id` for account-level APIs.
    - `account_id`: for a workspace, makes the account id the default audience.
    - `client_id`: the service principal's application id (workload identity federation);
      leave it out for account-wide federation.
    - `scopes` (default `["all-apis"]`), `audience`, `token_endpoint`, `discovery_url`.
    - `connect_timeout` (default 10), `request_timeout` (default 30), in seconds;
      `ca_bundle`: a PEM file of extra CA certificates; `retry`: a `dbfed.RetryPolicy`.

    Raises `dbfed.ConfigError` if the configuration is incomplete or unsafe; no network call is
    made before the first token is asked for."""

    def __new__(
        cls,
        *,
        source: Source,
        host: Optional[str] = None,
        account_host: Optional[str] = None,
        account_id: Optional[str] = None,
        client_id: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        audience: Optional[str] = None,
        token_endpoint: Optional[str] = None,
        discovery_url: Optional[str] = None,
        connect_timeout: Optional[float] = None,
        request_timeout: Optional[float] = None,
        ca_bundle: Optional[Union[str, os.PathLike[str]]] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> Credential: ...
    def token(self) -> AccessToken:
        """A valid token: from the cache (no I/O), or after one exchange shared by every caller
        waiting for it. Releases the GIL while it waits."""
    def cached_token(self) -> Optional[AccessToken]:
        """The cached token if it can be had without waiting, else None (then call `token`)."""
    def token_async(self) -> Coroutine[object, object, AccessToken]:
        """A valid token, like `token()`, awaited without blocking the event loop (asyncio)."""
    def headers(self) -> dict[str, str]:
        """`{"Authorization": "Bearer <token>"}` for a request."""
    def invalidate(self) -> None:
        """Forgets the cached token, so the next call exchanges anew."""
    def invalidate_token(self, token: AccessToken) -> bool:
        """Forgets `token` if it is still the cached one (call it after an API answered 401 to
        it); many callers reporting the same token cause a single refresh. Returns whether it did."""
    def stats(self) -> Stats:
        """Counters of exchanges, cache hits, refreshes and failures."""

@final
class AccessToken:
    """A Databricks OAuth access token. Its `repr()` never shows the token."""

    @property
    def token(self) -> str:
        """The token itself, for an `Authorization` header; keep it out of logs."""
    @property
    def token_type(self) -> str:
        """The token type, normally `Bearer`."""
    @property
    def scope(self) -> Optional[str]:
        """The scopes the server granted, when it said."""
    @property
    def expires_at(self) -> datetime.datetime:
        """When the token expires, as an aware `datetime` in UTC."""
    @property
    def expires_in(self) -> float:
        """Seconds until the token expires; 0.0 once it has."""

@final
class Stats:
    """What a credential's cache did since the credential was made."""

    @property
    def exchanges(self) -> int:
        """Token fetches performed (each one exchange, possibly with retries)."""
    @property
    def cache_hits(self) -> int:
        """Calls answered from the cache without waiting."""
    @property
    def refreshes(self) -> int:
        """Background refreshes started ahead of expiry."""
    @property
    def failures(self) -> int:
        """Fetches that failed."""
    @property
    def stale_served(self) -> int:
        """Calls answered with the previous, still-valid token because a refresh failed or lagged."""

@final
class RetryPolicy:
    """Retry rules for token and discovery requests. Retried: HTTP 429, 502, 503, 504, connection
    errors and timeouts, with full-jitter exponential backoff that honours `Retry-After`.
    Durations are in seconds; an argument left out keeps its default."""

    def __new__(
        cls,
        *,
        max_attempts: Optional[int] = None,
        initial_backoff: Optional[float] = None,
        max_backoff: Optional[float] = None,
        total_budget: Optional[float] = None,
    ) -> RetryPolicy: ...
    @staticmethod
    def none() -> RetryPolicy:
        """A policy that never retries."""
    @property
    def max_attempts(self) -> int:
        """Attempts in all, the first included."""
    @property
    def initial_backoff(self) -> float:
        """Upper bound of the first backoff, in seconds; doubles at each retry."""
    @property
    def max_backoff(self) -> float:
        """Upper bound of any backoff, in seconds."""
    @property
    def total_budget(self) -> float:
        """Seconds from the first attempt after which no retry starts."""

@disjoint_base
class Source:
    """Where the subject JWTs come from; use one of its subclasses."""

@final
class Fixed(Source):
    """Always returns the same JWT (for tests, or a JWT whose lifetime you manage yourself)."""

    def __new__(cls, jwt: str) -> Fixed: ...

@final
class EnvVar(Source):
    """Reads the JWT from an environment variable, anew at every exchange."""

    def __new__(cls, name: str) -> EnvVar: ...

@final
class File(Source):
    """Reads the JWT from a file, anew at every exchange (Kubernetes projected tokens rotate it);
    surrounding whitespace is trimmed."""

    def __new__(cls, path: Union[str, os.PathLike[str]]) -> File: ...

@final
class Callback(Source):
    """Calls `function(context)` for every JWT: a plain or an `async` function returning the JWT as
    a `str`. An exception it raises becomes a `SourceError` chained to it; a call that takes
    longer than `timeout` seconds (default 60) fails.

    Plain functions run in a worker thread; `async` ones on an event loop of dbfed's own, in a
    thread of its own (not the caller's loop)."""

    def __new__(
        cls,
        function: Callable[[SourceContext], Union[str, Awaitable[str]]],
        /,
        *,
        timeout: Optional[float] = None,
    ) -> Callback: ...

@final
class SourceContext:
    """What a source callback is told: the audience its JWT should carry."""

    @property
    def audience(self) -> str:
        """The audience the JWT should carry."""

def _after_fork_in_child() -> None: ...
