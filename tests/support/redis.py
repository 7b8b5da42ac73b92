"""Redis for the tests: the configured server, or a throwaway one of their own.

`DERMAGA_TEST_REDIS_URL` points the tests at a Redis server (CI); they only
publish on channels under a prefix unique to the test there, and never flush
or stop it. Unset, a session fixture starts a `redis-server` of its own on a
free loopback port in a temporary directory, without persistence. Without
either, the Redis tests are skipped. A test that restarts Redis always gets a
server of its own, whatever is configured.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

TEST_URL_VARIABLE = "DERMAGA_TEST_REDIS_URL"
READY_S = 10.0
NO_REDIS = (
    f"needs Redis: set {TEST_URL_VARIABLE} or put `redis-server` on PATH "
    "(the tests start a throwaway one)"
)
NO_REDIS_SERVER = (
    "needs `redis-server` on PATH: the test stops and restarts a Redis of its "
    f"own, never the one of {TEST_URL_VARIABLE}"
)


class ThrowawayRedis:
    """A `redis-server` on a free loopback port, nothing saved to disk."""

    def __init__(self, binary: str, directory: Path) -> None:
        self._binary = binary
        self._directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start on the same port every time, so clients find it again."""
        with (self._directory / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    self._binary,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--dir", str(self._directory),
                    "--save", "",
                    "--appendonly", "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        await self._until_ready()

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=READY_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    async def restart(self, down_s: float = 0.5) -> None:
        self.stop()
        await asyncio.sleep(down_s)
        await self.start()

    async def _until_ready(self) -> None:
        client = redis.Redis.from_url(self.url)
        try:
            async with asyncio.timeout(READY_S):
                while True:
                    assert self._process is not None
                    if self._process.poll() is not None:
                        log = (self._directory / "redis.log").read_text()
                        raise RuntimeError(f"redis-server exited:\n{log}")
                    try:
                        if await client.ping():
                            return
                    except (redis.ConnectionError, OSError):
                        await asyncio.sleep(0.05)
        finally:
            await client.aclose()


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def channel_prefix() -> str:
    """Channels of one test, apart from anyone else's on a shared server."""
    return f"test-{uuid.uuid4().hex[:8]}:"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _throwaway(reason: str) -> AsyncIterator[ThrowawayRedis]:
    binary = redis_server_binary()
    if binary is None:
        pytest.skip(reason)
    with tempfile.TemporaryDirectory(prefix="dermaga-redis-") as directory:
        server = ThrowawayRedis(binary, Path(directory))
        try:
            await server.start()
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
async def redis_url() -> AsyncIterator[str]:
    """The configured Redis, else a throwaway one for the session, else skip."""
    configured = os.environ.get(TEST_URL_VARIABLE)
    if configured:
        yield configured
        return
    async for server in _throwaway(NO_REDIS):
        yield server.url


@pytest.fixture
async def own_redis() -> AsyncIterator[ThrowawayRedis]:
    """A Redis that the test alone uses and may stop: never the configured one."""
    async for server in _throwaway(NO_REDIS_SERVER):
        yield server
