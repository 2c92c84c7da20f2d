"""httpx: an ``httpx.Auth`` for sync and async clients that sends a dbfed credential's token, and
after a 401 invalidates that token and retries the request once with a fresh one (when its body
can be sent again).

    import httpx
    from dbfed.integrations.httpx import DatabricksAuth

    client = httpx.AsyncClient(base_url=host, auth=DatabricksAuth(credential))
"""

from __future__ import annotations

from typing import AsyncGenerator, Generator

import httpx

from .._native import Credential
from .._native import AccessToken

__all__ = ["DatabricksAuth"]


class DatabricksAuth(httpx.Auth):
    """Authenticates httpx requests with the tokens of a :class:`dbfed.Credential`; async
    clients wait for a token without blocking the event loop."""

    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._credential.token()
        response = yield _authorized(request, token)
        if response.status_code == 401 and _replayable(request):
            self._credential.invalidate_token(token)
            yield _authorized(request, self._credential.token())

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._credential.token_async()
        response = yield _authorized(request, token)
        if response.status_code == 401 and _replayable(request):
            self._credential.invalidate_token(token)
            yield _authorized(request, await self._credential.token_async())

    def __repr__(self) -> str:
        return f"DatabricksAuth({self._credential!r})"


def _authorized(request: httpx.Request, token: AccessToken) -> httpx.Request:
    request.headers["Authorization"] = token.authorization_header()
    return request


def _replayable(request: httpx.Request) -> bool:
    return isinstance(request.stream, httpx.ByteStream)
