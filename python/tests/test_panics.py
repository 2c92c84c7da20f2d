"""No panic crosses into Python: a bug of dbfed surfaces as `DbfedError` (an `Exception`), the
process lives on and later calls work; and JWTs with claims at the extremes of time are
diagnosed and refused like any other, never a panic."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from typing import Any

import pytest

import dbfed
from dbfed import FederationPolicy, MismatchKind
from dbfed._native import _panic_for_tests
from testkit import AUDIENCE, USER, Testkit

INTERNAL = "dbfed internal error (a bug; please report it): a panic for dbfed's tests (at "


def unsigned(**claims: Any) -> str:
    """An RS256 JWT with `claims` and a made-up signature (no request gets as far as verifying it)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def users_for(kit: Testkit) -> dbfed.UserExchanger:
    kit.add_policy(client_id=None, audiences=[AUDIENCE])
    return dbfed.UserExchanger(host=kit.url, retry=dbfed.RetryPolicy.none())


@pytest.mark.parametrize("how", ["call", "blocking"])
def test_a_panic_in_a_call_is_a_dbfed_error(how: str, kit: Testkit) -> None:
    with pytest.raises(Exception) as raised:
        _panic_for_tests(how)  # type: ignore[arg-type]
    assert type(raised.value) is dbfed.DbfedError
    assert str(raised.value).startswith(INTERNAL), raised.value
    # Later calls work (the runtime did not stop).
    users = users_for(kit)
    jwt = kit.mint(sub=USER, aud=[AUDIENCE])
    assert users.token_for(jwt).token


def test_a_panic_in_a_coroutine_is_a_dbfed_error(kit: Testkit) -> None:
    async def main() -> None:
        with pytest.raises(Exception) as raised:
            await asyncio.wait_for(_panic_for_tests("async"), 30)
        assert type(raised.value) is dbfed.DbfedError
        assert str(raised.value).startswith(INTERNAL), raised.value
        users = users_for(kit)
        assert (await users.token_for_async(kit.mint(sub=USER, aud=[AUDIENCE]))).token

    asyncio.run(main())


def test_a_caught_panic_prints_nothing() -> None:
    # The exception says it all: no panic report (let alone a backtrace) on stderr.
    script = (
        "import dbfed\n"
        "from dbfed._native import _panic_for_tests\n"
        "for how in ('call', 'blocking'):\n"
        "    try:\n"
        "        _panic_for_tests(how)\n"
        "    except dbfed.DbfedError as err:\n"
        "        print(type(err).__name__)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RUST_BACKTRACE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["DbfedError", "DbfedError"]
    assert ran.stderr == ""


# JWT claims at the extremes of time: 2^64-1, 2^63, year 10000, 2^53+1, negative, fractional.
FAR = [2**64 - 1, 2**63, 253402300800]


@pytest.mark.parametrize("exp", FAR)
def test_an_exp_beyond_any_date_is_not_expired(exp: int, kit: Testkit) -> None:
    jwt = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, exp=exp)
    found = dbfed.diagnose(jwt, FederationPolicy(kit.issuer, audiences=[AUDIENCE]))
    assert [mismatch.kind for mismatch in found] == []


@pytest.mark.parametrize("nbf", [253402300800, 2**53 + 1, 2**63, 2**64 - 1])
def test_an_nbf_beyond_any_date_is_not_yet_valid(nbf: int, kit: Testkit) -> None:
    jwt = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, exp=2**63, nbf=nbf)
    found = dbfed.diagnose(jwt, FederationPolicy(kit.issuer, audiences=[AUDIENCE]))
    assert [mismatch.kind for mismatch in found] == [MismatchKind.NOT_YET_VALID]


def test_a_negative_exp_is_expired_and_a_fractional_one_is_a_time(kit: Testkit) -> None:
    policy = FederationPolicy(kit.issuer, audiences=[AUDIENCE])
    negative = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, exp=-1)
    assert [mismatch.kind for mismatch in dbfed.diagnose(negative, policy)] == [MismatchKind.EXPIRED]
    past = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, exp=1.5)
    assert [mismatch.kind for mismatch in dbfed.diagnose(past, policy)] == [MismatchKind.EXPIRED]
    future = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, exp=time.time() + 3600.5)
    assert dbfed.diagnose(future, policy) == []


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 2**64 - 1},
        {"exp": 2**63},
        {"exp": 253402300800},
        {"exp": 2**63, "nbf": 253402300800},
        {"exp": 2**63, "nbf": 2**53 + 1},
        {"exp": -1},
        {"exp": 1.5},
        {"exp": time.time() + 3600.5},
    ],
)
def test_a_user_jwt_at_the_extremes_is_a_typed_error(claims: dict[str, Any], kit: Testkit) -> None:
    users = users_for(kit)
    jwt = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, **claims)
    for _ in range(2):
        with pytest.raises(dbfed.DbfedError) as raised:
            users.token_for(jwt)
        # Refused locally (expired, not yet valid) or by the server (the made-up signature);
        # never an internal error, never "runtime stopped".
        assert isinstance(raised.value, (dbfed.SourceError, dbfed.ExchangeError)), raised.value
        assert "internal error" not in str(raised.value)
        assert "runtime stopped" not in str(raised.value)
    assert users.token_for(kit.mint(sub=USER, aud=[AUDIENCE])).token


@pytest.mark.parametrize("claims", [{"exp": 2**64 - 1}, {"exp": 2**63, "nbf": 253402300800}, {"iat": 2**63}])
def test_a_credential_whose_source_gives_a_jwt_at_the_extremes_fails_typed(claims: dict[str, Any], kit: Testkit) -> None:
    jwt = unsigned(iss=kit.issuer, aud=AUDIENCE, sub=USER, **claims)
    credential = kit.credential(dbfed.sources.Fixed(jwt), retry=dbfed.RetryPolicy.none())
    for _ in range(2):
        with pytest.raises(dbfed.DbfedError) as raised:
            credential.token()
        # Refused locally (not yet valid) or by the server (the made-up signature): never
        # "fetching the token panicked", never an internal error.
        assert isinstance(raised.value, (dbfed.SourceError, dbfed.ExchangeError)), raised.value
        assert "panic" not in str(raised.value) and "internal error" not in str(raised.value)
