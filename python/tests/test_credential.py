"""Credentials with every source and both federation kinds, against the testkit."""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import pytest

import dbfed
from testkit import AUDIENCE, SP_CLIENT_ID, USER, Testkit


def assert_api_accepts(kit: Testkit, token: dbfed.AccessToken, principal: str) -> None:
    status, me = kit.me(f"{token.token_type} {token.token}")
    assert (status, me["userName"]) == (200, principal)


def test_a_fixed_jwt_is_exchanged_for_a_service_principal_token(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))

    token = credential.token()

    assert_api_accepts(kit, token, f"sp:{SP_CLIENT_ID}")
    form = dict(kit.exchanges()[0]["form"])
    assert form["client_id"] == SP_CLIENT_ID
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert form["scope"] == "all-apis"


def test_an_environment_variable_is_read_at_every_exchange(kit: Testkit, monkeypatch: pytest.MonkeyPatch) -> None:
    jwt = kit.service_principal_jwt()
    monkeypatch.setenv("DBFED_TEST_JWT", "stale")
    credential = kit.credential(dbfed.sources.EnvVar("DBFED_TEST_JWT"))
    monkeypatch.setenv("DBFED_TEST_JWT", jwt)

    assert_api_accepts(kit, credential.token(), f"sp:{SP_CLIENT_ID}")
    assert dict(kit.exchanges()[0]["form"])["subject_token"] == jwt


@pytest.mark.parametrize("as_path", [False, True], ids=["str", "pathlib"])
def test_a_file_is_read_and_trimmed(kit: Testkit, tmp_path: Path, as_path: bool) -> None:
    jwt = kit.service_principal_jwt()
    token_file = tmp_path / "token"
    token_file.write_text(f"\n{jwt}\n")
    credential = kit.credential(dbfed.sources.File(token_file if as_path else str(token_file)))

    assert_api_accepts(kit, credential.token(), f"sp:{SP_CLIENT_ID}")
    assert dict(kit.exchanges()[0]["form"])["subject_token"] == jwt


def test_a_callback_source_gets_the_audience(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()
    asked: list[str] = []

    def mint(context: dbfed.sources.SourceContext) -> str:
        asked.append(context.audience)
        return jwt

    credential = kit.credential(dbfed.sources.Callback(mint))

    assert_api_accepts(kit, credential.token(), f"sp:{SP_CLIENT_ID}")
    assert asked == [AUDIENCE]


def test_account_wide_federation_acts_as_the_user(kit: Testkit) -> None:
    kit.add_policy(client_id=None, audiences=[AUDIENCE])
    credential = kit.credential(dbfed.sources.Fixed(kit.mint(sub=USER, aud=[AUDIENCE])), client_id=None)

    assert_api_accepts(kit, credential.token(), USER)
    assert "client_id" not in dict(kit.exchanges()[0]["form"])


def test_an_account_host_uses_the_account_token_endpoint(kit: Testkit) -> None:
    kit.settings(host_type="account")
    kit.add_policy(client_id=None)  # no audiences: the account id is expected
    jwt = kit.mint(sub=USER, aud=[kit.account_id])
    credential = kit.credential(
        dbfed.sources.Fixed(jwt),
        host=None,
        account_host=kit.url,
        account_id=kit.account_id,
        client_id=None,
        audience=None,
    )

    assert_api_accepts(kit, credential.token(), USER)
    assert kit.exchanges()[0]["path"] == f"/oidc/accounts/{kit.account_id}/v1/token"


def test_the_token_describes_itself(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))
    before = datetime.datetime.now(datetime.timezone.utc)

    token = credential.token()

    assert token.token_type == "Bearer"
    assert token.scope == "all-apis"
    assert token.expires_at.tzinfo is not None
    lifetime = (token.expires_at - before).total_seconds()
    assert 3590 < lifetime < 3610
    assert 3590 < token.expires_in <= 3600
    assert credential.headers() == {"Authorization": f"Bearer {token.token}"}
    assert token.authorization_header() == f"Bearer {token.token}"


def test_tokens_are_cached_until_invalidated(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))
    assert credential.cached_token() is None

    first = credential.token()
    cached = credential.cached_token()
    assert cached is not None and cached.token == first.token
    assert credential.token().token == first.token
    assert kit.counters()["successes"] == 1

    assert credential.invalidate_token(first) is True
    assert credential.invalidate_token(first) is False, "a second report of the same token is a no-op"
    second = credential.token()
    assert second.token != first.token

    credential.invalidate()
    assert credential.cached_token() is None
    credential.token()
    assert kit.counters()["successes"] == 3
    stats = credential.stats()
    assert (stats.exchanges, stats.failures) == (3, 0)
    assert stats.cache_hits >= 2


def test_the_async_api_gives_the_same_cached_token(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))

    async def main() -> tuple[dbfed.AccessToken, dbfed.AccessToken]:
        return await credential.token_async(), await credential.token_async()

    first, second = asyncio.run(main())

    assert first.token == second.token == credential.token().token
    assert_api_accepts(kit, first, f"sp:{SP_CLIENT_ID}")
    assert kit.counters()["successes"] == 1


def test_scopes_are_sorted_and_sent(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), scopes=["sql", "all-apis"])
    credential.token()
    assert dict(kit.exchanges()[0]["form"])["scope"] == "all-apis sql"


def test_the_retry_policy_retries_a_temporary_failure(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", status=503)
    retry = dbfed.RetryPolicy(max_attempts=2, initial_backoff=0.01)
    assert retry.max_attempts == 2 and retry.initial_backoff == 0.01
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()), retry=retry)

    credential.token()

    assert kit.counters()["exchanges"] == 2
    assert kit.counters()["faults"] == 1


def test_the_default_audience_comes_from_the_host_metadata(kit: Testkit) -> None:
    kit.settings(default_audiences=[AUDIENCE])
    jwt = kit.service_principal_jwt()
    asked: list[str] = []

    def mint(context: dbfed.sources.SourceContext) -> str:
        asked.append(context.audience)
        return jwt

    kit.credential(dbfed.sources.Callback(mint), audience=None).token()

    assert asked == [AUDIENCE]


def test_the_endpoints_say_how_they_were_found(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed("jwt"))

    endpoints = credential.endpoints()

    assert (endpoints.token_endpoint, endpoints.token_endpoint_origin) == (kit.workspace_token_endpoint, "host_metadata")
    assert (endpoints.audience, endpoints.audience_origin) == (AUDIENCE, "configured")
    assert repr(endpoints).startswith(f"Endpoints(token_endpoint='{kit.workspace_token_endpoint}', ")

    async def main() -> dbfed.Endpoints:
        return await credential.endpoints_async()

    assert asyncio.run(main()) == endpoints
    configured = kit.credential(dbfed.sources.Fixed("jwt"), token_endpoint=kit.workspace_token_endpoint).endpoints()
    assert configured.token_endpoint_origin == "configured"

    kit.settings(host_metadata=False)
    fallback = kit.credential(dbfed.sources.Fixed("jwt"), audience=None, account_id=kit.account_id)
    assert fallback.account_id == kit.account_id and fallback.source_name == "fixed"
    endpoints = fallback.endpoints()
    assert (endpoints.token_endpoint_origin, endpoints.audience, endpoints.audience_origin) == (
        "fallback",
        kit.account_id,
        "account_id",
    )
    assert kit.counters()["exchanges"] == 0
