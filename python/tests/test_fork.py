"""A child process after os.fork() (gunicorn --preload) gets tokens of its own."""

from __future__ import annotations

import asyncio
import faulthandler
import json
import os
import tempfile
import time
from typing import Callable

import pytest

import dbfed
from testkit import Testkit

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def run_in_child(body: Callable[[], dict[str, object]]) -> dict[str, object]:
    """Forks, runs `body()` in the child and returns what it returned (a JSON value). A child
    that hangs is killed after 30 s, and the failure shows where its threads were at 25 s."""
    with tempfile.TemporaryFile("w+") as stacks:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 0
            try:
                faulthandler.dump_traceback_later(25, file=stacks)
                os.close(read_end)
                os.write(write_end, json.dumps(body()).encode())
            except BaseException as error:  # noqa: BLE001 - reported to the parent
                os.write(write_end, json.dumps({"error": repr(error)}).encode())
                code = 1
            finally:
                os._exit(code)
        os.close(write_end)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            stacks.seek(0)
            where = stacks.read() or "(no dump: still inside os.fork)"
            pytest.fail(f"the child hung; its Python threads at 25 s:\n{where}")
    with os.fdopen(read_end) as pipe:
        result = json.loads(pipe.read())
    assert isinstance(result, dict)
    assert os.waitstatus_to_exitcode(status) == 0, result
    return result


def test_a_child_exchanges_on_a_runtime_of_its_own(kit: Testkit) -> None:
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))
    parent_token = credential.token().token  # the parent's runtime now runs

    def child() -> dict[str, object]:
        inherited = credential.token().token  # the cache came along with the fork
        credential.invalidate()
        fresh = credential.token().token
        credential.invalidate()
        from_async = asyncio.run(credential.token_async()).token
        return {"inherited": inherited, "fresh": fresh, "async": from_async}

    result = run_in_child(child)

    assert result["inherited"] == parent_token
    assert len({parent_token, result["fresh"], result["async"]}) == 3
    assert kit.counters()["successes"] == 3
    assert credential.token().token == parent_token, "the parent's cache is its own"


def test_a_child_forked_during_an_exchange_does_not_wait_for_the_parents(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=1000)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))

    async def start_fetch() -> None:
        asyncio.ensure_future(credential.token_async())
        await asyncio.sleep(0.1)  # the parent's exchange is now in flight

    asyncio.run(start_fetch())

    def child() -> dict[str, object]:
        return {"token": credential.token().token}

    assert run_in_child(child)["token"]


def test_async_callbacks_work_in_a_child(kit: Testkit) -> None:
    jwt = kit.service_principal_jwt()

    async def mint(context: dbfed.sources.SourceContext) -> str:
        return jwt

    credential = kit.credential(dbfed.sources.Callback(mint))
    credential.token()  # the parent's callback loop now runs

    def child() -> dict[str, object]:
        credential.invalidate()
        return {"token": credential.token().token}

    assert run_in_child(child)["token"]
