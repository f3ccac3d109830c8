"""Load that runs beside a scenario: asyncio workers in a background thread, each repeating
one kind of request and recording when it started, how long it took and how it ended, so
a scenario can ask afterwards what users saw before, during and after a failure.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from api import User
from stack import Stack

# Longer than any bound a scenario asserts, so a hang shows up as a measured latency
# instead of being cut short and hidden.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20)


@dataclass(frozen=True)
class Outcome:
    """One request as the client saw it."""

    kind: str
    started: float  # time.monotonic()
    seconds: float
    status: int | None  # None: no HTTP answer
    error: str | None = None

    @property
    def ended(self) -> float:
        return self.started + self.seconds


# A request maker gets the worker's session and its number and returns the status.
Request = Callable[[aiohttp.ClientSession, int], Awaitable[int]]


class BackgroundLoad:
    """`workers` concurrent loops per kind of request, until `stop()`."""

    def __init__(self, kinds: dict[str, tuple[Request, int]], pause: float = 0.0):
        self.kinds = kinds
        self.pause = pause
        self.outcomes: list[Outcome] = []
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BackgroundLoad:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> list[Outcome]:
        if self._thread.is_alive():
            assert self._loop and self._stop
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=60)
        return self.outcomes

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        await asyncio.gather(
            *(self._worker(kind, request, n) for kind, (request, count) in self.kinds.items() for n in range(count))
        )

    async def _worker(self, kind: str, request: Request, number: int) -> None:
        # One connection per worker: a request's connection was accepted by the server
        # before (keep-alive), which the SIGTERM scenario relies on.
        connector = aiohttp.TCPConnector(limit=1, force_close=False)
        async with aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT) as session:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = await request(session, number)
                    self.outcomes.append(Outcome(kind, started, time.monotonic() - started, status))
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as err:
                    self.outcomes.append(Outcome(kind, started, time.monotonic() - started, None, f"{type(err).__name__}: {err}"))
                    # A refused connection returns at once: do not spin on it.
                    await asyncio.sleep(0.05)
                if self.pause:
                    await asyncio.sleep(self.pause)


async def status_of(response_cm) -> int:
    """Reads the whole body (so the connection can be reused) and returns the status."""
    async with response_cm as response:
        await response.read()
        return response.status


def count_statuses(outcomes: list[Outcome]) -> str:
    """`200: 12, 503: 40`-style tally of statuses (or errors), for messages and the summary."""
    counts: dict[str, int] = {}
    for o in outcomes:
        key = str(o.status) if o.status is not None else (o.error or "no answer").split(":")[0]
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))


def reader_kinds(stack: Stack, reader: User, feed: int, profile: int, me: int) -> dict[str, tuple[Request, int]]:
    """What a signed-in reader asks for, as `BackgroundLoad` kinds with their worker counts:
    the public feed, the reader's public profile and their own account (`me`)."""

    async def read_feed(session, n):
        return await status_of(session.get(stack.posts.url("/api/posts?limit=10")))

    async def read_profile(session, n):
        return await status_of(session.get(stack.auth.url(f"/api/users/{reader.id}")))

    async def read_me(session, n):
        headers = {"Authorization": f"Bearer {reader.token}"}
        return await status_of(session.get(stack.auth.url("/api/users/me"), headers=headers))

    return {"feed": (read_feed, feed), "profile": (read_profile, profile), "me": (read_me, me)}
