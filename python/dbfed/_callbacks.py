"""Running the function of a :class:`dbfed.sources.Callback`.

The native side calls :func:`invoke` in a worker thread. A plain function runs right there; an
``async`` one runs on an event loop that dbfed keeps in a daemon thread of its own (the same
loop for every call, so state a callback keeps between calls stays on one loop).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from typing import Any, Awaitable, Callable, Optional

from ._native import SourceContext


def invoke(function: Callable[[SourceContext], Any], context: SourceContext, timeout: float) -> str:
    """Calls ``function(context)``, awaits its result if it is awaitable (for at most
    ``timeout`` seconds), and returns the JWT it produced."""
    result = function(context)
    if hasattr(type(result), "__await__"):
        result = _callback_loop().run(result, timeout)
    if not isinstance(result, str):
        raise TypeError(f"the source callback returned {type(result).__name__}, not the JWT as a str")
    return result


class _CallbackLoop:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._loop.run_forever, name="dbfed-callbacks", daemon=True)
        thread.start()

    def run(self, awaitable: Awaitable[Any], timeout: float) -> Any:
        """Runs ``awaitable`` on the loop and waits for its result; cancels it after ``timeout`` s."""
        future = asyncio.run_coroutine_threadsafe(_await(awaitable), self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"the async source callback did not return within {timeout} s") from None


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


_loop: Optional[_CallbackLoop] = None
_loop_lock = threading.Lock()


def _callback_loop() -> _CallbackLoop:
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = _CallbackLoop()
        return _loop


def _forget_loop_in_child() -> None:
    # The loop's thread does not survive fork(); the child starts its own on first use.
    global _loop, _loop_lock
    _loop = None
    _loop_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_loop_in_child)
