"""The fault matrix (tests/cases/fault-matrix.json), through the Python API: every hostile or
failing token-endpoint answer against a cold, a warm and a nearly expired cache."""

from __future__ import annotations

import concurrent.futures
import json
import time
from pathlib import Path
from typing import Any

import pytest

import dbfed
from testkit import Testkit, serve

MATRIX = json.loads((Path(__file__).parents[2] / "tests" / "cases" / "fault-matrix.json").read_text())
CASES: list[dict[str, Any]] = MATRIX["cases"]

#: The core's error kinds as Python exceptions.
ERRORS: dict[str, type[dbfed.DbfedError]] = {
    "Rejected": dbfed.ExchangeError,
    "Malformed": dbfed.MalformedResponseError,
    "Transport": dbfed.TransportError,
}

#: As the Rust runner: 2 s request timeouts, 5 attempts within 8 s, bounds for a loaded machine.
COLD_BOUND = 25.0
WARM_BOUND = 1.0
SHORT_LIFETIME = 30
WARM_LEFT = 5.0
NEARLY_LEFT = 1.5


def faults_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    faults = [dict(fault, path="/oidc/v1/token") for fault in case["faults"]]
    depth = case.get("nested_json_depth")
    if depth:
        faults[0]["body"] = "[" * depth + "]" * depth
    return faults


def credential(kit: Testkit) -> dbfed.Credential:
    return kit.credential(
        dbfed.sources.Fixed(kit.service_principal_jwt()),
        connect_timeout=2.0,
        request_timeout=2.0,
        retry=dbfed.RetryPolicy(initial_backoff=0.02, max_backoff=0.1, total_budget=8.0),
    )


def inject(kit: Testkit, case: dict[str, Any]) -> None:
    for fault in faults_of(case):
        kit.inject(**fault)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_cold(kit: Testkit, case: dict[str, Any]) -> None:
    inject(kit, case)
    expected = case["cold"]
    started = time.monotonic()
    if expected.get("token"):
        token = credential(kit).token()
        assert token.expires_in > 0
    else:
        with pytest.raises(ERRORS[expected["error"]]) as raised:
            credential(kit).token()
        error = raised.value
        if expected["error"] == "Rejected":
            assert not isinstance(error, dbfed.MalformedResponseError), error
        if "status" in expected:
            assert getattr(error, "status", None) == expected["status"], error
        assert expected.get("contains", "") in str(error)
        assert not any(ord(c) < 32 or ord(c) == 127 for c in str(error)), repr(str(error))
    assert time.monotonic() - started < COLD_BOUND


def warm_and_nearly_expired(case: dict[str, Any]) -> None:
    """As the Rust runner: a refresh-ahead call 5 s before expiry is served at once, and a call
    1.5 s before expiry waits at most until shortly before it; both get a valid token."""
    with serve() as kit:
        kit.settings(token_lifetime_secs=SHORT_LIFETIME)
        warm, nearly = credential(kit), credential(kit)
        warm_first, nearly_first = warm.token(), nearly.token()

        time.sleep(max(0.0, warm_first.expires_in - WARM_LEFT))
        inject(kit, case)
        for _ in range(3):
            started = time.monotonic()
            token = warm.token()
            assert time.monotonic() - started < WARM_BOUND, case["name"]
            assert token.expires_in > 0, case["name"]
            time.sleep(0.2)

        time.sleep(max(0.0, nearly_first.expires_in - NEARLY_LEFT))
        if nearly_first.expires_in <= 0:
            return  # too slow a machine to call in the token's last seconds
        token = nearly.token()
        assert token.expires_in > 0, case["name"]


def test_warm_and_nearly_expired() -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        failures = []
        for case, outcome in zip(CASES, pool.map(run_catching, CASES)):
            if outcome:
                failures.append(f"{case['name']}: {outcome}")
    assert not failures, "\n".join(failures)


def run_catching(case: dict[str, Any]) -> str:
    try:
        warm_and_nearly_expired(case)
    except Exception as failure:  # noqa: BLE001 - reported with its case
        return repr(failure)
    return ""
