"""The fetch guard refuses anything that could reach our own network, including via redirects."""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

import httpx
import pytest
from aiohttp import web
from aiohttp.typedefs import Handler

from pipeline.errors import FetchRefused, SourceError
from pipeline.fetch import FetchPolicy, fetch, is_public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:8080/admin",
        "http://localhost/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://240.0.0.1/",
    ],
)
async def test_default_policy_refuses_private_and_special_addresses(http: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(FetchRefused):
        await fetch(http, url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/"])
async def test_only_http_and_https_are_fetched(http: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(FetchRefused, match="only http and https"):
        await fetch(http, url)


def test_public_addresses_pass_the_check() -> None:
    assert is_public("93.184.216.34")
    assert is_public("2606:2800:220:1:248:1893:25c8:1946")
    assert not is_public("::ffff:10.1.2.3")


def _app(routes: dict[str, Handler]) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return app


async def test_a_redirect_to_a_private_address_is_refused(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def other(request: web.Request) -> web.Response:
        return web.Response(text="internal secrets")

    async with serve_app(_app({"/": other})) as internal:

        async def bounce(request: web.Request) -> NoReturn:
            raise web.HTTPFound(f"http://127.0.0.1:{internal.port}/")

        async with serve_app(_app({"/": bounce})) as public:
            only_public = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", public.port)}))
            with pytest.raises(FetchRefused, match="non-public"):
                await fetch(http, f"http://127.0.0.1:{public.port}/", only_public)


@pytest.mark.parametrize("target", ["http://10.1.2.3/", "http://169.254.169.254/", "http://[::1]/"])
async def test_a_redirect_to_a_metadata_or_private_host_is_refused(
    http: httpx.AsyncClient, serve_app: Any, target: str
) -> None:
    async def bounce(request: web.Request) -> NoReturn:
        raise web.HTTPFound(target)

    async with serve_app(_app({"/": bounce})) as server:
        policy = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", server.port)}))
        with pytest.raises(FetchRefused):
            await fetch(http, f"http://127.0.0.1:{server.port}/", policy)


async def test_redirects_within_the_allowed_host_are_followed(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def start(request: web.Request) -> NoReturn:
        raise web.HTTPFound("/final")

    async def final(request: web.Request) -> web.Response:
        return web.Response(text="<p>arrived</p>", content_type="text/html")

    async with serve_app(_app({"/": start, "/final": final})) as server:
        policy = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", server.port)}))
        page = await fetch(http, f"http://127.0.0.1:{server.port}/", policy)
    assert page.text == "<p>arrived</p>"
    assert page.url.endswith("/final")


async def test_more_than_three_redirects_are_refused(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def loop(request: web.Request) -> NoReturn:
        raise web.HTTPFound("/")

    async with serve_app(_app({"/": loop})) as server:
        policy = FetchPolicy(allowed_endpoints=frozenset({("127.0.0.1", server.port)}))
        with pytest.raises(FetchRefused, match="redirected more than 3"):
            await fetch(http, f"http://127.0.0.1:{server.port}/", policy)


async def test_a_body_over_the_size_limit_is_refused(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def huge(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 300_000)

    async with serve_app(_app({"/": huge})) as server:
        policy = FetchPolicy(allow_private=True, max_bytes=100_000)
        with pytest.raises(FetchRefused, match="more than 100000 bytes"):
            await fetch(http, f"http://127.0.0.1:{server.port}/", policy)


async def test_a_slow_server_hits_the_time_limit(http: httpx.AsyncClient, serve_app: Any) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async with serve_app(_app({"/": slow})) as server:
        policy = FetchPolicy(allow_private=True, timeout_s=0.3)
        with pytest.raises(SourceError, match="longer than"):
            await fetch(http, f"http://127.0.0.1:{server.port}/", policy)


async def test_an_unresolvable_host_is_a_source_error(http: httpx.AsyncClient) -> None:
    with pytest.raises(SourceError):
        await fetch(http, "http://no-such-host.invalid/")
