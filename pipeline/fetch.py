"""Fetching a URL someone typed, without letting it reach our own network (SSRF guard).

Each hop is resolved once, every address is checked, and the request is sent to the checked
address itself (Host header and TLS SNI keep the name), so DNS rebinding cannot swap it after the
check. Redirects are followed by hand so each new location is checked the same way.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field

import httpx

from pipeline.errors import FetchRefused, SourceError


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch. `allowed_endpoints` exempts exact (ip, port) pairs, for tests."""

    allow_private: bool = False
    allowed_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    max_bytes: int = 1_000_000
    timeout_s: float = 10.0
    max_redirects: int = 3


@dataclass(frozen=True)
class FetchedPage:
    url: str
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        charset = "utf-8"
        if "charset=" in self.content_type:
            charset = self.content_type.split("charset=")[-1].split(";")[0].strip() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


async def resolve_checked(url: httpx.URL, policy: FetchPolicy) -> str:
    """The address to connect to, or FetchRefused when any resolved address is not allowed."""
    if url.scheme not in ("http", "https"):
        raise FetchRefused(f"only http and https URLs are fetched, not {url.scheme or 'no scheme'!r}")
    if not url.host:
        raise FetchRefused("the URL has no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceError(f"cannot resolve {url.host}: {exc.strerror}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    # Every address must pass, or a name with one public and one private record could slip through.
    for address in addresses:
        if not (policy.allow_private or is_public(address) or (address, port) in policy.allowed_endpoints):
            raise FetchRefused(f"{url.host} resolves to a non-public address ({address}); not fetched")
    return addresses[0]


async def _fetch_once(http: httpx.AsyncClient, url: httpx.URL, policy: FetchPolicy) -> tuple[httpx.Response, bytes]:
    address = await resolve_checked(url, policy)
    pinned = url.copy_with(host=address)
    headers = {
        "Host": url.netloc.decode("ascii"),
        "User-Agent": "Signoff/0.1 (+content desk)",
        "Accept": "text/html, application/xhtml+xml, text/plain;q=0.9, */*;q=0.5",
    }
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    request = http.build_request("GET", pinned, headers=headers, extensions=extensions)
    response = await http.send(request, stream=True, follow_redirects=False)
    try:
        if response.is_redirect:
            return response, b""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchRefused(f"{url.host} sent more than {policy.max_bytes} bytes; not fetched")
            chunks.append(chunk)
        return response, b"".join(chunks)
    finally:
        await response.aclose()


async def fetch(http: httpx.AsyncClient, url: str, policy: FetchPolicy = FetchPolicy()) -> FetchedPage:
    """GET `url` under `policy`; raises FetchRefused or SourceError, never follows a bad redirect."""
    current = httpx.URL(url)
    try:
        async with asyncio.timeout(policy.timeout_s):
            for _ in range(policy.max_redirects + 1):
                response, body = await _fetch_once(http, current, policy)
                if not response.is_redirect:
                    if response.status_code >= 400:
                        raise SourceError(f"{current.host} answered {response.status_code}")
                    return FetchedPage(
                        str(current), response.status_code, response.headers.get("content-type", ""), body
                    )
                current = current.join(response.headers["location"])
    except TimeoutError as exc:
        raise SourceError(f"fetching {url} took longer than {policy.timeout_s:g} s") from exc
    except httpx.HTTPError as exc:
        raise SourceError(f"fetching {url} failed: {type(exc).__name__}") from exc
    raise FetchRefused(f"{url} redirected more than {policy.max_redirects} times; not fetched")
