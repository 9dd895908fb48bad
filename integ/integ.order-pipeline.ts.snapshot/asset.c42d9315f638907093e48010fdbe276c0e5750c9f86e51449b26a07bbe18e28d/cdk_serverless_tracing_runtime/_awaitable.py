"""Runs a handler's awaitable result to completion from synchronous code (a Lambda handler's thread)."""

import asyncio
import inspect
from typing import Any


def run_to_completion(result: Any, inside_loop_error: str) -> Any:
    """``result`` itself, or, when it is awaitable, what it resolves to (``asyncio.run``); inside a running
    event loop nothing can wait for it: a coroutine is closed and ``RuntimeError(inside_loop_error)`` raised."""
    if not inspect.isawaitable(result):
        return result
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(result))
    if inspect.iscoroutine(result):
        result.close()
    raise RuntimeError(inside_loop_error)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
