"""Settling asyncio futures from dbfed's runtime threads."""

from __future__ import annotations

import asyncio
from typing import Any, Optional


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
