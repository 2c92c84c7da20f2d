"""The asyncio side of the native ``*_async`` methods: each returns a :func:`run` coroutine,
whose future a task on dbfed's runtime settles through the future's event loop."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional


async def run(start: Callable[[asyncio.Future[Any]], None], cached: Optional[Callable[[], Any]]) -> Any:
    """Returns ``cached()`` if that is not None; else creates a future on the running loop, has
    ``start(future)`` begin the work on dbfed's runtime, and awaits the future."""
    if cached is not None:
        value = cached()
        if value is not None:
            return value
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    start(future)
    return await future


def settle(future: asyncio.Future[Any], value: Any, error: Optional[BaseException]) -> None:
    """Completes ``future`` with ``value``, or fails it with ``error``; runs on the future's
    event loop (scheduled with ``call_soon_threadsafe``). A future the caller cancelled is left
    as it is."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
