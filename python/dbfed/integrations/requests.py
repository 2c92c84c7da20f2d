"""requests: an ``AuthBase`` that sends a dbfed credential's token, and after a 401 invalidates
that token and retries the request once with a fresh one (when its body can be sent again).

    import requests
    from dbfed.integrations.requests import DatabricksAuth

    session = requests.Session()
    session.auth = DatabricksAuth(credential)
"""

from __future__ import annotations

from typing import Any

from requests import PreparedRequest, Response
from requests.auth import AuthBase

from .._native import Credential
from .._native import AccessToken

__all__ = ["DatabricksAuth"]


class DatabricksAuth(AuthBase):
    """Authenticates requests with the tokens of a :class:`dbfed.Credential`."""

    def __init__(self, credential: Credential) -> None:
        self._credential = credential

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        token = self._credential.token()
        _authorize(request, token)
        if request.body is None or isinstance(request.body, (bytes, str)):
            request.register_hook("response", _RetryOnce(self._credential, token))
        return request

    def __repr__(self) -> str:
        return f"DatabricksAuth({self._credential!r})"


class _RetryOnce:
    """A response hook: after a 401 to ``token``, retries once with a fresh token."""

    def __init__(self, credential: Credential, token: AccessToken) -> None:
        self._credential = credential
        self._token = token

    def __call__(self, response: Response, **send_options: Any) -> Response:
        if response.status_code != 401 or response.request is None or response.connection is None:
            return response
        self._credential.invalidate_token(self._token)
        retry = response.request.copy()
        _authorize(retry, self._credential.token())
        response.close()
        retried: Response = response.connection.send(retry, **send_options)
        retried.history.append(response)
        retried.request = retry
        return retried


def _authorize(request: PreparedRequest, token: AccessToken) -> None:
    request.headers["Authorization"] = token.authorization_header()
