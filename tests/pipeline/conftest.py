"""Local HTTP servers that speak the real wire format, started per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.e2e.fake_llm import FakeLLM


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[TestServer]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def serve_app() -> Any:
    return serve


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLM]:
    """The end-to-end tests' OpenAI-compatible server, scripted per test."""
    server = FakeLLM()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
