"""databricks-sdk, databricks-sql-connector, requests and httpx, authenticated by a credential."""

from __future__ import annotations

import asyncio

import httpx
import requests
from databricks.sdk import AccountClient, WorkspaceClient
from databricks.sql.auth.authenticators import ExternalAuthProvider

import dbfed
from testkit import SP_CLIENT_ID, Testkit
from dbfed.integrations import databricks_sdk, databricks_sql
from dbfed.integrations import httpx as dbfed_httpx
from dbfed.integrations import requests as dbfed_requests

ME = "/api/2.0/preview/scim/v2/Me"


def credential_for(kit: Testkit) -> dbfed.Credential:
    return kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))


def forget_issued_tokens(kit: Testkit) -> None:
    """Makes the server reject the tokens it issued so far (401), as after a revocation."""
    kit.reset()
    kit.service_principal_jwt()  # the policy again, so that a new exchange succeeds


def test_a_workspace_client_calls_the_api(kit: Testkit) -> None:
    credential = credential_for(kit)
    workspace = WorkspaceClient(host=kit.url, credentials_strategy=databricks_sdk.credentials_strategy(credential))

    me = workspace.current_user.me()
    workspace.current_user.me()

    assert me.user_name == f"sp:{SP_CLIENT_ID}"
    assert workspace.config.auth_type == "dbfed"
    assert kit.counters()["successes"] == 1
    assert kit.counters()["api_calls"] == 2
    oauth_token = workspace.config.oauth_token()
    assert oauth_token.access_token == credential.token().token
    assert oauth_token.expiry == credential.token().expires_at


def test_an_account_client_authenticates(kit: Testkit) -> None:
    credential = credential_for(kit)
    account = AccountClient(
        host=kit.url,
        account_id=kit.account_id,
        credentials_strategy=databricks_sdk.credentials_strategy(credential),
    )
    assert account.config.authenticate() == credential.headers()


def test_the_sql_connector_gets_the_headers(kit: Testkit) -> None:
    credential = credential_for(kit)
    provider = ExternalAuthProvider(databricks_sql.credentials_provider(credential))
    headers: dict[str, str] = {}

    provider.add_headers(headers)

    status, me = kit.me(headers["Authorization"])
    assert (status, me["userName"]) == (200, f"sp:{SP_CLIENT_ID}")


def test_requests_retries_once_with_a_fresh_token_after_a_401(kit: Testkit) -> None:
    credential = credential_for(kit)
    with requests.Session() as session:
        session.auth = dbfed_requests.DatabricksAuth(credential)
        assert session.get(kit.url + ME, timeout=10).json()["userName"] == f"sp:{SP_CLIENT_ID}"
        forget_issued_tokens(kit)

        response = session.get(kit.url + ME, timeout=10)

    assert response.status_code == 200
    assert [old.status_code for old in response.history] == [401]
    # This credential's own count: the session's testkit counters also see other tests' late work.
    assert credential.stats().exchanges == 2  # the first token, and one after the 401


def test_requests_raises_when_the_retrys_exchange_fails(kit: Testkit) -> None:
    credential = credential_for(kit)
    with requests.Session() as session:
        session.auth = dbfed_requests.DatabricksAuth(credential)
        assert session.get(kit.url + ME, timeout=10).status_code == 200
        kit.reset()  # no policy: the retry's exchange fails too

        try:
            session.get(kit.url + ME, timeout=10)
        except dbfed.ExchangeError as error:
            assert error.status == 401
        else:
            raise AssertionError("the retry's failed exchange was not raised")


def test_httpx_sync_retries_once_after_a_401(kit: Testkit) -> None:
    with httpx.Client(base_url=kit.url, auth=dbfed_httpx.DatabricksAuth(credential_for(kit))) as client:
        assert client.get(ME).json()["userName"] == f"sp:{SP_CLIENT_ID}"
        forget_issued_tokens(kit)

        response = client.get(ME)

    assert response.status_code == 200
    assert [old.status_code for old in response.history] == [401]


def test_httpx_async_retries_once_after_a_401(kit: Testkit) -> None:
    async def main() -> httpx.Response:
        auth = dbfed_httpx.DatabricksAuth(credential_for(kit))
        async with httpx.AsyncClient(base_url=kit.url, auth=auth) as client:
            assert (await client.get(ME)).status_code == 200
            forget_issued_tokens(kit)
            return await client.get(ME)

    response = asyncio.run(main())
    assert response.status_code == 200
    assert [old.status_code for old in response.history] == [401]


def test_httpx_does_not_replay_a_streamed_body(kit: Testkit) -> None:
    with httpx.Client(base_url=kit.url, auth=dbfed_httpx.DatabricksAuth(credential_for(kit))) as client:
        client.get(ME)
        forget_issued_tokens(kit)

        response = client.request("GET", ME, content=iter([b"streamed"]))

    assert response.status_code == 401
    assert kit.counters()["successes"] == 0, "no new token was fetched for a request it cannot send again"
