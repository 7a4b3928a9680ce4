"""A fake Bluesky PDS: createSession, createRecord, getRecord, listRecords, getAuthorFeed.

XRPC shapes: errors are {"error": "Name", "message": "..."}; an expired access token answers
400 ExpiredToken; 429 carries ratelimit-limit/-remaining/-reset (epoch seconds)/-policy.
The fake checks what the real PDS checks for us: text ≤ 300 graphemes and ≤ 3000 bytes,
facet byte ranges inside the text, reply refs naming existing records.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

import regex
from aiohttp import web

from tests.destinations.fakes.server import FakeServer

POST = "app.bsky.feed.post"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def xrpc_error(status: int, name: str, message: str) -> web.Response:
    return web.json_response({"error": name, "message": message}, status=status)


def rate_limited(reset_in_s: int = 60) -> dict[str, Any]:
    return {
        "status": 429,
        "body": {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        "headers": {
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-policy": "5000;w=3600",
            "ratelimit-reset": str(int(time.time()) + reset_in_s),
        },
    }


def tid(n: int) -> str:
    return "".join(_B32[(n >> shift) & 31] for shift in range(60, -1, -5))


class FakeBluesky(FakeServer):
    did = "did:plc:signofftest000000000000"

    def __init__(self, handle: str = "signoff.test", password: str = "abcd-efgh-ijkl-mnop") -> None:
        super().__init__()
        self.handle = handle
        self.password = password
        self.records: dict[str, dict[str, Any]] = {}  # uri -> {"uri", "cid", "value"}
        self.sessions = 0
        self._tokens: set[str] = set()
        self._seq = itertools.count(1)
        self.known_handles = {"alice.bsky.social": "did:plc:alice0000000000000000000"}

    @property
    def posts(self) -> list[dict[str, Any]]:
        return [r["value"] for r in self.records.values()]

    def expire_tokens(self) -> None:
        self._tokens.clear()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/xrpc/com.atproto.server.createSession", self.create_session)
        app.router.add_post("/xrpc/com.atproto.repo.createRecord", self.create_record)
        app.router.add_get("/xrpc/com.atproto.repo.getRecord", self.get_record)
        app.router.add_get("/xrpc/com.atproto.repo.listRecords", self.list_records)
        app.router.add_get("/xrpc/com.atproto.identity.resolveHandle", self.resolve_handle)
        app.router.add_get("/xrpc/app.bsky.feed.getAuthorFeed", self.author_feed)

    async def resolve_handle(self, request: web.Request) -> web.Response:
        did = self.known_handles.get(request.query.get("handle", "").lower())
        if did is None:
            return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")
        return web.json_response({"did": did})

    async def create_session(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("identifier") not in (self.handle, self.did) or body.get("password") != self.password:
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions += 1
        token = f"access-{next(self._seq)}"
        self._tokens.add(token)
        return web.json_response(
            {
                "did": self.did,
                "handle": self.handle,
                "accessJwt": token,
                "refreshJwt": f"refresh-{token}",
                "active": True,
            }
        )

    def _auth_error(self, request: web.Request) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        if auth.removeprefix("Bearer ") not in self._tokens:
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return None

    async def create_record(self, request: web.Request) -> web.Response:
        if (error := self._auth_error(request)) is not None:
            return error
        body = await request.json()
        record = body.get("record", {})
        if body.get("repo") not in (self.did, self.handle) or body.get("collection") != POST:
            return xrpc_error(400, "InvalidRequest", "Invalid repo or collection")
        if problem := self._invalid(record):
            return xrpc_error(400, "InvalidRequest", f"Invalid app.bsky.feed.post record: {problem}")
        uri = f"at://{self.did}/{POST}/{tid(int(time.time() * 1e6) << 10 | next(self._seq))}"
        cid = "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]
        self.records[uri] = {"uri": uri, "cid": cid, "value": record}
        return web.json_response(
            {
                "uri": uri,
                "cid": cid,
                "validationStatus": "valid",
                "commit": {"cid": "bafyreicommit" + cid[12:], "rev": tid(next(self._seq))},
            }
        )

    def _invalid(self, record: dict[str, Any]) -> str | None:
        text = record.get("text", "")
        if record.get("$type") != POST or "createdAt" not in record:
            return "must have $type and createdAt"
        if len(regex.findall(r"\X", text)) > 300 or len(text.encode("utf-8")) > 3000:
            return "Record/text must not be longer than 300 graphemes"
        size = len(text.encode("utf-8"))
        for facet in record.get("facets", []):
            index = facet["index"]
            if not 0 <= index["byteStart"] < index["byteEnd"] <= size:
                return "facet index out of range"
        reply = record.get("reply")
        if reply is not None:
            for ref in (reply["root"], reply["parent"]):
                known = self.records.get(ref["uri"])
                if known is None or known["cid"] != ref["cid"]:
                    return "reply ref does not name an existing post"
        return None

    async def get_record(self, request: web.Request) -> web.Response:
        q = request.query
        # Like the real service: the repo may be named by handle or DID; the answer names the DID.
        repo = self.did if q.get("repo") == self.handle else q.get("repo")
        uri = f"at://{repo}/{q.get('collection')}/{q.get('rkey')}"
        if uri not in self.records:
            return xrpc_error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return web.json_response(self.records[uri])

    async def list_records(self, request: web.Request) -> web.Response:
        limit = int(request.query.get("limit", "50"))
        newest = sorted(self.records.values(), key=lambda r: r["uri"], reverse=True)[:limit]
        return web.json_response({"records": newest})

    async def author_feed(self, request: web.Request) -> web.Response:
        author = {"did": self.did, "handle": self.handle}
        feed = [
            {
                "post": {
                    "uri": r["uri"],
                    "cid": r["cid"],
                    "author": author,
                    "record": r["value"],
                    "indexedAt": r["value"]["createdAt"],
                }
            }
            for r in sorted(self.records.values(), key=lambda r: r["uri"], reverse=True)
        ]
        return web.json_response({"feed": feed[: int(request.query.get("limit", "50"))]})
