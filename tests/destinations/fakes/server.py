"""The part every fake platform shares: a local aiohttp server, a request log and a fault queue."""

from __future__ import annotations

import abc
import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Fault:
    """What the next matching request gets instead of a normal answer.

    kind "status": answer `status` with `headers` and `body` without handling the request.
    kind "drop": handle it (the post is stored), then close the connection without answering.
    kind "hang": handle it, then say nothing until the client gives up.
    """

    kind: str = "status"
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path: str | None = None


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakeServer(abc.ABC):
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self._server: TestServer | None = None
        self._closing = asyncio.Event()

    @abc.abstractmethod
    def routes(self, app: web.Application) -> None:
        """Each platform's fake adds the routes of the API it speaks."""

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return str(self._server.make_url("")).rstrip("/")

    async def start(self) -> str:
        # Media uploads are megabytes; aiohttp refuses bodies over 1 MiB by default.
        app = web.Application(middlewares=[self._faulty], client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def fail_next(
        self,
        status: int = 500,
        *,
        kind: str = "status",
        headers: dict[str, str] | None = None,
        body: Any = None,
        path: str | None = None,
    ) -> None:
        self.faults.append(Fault(kind=kind, status=status, headers=headers or {}, body=body, path=path))

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path is None or fault.path == path:
                self.faults.remove(fault)
                return fault
        return None

    @web.middleware
    async def _faulty(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self.requests.append(Seen(request.method, request.path, dict(request.headers), await request.read()))
        fault = self._take_fault(request.path)
        if fault is None:
            return await handler(request)
        if fault.kind == "status":
            body = fault.body if isinstance(fault.body, (str, bytes)) else json.dumps(fault.body or {})
            content_type = "text/html" if isinstance(fault.body, str) else "application/json"
            return web.Response(
                status=fault.status,
                body=body,
                headers=fault.headers,
                content_type=None if "Content-Type" in fault.headers else content_type,
            )
        await handler(request)
        if fault.kind == "drop":
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
        await asyncio.wait_for(self._closing.wait(), timeout=30)
        raise asyncio.CancelledError


def unused_port() -> int:
    """A port nothing listens on, for "connection refused" tests."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
