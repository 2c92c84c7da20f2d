"""Many callers, one exchange; the GIL is released while a call waits; Ctrl-C interrupts a wait."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import pytest

import dbfed
from testkit import Testkit

#: Holds every token request long enough for all callers to arrive while it is in flight.
EXCHANGE_DELAY_MS = 500


def test_100_threads_and_1000_tasks_on_a_cold_cache_cause_one_exchange(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=EXCHANGE_DELAY_MS)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))
    start = threading.Barrier(101)
    thread_tokens: list[str] = []

    def call() -> None:
        start.wait()
        thread_tokens.append(credential.token().token)

    threads = [threading.Thread(target=call) for _ in range(100)]
    for thread in threads:
        thread.start()

    async def gather() -> list[dbfed.AccessToken]:
        start.wait()
        return await asyncio.gather(*(credential.token_async() for _ in range(1000)))

    task_tokens = [token.token for token in asyncio.run(gather())]
    for thread in threads:
        thread.join(timeout=30)

    assert len(thread_tokens) == 100 and len(task_tokens) == 1000
    assert len(set(thread_tokens + task_tokens)) == 1
    assert kit.counters()["exchanges"] == 1
    assert credential.stats().exchanges == 1


def test_the_gil_is_released_while_a_call_waits(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=EXCHANGE_DELAY_MS)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))
    waiting = threading.Event()
    steps = 0

    def count_while_waiting() -> None:
        nonlocal steps
        waiting.wait()
        deadline = time.monotonic() + EXCHANGE_DELAY_MS / 2000
        while time.monotonic() < deadline:
            steps += 1

    counter = threading.Thread(target=count_while_waiting)
    counter.start()
    waiting.set()
    credential.token()
    counter.join()

    # Had token() held the GIL, the counter could not have run until it returned, then would
    # have found its deadline passed after at most a step or two.
    assert steps > 1000


def test_the_event_loop_runs_while_a_task_waits(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=EXCHANGE_DELAY_MS)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))

    async def main() -> int:
        ticks = 0
        fetch = asyncio.ensure_future(credential.token_async())
        while not fetch.done():
            ticks += 1
            await asyncio.sleep(0.01)
        await fetch
        return ticks

    assert asyncio.run(main()) > 10


def test_a_cancelled_task_does_not_cancel_the_exchange(kit: Testkit) -> None:
    kit.inject(path="/oidc/v1/token", delay_ms=300)
    credential = kit.credential(dbfed.sources.Fixed(kit.service_principal_jwt()))

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(credential.token_async(), timeout=0.05)
        await credential.token_async()

    asyncio.run(main())
    assert kit.counters()["exchanges"] == 1


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="needs POSIX signals")
def test_ctrl_c_interrupts_a_waiting_call(kit: Testkit) -> None:
    # Every exchange takes far longer than the interruption may, even on a loaded machine
    # (every one: a refresh left running by an earlier test must not take the slow answer).
    kit.inject(path="/oidc/v1/token", delay_ms=8000, count=1000)
    jwt = kit.service_principal_jwt()
    credential = kit.credential(dbfed.sources.Fixed(jwt))
    # Python installs no handler when it starts with SIGINT ignored (a suite run as a shell's
    # background job): install the one of an interactive program for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            credential.token()
    finally:
        signal.signal(signal.SIGINT, previous)
    interrupted_after = time.monotonic() - started
    timer.join()
    # The exchange itself went on: waiting again joins it, and it succeeds.
    credential.token()
    assert interrupted_after < 5, "the wait ran to the end of the delayed exchange"
    ours = [exchange for exchange in kit.exchanges() if dict(exchange["form"])["subject_token"] == jwt]
    assert len(ours) == 1, "one exchange, joined by the second call"
