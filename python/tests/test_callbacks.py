"""Callback sources: plain and async functions, from the sync and the async API; their errors."""

from __future__ import annotations

import asyncio
import threading

import pytest

import dbfed
from testkit import SP_CLIENT_ID, Testkit


class VaultDown(Exception):
    pass


def test_an_async_callback_works_from_the_sync_api(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()

    async def mint(context: dbfed.sources.SourceContext) -> str:
        await asyncio.sleep(0.01)
        return jwt

    token = kit.credential(dbfed.sources.Callback(mint)).token()
    assert kit.me(f"Bearer {token.token}")[1]["userName"] == f"sp:{SP_CLIENT_ID}"


def test_callbacks_work_from_the_async_api(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()

    async def mint_async(context: dbfed.sources.SourceContext) -> str:
        await asyncio.sleep(0.01)
        return jwt

    async def main() -> None:
        for function in (lambda context: jwt, mint_async):
            credential = kit.credential(dbfed.sources.Callback(function))
            token = await credential.token_async()
            assert kit.me(f"Bearer {token.token}")[0] == 200

    asyncio.run(main())
    assert kit.counters()["successes"] == 2


def test_an_async_callback_keeps_one_event_loop_across_calls(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()
    loops: list[asyncio.AbstractEventLoop] = []

    async def mint(context: dbfed.sources.SourceContext) -> str:
        loops.append(asyncio.get_running_loop())
        return jwt

    credential = kit.credential(dbfed.sources.Callback(mint))
    credential.token()
    credential.invalidate()
    asyncio.run(credential.token_async())

    assert len(loops) == 2 and loops[0] is loops[1]


@pytest.mark.parametrize("is_async", [False, True], ids=["plain", "async"])
def test_an_exception_in_a_callback_is_chained_to_a_source_error(kit: Testkit, is_async: bool) -> None:
    raised: list[BaseException] = []

    def fail(context: dbfed.sources.SourceContext) -> str:
        error = VaultDown("vault unreachable")
        raised.append(error)
        raise error

    async def fail_async(context: dbfed.sources.SourceContext) -> str:
        return fail(context)

    credential = kit.credential(dbfed.sources.Callback(fail_async if is_async else fail))
    with pytest.raises(dbfed.SourceError, match="VaultDown: vault unreachable") as error:
        credential.token()

    assert error.value.source_name == "callback"
    assert error.value.__cause__ is raised[0]
    assert kit.counters()["exchanges"] == 0


def test_an_exception_in_a_callback_reaches_the_async_api(kit: Testkit) -> None:
    def fail(context: dbfed.sources.SourceContext) -> str:
        raise VaultDown("vault unreachable")

    credential = kit.credential(dbfed.sources.Callback(fail))
    with pytest.raises(dbfed.SourceError) as error:
        asyncio.run(credential.token_async())
    assert isinstance(error.value.__cause__, VaultDown)


def test_a_callback_must_return_a_str(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Callback(lambda context: b"bytes"))  # type: ignore[arg-type,return-value]
    with pytest.raises(dbfed.SourceError, match="returned bytes") as error:
        credential.token()
    assert isinstance(error.value.__cause__, TypeError)


def test_a_plain_callback_that_hangs_times_out(kit: Testkit) -> None:
    release = threading.Event()
    credential = kit.credential(dbfed.sources.Callback(lambda context: str(release.wait(5)), timeout=0.2))
    try:
        with pytest.raises(dbfed.SourceError, match="did not return within"):
            credential.token()
    finally:
        release.set()


def test_an_async_callback_that_hangs_is_cancelled(kit: Testkit) -> None:
    cancelled = threading.Event()

    async def hang(context: dbfed.sources.SourceContext) -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    credential = kit.credential(dbfed.sources.Callback(hang, timeout=0.2))
    with pytest.raises(dbfed.SourceError, match="did not return within"):
        credential.token()
    assert cancelled.wait(5), "the coroutine was left running"


def test_a_callback_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="needs a callable"):
        dbfed.sources.Callback("not callable")  # type: ignore[arg-type]


def test_a_callback_can_use_the_credential_of_another_source(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()
    inner = kit.credential(dbfed.sources.Fixed(jwt))

    def mint(context: dbfed.sources.SourceContext) -> str:
        inner.token()  # a blocking call from the callback's thread must not deadlock
        return jwt

    kit.credential(dbfed.sources.Callback(mint)).token()
    assert kit.counters()["successes"] == 2
