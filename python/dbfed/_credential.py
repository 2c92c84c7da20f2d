"""``dbfed.Credential``: the native credential plus its asyncio API."""

from __future__ import annotations

from . import _native
from ._native import AccessToken


class Credential(_native.Credential):
    """Databricks tokens for one workspace or account, exchanged for the JWTs of one source,
    cached and refreshed ahead of expiry; one exchange however many threads and tasks ask.

    Keyword arguments (``source`` is required, and a host or a ``token_endpoint``):

    - ``source``: where the JWTs come from, a :mod:`dbfed.sources` object.
    - ``host``: the workspace URL (``https://`` may be omitted), or ``account_host`` and
      ``account_id`` for account-level APIs.
    - ``account_id``: for a workspace, makes the account id the default audience.
    - ``client_id``: the service principal's application id (workload identity federation);
      leave it out for account-wide federation.
    - ``scopes`` (default ``["all-apis"]``), ``audience``, ``token_endpoint``, ``discovery_url``.
    - ``connect_timeout`` (default 10), ``request_timeout`` (default 30), in seconds;
      ``ca_bundle``: a PEM file of extra CA certificates; ``retry``: a :class:`dbfed.RetryPolicy`.

    Raises :class:`dbfed.ConfigError` if the configuration is incomplete or unsafe; no network
    call is made before the first token is asked for.
    """

    __slots__ = ()

    async def token_async(self) -> AccessToken:
        """A valid token, like :meth:`token`, without blocking the event loop."""
        token = self.cached_token()
        if token is not None:
            return token
        import asyncio

        future: asyncio.Future[AccessToken] = asyncio.get_running_loop().create_future()
        self._fetch_token_into(future)
        return await future
