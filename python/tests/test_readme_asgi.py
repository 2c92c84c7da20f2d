"""The README's ASGI example ("Acting for signed-in users (Python)"), taken from README.md as it
is and called directly as an ASGI app, with its exchanger and host pointed at the testkit."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from typing import Any, Optional

import pytest

import dbfed
from testkit import AUDIENCE, REPOSITORY, USER, Testkit

BOB = "bob@example.com"


def readme_example() -> dict[str, Any]:
    """The globals of the README's ASGI example after running it (it makes no request)."""
    readme = (REPOSITORY / "README.md").read_text()
    section = readme.split("### Acting for signed-in users (Python)", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python block in the README section"
    example: dict[str, Any] = {"__name__": "readme_asgi_example"}
    exec(compile(match.group(1), "README.md (ASGI example)", "exec"), example)
    assert isinstance(example["users"], dbfed.UserExchanger)
    return example


@pytest.fixture
def example(kit: Testkit) -> dict[str, Any]:
    """The example, serving the testkit's workspace with an account-wide policy for `AUDIENCE`."""
    kit.add_policy(client_id=None, audiences=[AUDIENCE])
    example = readme_example()
    example["HOST"] = kit.url
    example["users"] = dbfed.UserExchanger(
        host=kit.url, expected_issuers=[kit.issuer], retry=dbfed.RetryPolicy.none()
    )
    return example


async def request(example: dict[str, Any], authorization: Optional[str]) -> tuple[int, bytes]:
    """Calls the example's ASGI app with one GET request; returns the status and the body."""
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/whoami",
        "raw_path": b"/whoami",
        "query_string": b"",
        "headers": headers,
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await example["app"](scope, receive, send)
    start, body = sent
    assert (start["type"], body["type"]) == ("http.response.start", "http.response.body")
    return start["status"], body["body"]


def test_each_caller_acts_as_themselves_with_one_exchange_per_user(kit: Testkit, example: dict[str, Any]) -> None:
    jwts = {USER: kit.mint(sub=USER, aud=[AUDIENCE]), BOB: kit.mint(sub=BOB, aud=[AUDIENCE])}
    callers = [USER if n % 3 else BOB for n in range(60)]

    async def everyone() -> list[tuple[int, bytes]]:
        return await asyncio.gather(*(request(example, f"Bearer {jwts[caller]}") for caller in callers))

    answers = asyncio.run(everyone())

    for caller, (status, body) in zip(callers, answers):
        assert status == 200, body
        assert json.loads(body)["userName"] == caller
    assert kit.counters()["exchanges"] == 2
    assert kit.counters()["api_calls"] == 60


def test_refused_callers_get_401_without_an_exchange(kit: Testkit, example: dict[str, Any]) -> None:
    expired = kit.mint(sub=USER, aud=[AUDIENCE], expired=True)
    elsewhere = kit.mint(sub=USER, aud=[AUDIENCE], iss="https://login.elsewhere.example")

    async def refused() -> list[tuple[int, bytes]]:
        return [
            await request(example, None),
            await request(example, "Basic dXNlcjpwYXNz"),
            await request(example, "Bearer not-a-jwt"),
            await request(example, f"Bearer {expired}"),
            await request(example, f"Bearer {elsewhere}"),
        ]

    assert asyncio.run(refused()) == [(401, b"unauthorized")] * 5
    assert kit.counters()["exchanges"] == 0


def test_a_jwt_databricks_refuses_gets_401(kit: Testkit, example: dict[str, Any]) -> None:
    kit.reset()  # no federation policy any more
    status, _ = asyncio.run(request(example, f"Bearer {kit.mint(sub=USER, aud=[AUDIENCE])}"))
    assert status == 401
    assert kit.counters()["exchanges"] == 1


def test_no_answer_from_databricks_gets_502(kit: Testkit, example: dict[str, Any]) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    example["users"] = dbfed.UserExchanger(host=f"http://127.0.0.1:{port}", retry=dbfed.RetryPolicy.none())
    status, body = asyncio.run(request(example, f"Bearer {kit.mint(sub=USER, aud=[AUDIENCE])}"))
    assert (status, body) == (502, b"no answer from Databricks")


def test_other_scopes_are_ignored(example: dict[str, Any]) -> None:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    asyncio.run(example["app"]({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert sent == []
