"""UserExchanger: each signed-in user's own JWT exchanged for a Databricks token acting as that
user, cached per user, against the testkit (account-wide federation)."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import pytest

import dbfed
from testkit import AUDIENCE, USER, Testkit

BOB = "bob@example.com"
#: Holds every token request long enough for all callers to arrive while it is in flight.
EXCHANGE_DELAY_MS = 500


def users_for(kit: Testkit, **options: Any) -> dbfed.UserExchanger:
    """An exchanger for the testkit's workspace, whose account-wide policy accepts `AUDIENCE`."""
    kit.add_policy(client_id=None, audiences=[AUDIENCE])
    options.setdefault("host", kit.url)
    options.setdefault("retry", dbfed.RetryPolicy.none())
    return dbfed.UserExchanger(**options)


def user_name(kit: Testkit, token: dbfed.AccessToken) -> str:
    """Who the protected API says `token` acts as."""
    status, me = kit.me(f"{token.token_type} {token.token}")
    assert status == 200, me
    name: str = me["userName"]
    return name


def test_two_users_never_get_each_others_token(kit: Testkit) -> None:
    users = users_for(kit)
    jwts = {USER: kit.mint(sub=USER, aud=[AUDIENCE]), BOB: kit.mint(sub=BOB, aud=[AUDIENCE])}
    kit.inject(path="/oidc/v1/token", delay_ms=200, count=2)  # both users' exchanges overlap
    start = threading.Barrier(40)
    seen: list[tuple[str, str]] = []

    def call(user: str) -> None:
        start.wait()
        seen.append((user, users.token_for(jwts[user]).token))

    threads = [threading.Thread(target=call, args=(USER if n % 2 else BOB,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    token_of = dict(seen)
    assert len(seen) == 40 and len(token_of) == 2
    assert token_of[USER] != token_of[BOB]
    assert all(token == token_of[user] for user, token in seen), "each user always got their own token"
    for user, jwt in jwts.items():
        assert user_name(kit, users.token_for(jwt)) == user
        cached = users.cached_token_for(jwt)
        assert cached is not None and cached.token == token_of[user]
    subjects = sorted(dict(exchange["form"])["subject_token"] for exchange in kit.exchanges())
    assert subjects == sorted(jwts.values())
    assert all("client_id" not in dict(exchange["form"]) for exchange in kit.exchanges())


def test_1000_concurrent_calls_for_one_user_cause_one_exchange(kit: Testkit) -> None:
    users = users_for(kit)
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])
    kit.inject(path="/oidc/v1/token", delay_ms=EXCHANGE_DELAY_MS)
    start = threading.Barrier(201)
    thread_tokens: list[str] = []

    def call() -> None:
        start.wait()
        thread_tokens.append(users.token_for(jwt).token)

    threads = [threading.Thread(target=call) for _ in range(200)]
    for thread in threads:
        thread.start()

    async def gather() -> list[dbfed.AccessToken]:
        start.wait()
        return await asyncio.gather(*(users.token_for_async(jwt) for _ in range(800)))

    task_tokens = [token.token for token in asyncio.run(gather())]
    for thread in threads:
        thread.join(timeout=30)

    assert len(thread_tokens) + len(task_tokens) == 1000
    assert len(set(thread_tokens + task_tokens)) == 1
    assert kit.counters()["exchanges"] == 1
    stats = users.stats()
    assert (stats.entries, stats.exchanges, stats.failures) == (1, 1, 0)
    assert stats.hits + stats.misses == 1000


def test_10000_users_with_a_cap_of_1000_keep_at_most_1000_entries(kit: Testkit) -> None:
    users = users_for(kit, max_users=1000)
    jwts = kit.mint_many((f"user{n}@example.com" for n in range(10_000)), audience=AUDIENCE)

    async def sign_in_everyone() -> None:
        for first in range(0, len(jwts), 500):
            await asyncio.gather(*(users.token_for_async(jwt) for jwt in jwts[first : first + 500]))
            assert users.stats().entries <= 1000

    asyncio.run(sign_in_everyone())

    stats = users.stats()
    assert (stats.entries, stats.evictions, stats.exchanges, stats.failures) == (1000, 9000, 10_000, 0)
    assert kit.counters()["successes"] == 10_000
    assert users.cached_token_for(jwts[-1]) is not None, "the most recent users stay"
    assert users.cached_token_for(jwts[0]) is None, "the least recently used went first"


def test_an_expired_jwt_is_refused_locally_without_an_exchange(kit: Testkit) -> None:
    users = users_for(kit)
    expired = kit.mint(sub=USER, aud=[AUDIENCE], expired=True)

    with pytest.raises(dbfed.SourceError, match="expired"):
        users.token_for(expired)
    with pytest.raises(dbfed.SourceError, match="expired"):
        asyncio.run(users.token_for_async(expired))
    with pytest.raises(dbfed.SourceError):
        users.token_for("not a JWT")

    assert kit.counters()["exchanges"] == 0
    stats = users.stats()
    assert (stats.refused, stats.exchanges, stats.entries) == (3, 0, 0)


def test_unexpected_issuers_and_audiences_are_refused_locally(kit: Testkit) -> None:
    users = users_for(kit, expected_issuers=[kit.issuer], expected_audiences=[AUDIENCE])
    elsewhere = kit.mint(sub=USER, aud=[AUDIENCE], iss="https://login.elsewhere.example")
    other_audience = kit.mint(sub=USER, aud=["another-app"])

    with pytest.raises(dbfed.SourceError, match="issuer"):
        users.token_for(elsewhere)
    with pytest.raises(dbfed.SourceError, match="audience"):
        users.token_for(other_audience)
    assert user_name(kit, users.token_for(kit.mint(sub=USER, aud=[AUDIENCE]))) == USER

    assert kit.counters()["exchanges"] == 1
    assert users.stats().refused == 2


def test_a_refusal_is_an_exchange_error_and_is_not_cached(kit: Testkit) -> None:
    users = dbfed.UserExchanger(host=kit.url, retry=dbfed.RetryPolicy.none())  # no policy at all
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])

    with pytest.raises(dbfed.ExchangeError) as raised:
        users.token_for(jwt)
    error = raised.value
    assert (error.status, error.error, error.endpoint) == (400, "invalid_grant", kit.workspace_token_endpoint)
    assert error.description is not None and "No account-wide federation policy" in error.description
    with pytest.raises(dbfed.ExchangeError):
        asyncio.run(users.token_for_async(jwt))

    assert kit.counters()["exchanges"] == 2, "every call asks again"
    stats = users.stats()
    assert (stats.entries, stats.failures) == (0, 2)


def test_a_negative_cache_answers_a_refusal_without_asking_again(kit: Testkit) -> None:
    users = dbfed.UserExchanger(host=kit.url, retry=dbfed.RetryPolicy.none(), negative_cache=60)
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])

    for _ in range(3):
        with pytest.raises(dbfed.ExchangeError, match="No account-wide federation policy"):
            users.token_for(jwt)

    assert kit.counters()["exchanges"] == 1
    assert users.stats().refused == 2


def test_no_answer_is_a_transport_error(kit: Testkit) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    users = dbfed.UserExchanger(
        token_endpoint=f"http://127.0.0.1:{port}/oidc/v1/token", retry=dbfed.RetryPolicy.none()
    )
    with pytest.raises(dbfed.TransportError) as raised:
        users.token_for(kit.mint(sub=USER, aud=[AUDIENCE]))
    assert raised.value.endpoint == f"http://127.0.0.1:{port}/oidc/v1/token"


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "no host"),
        ({"host": "http://example.com"}, "plain http"),
        ({"host": "https://a.example.com", "account_host": "https://accounts.example.com"}, "not both"),
        ({"host": "https://a.example.com", "max_users": 0}, "at least 1"),
        ({"host": "https://a.example.com", "negative_cache": -1.0}, "negative_cache"),
        ({"host": "https://a.example.com", "expiry_leeway": float("inf")}, "expiry_leeway"),
    ],
)
def test_a_bad_configuration_is_a_config_error(options: dict[str, Any], says: str) -> None:
    with pytest.raises(dbfed.ConfigError, match=says):
        dbfed.UserExchanger(**options)


def test_a_token_reported_as_refused_is_replaced_once(kit: Testkit) -> None:
    users = users_for(kit)
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])
    first = users.token_for(jwt)

    assert users.invalidate_token_for(jwt, first) is True
    assert users.invalidate_token_for(jwt, first) is False, "a second report of the same token is a no-op"
    assert users.cached_token_for(jwt) is None
    second = users.token_for(jwt)

    assert second.token != first.token and user_name(kit, second) == USER
    assert users.headers_for(jwt) == {"Authorization": f"Bearer {second.token}"}
    assert kit.counters()["exchanges"] == 2


def test_an_account_host_uses_the_account_token_endpoint(kit: Testkit) -> None:
    kit.settings(host_type="account")
    kit.add_policy(client_id=None)  # no audiences: the account id is expected
    users = dbfed.UserExchanger(account_host=kit.url, account_id=kit.account_id, retry=dbfed.RetryPolicy.none())

    assert user_name(kit, users.token_for(kit.mint(sub=USER, aud=[kit.account_id]))) == USER
    assert kit.exchanges()[0]["path"] == f"/oidc/accounts/{kit.account_id}/v1/token"


def test_reprs_and_errors_show_no_jwt_or_token(kit: Testkit) -> None:
    users = users_for(kit, max_users=50, expected_issuers=[kit.issuer], negative_cache=30)
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])
    token = users.token_for(jwt)
    refused = kit.mint(sub=USER, aud=[AUDIENCE], iss="https://login.elsewhere.example")
    with pytest.raises(dbfed.SourceError) as raised:
        users.token_for(refused)

    shown = [repr(users), repr(token), repr(users.stats()), str(raised.value), repr(raised.value.__dict__)]
    for text in shown:
        for secret in (jwt, refused, token.token, jwt.split(".")[2], refused.split(".")[2]):
            assert secret not in text, text
    assert repr(users) == (
        f"UserExchanger(host='{kit.url}', max_users=50, negative_cache=30.0, expected_issuers=['{kit.issuer}'])"
    )
    assert repr(users.stats()) == (
        "UserStats(entries=1, hits=0, misses=1, exchanges=1, failures=0, evictions=0, refused=1)"
    )
