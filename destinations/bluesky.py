"""Bluesky over XRPC: createSession with an app password, createRecord app.bsky.feed.post.

A thread reply needs the root and parent (uri, cid); the worker only hands us the previous
part's external id (its at:// uri), so the parent record is read back to learn its cid and root.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from destinations.base import EMPTY_TEXT, Capabilities, LengthUnit, Part, Post, PublishResult
from destinations.bluesky_facets import facets, mentioned_handles
from destinations.bluesky_media import images_embed
from destinations.errors import PermanentError, RetryableError, UnknownOutcomeError
from destinations.http_errors import json_body, map_http_errors, raise_for_status
from destinations.lengths import BLUESKY_MAX_GRAPHEMES, measure_for
from destinations.media.checks import images_for, media_problems
from destinations.media.limits import BLUESKY_MEDIA
from destinations.retry_after import seconds_until_epoch
from destinations.splitting import thread_parts

POST = "app.bsky.feed.post"


class Bluesky:
    name = "bluesky"
    capabilities = Capabilities(
        max_length=BLUESKY_MAX_GRAPHEMES,
        length_unit=LengthUnit.graphemes,
        threads=True,
        idempotency_keys=False,
        # 5000 write points an hour at 3 per created record.
        rate_limit_per_min=27,
        safe_to_retry_unknown=False,
        media=True,
        media_limits=BLUESKY_MEDIA,
    )
    handoff = False

    def __init__(
        self, handle: str, app_password: str, http: httpx.AsyncClient, *, service_url: str = "https://bsky.social"
    ) -> None:
        self._handle = handle
        self._password = app_password
        self._http = http
        self._xrpc = service_url.rstrip("/") + "/xrpc/"
        # createSession is limited to 30 per 5 min per handle: keep the session between posts.
        self._session: dict[str, Any] | None = None

    def format(self, post: Post) -> list[Part]:
        return thread_parts(post.text, BLUESKY_MAX_GRAPHEMES, measure_for(self.capabilities.length_unit))

    def preflight(self, post: Post) -> list[str]:
        problems = [] if post.text.strip() else [EMPTY_TEXT]
        return problems + media_problems("Bluesky", self.capabilities.media_limits, post.images)

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        record: dict[str, Any] = {
            "$type": POST,
            "text": part.text,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        if found := facets(part.text, await self._resolve(mentioned_handles(part.text))):
            record["facets"] = found
        if reply_to:
            record["reply"] = await self._reply_refs(reply_to)
        if images := images_for(post.images, part.index):
            record["embed"] = await images_embed(self._call, images)
        session = await self._ensure_session()
        created = await self._call(
            "POST", "com.atproto.repo.createRecord", json={"repo": session["did"], "collection": POST, "record": record}
        )
        rkey = created["uri"].rsplit("/", 1)[-1]
        return PublishResult(
            external_id=created["uri"],
            url=f"https://bsky.app/profile/{session['handle']}/post/{rkey}",
            detail={"cid": created["cid"]},
        )

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        """Reads our own repo (not the AppView feed), so a just-created post is already there."""
        session = await self._ensure_session()
        listed = await self._call(
            "GET", "com.atproto.repo.listRecords", params={"repo": session["did"], "collection": POST, "limit": 50}
        )
        for item in listed.get("records", []):
            if item.get("value", {}).get("text") == part.text:
                rkey = item["uri"].rsplit("/", 1)[-1]
                return PublishResult(
                    external_id=item["uri"],
                    url=f"https://bsky.app/profile/{session['handle']}/post/{rkey}",
                    detail={"cid": item["cid"], "reconciled": True},
                )
        return None

    async def _resolve(self, handles: list[str]) -> dict[str, str]:
        """handle → DID for the mentioned handles that exist. Nothing is posted yet, so a failure
        to ask is retryable (even a timeout); a handle the PDS cannot resolve stays plain text."""
        dids: dict[str, str] = {}
        for handle in handles[:20]:
            try:
                async with map_http_errors("Bluesky"):
                    response = await self._http.get(
                        self._xrpc + "com.atproto.identity.resolveHandle", params={"handle": handle}
                    )
            except UnknownOutcomeError as exc:
                raise RetryableError(f"Bluesky did not resolve @{handle} in time") from exc
            if 400 <= response.status_code < 500 and response.status_code != 429:
                continue
            _raise_for_status(response)
            did = json_body(response, "Bluesky").get("did")
            if isinstance(did, str) and did.startswith("did:"):
                dids[handle] = did
        return dids

    async def _reply_refs(self, parent_uri: str) -> dict[str, Any]:
        repo, collection, rkey = parent_uri.removeprefix("at://").split("/", 2)
        parent = await self._call(
            "GET", "com.atproto.repo.getRecord", params={"repo": repo, "collection": collection, "rkey": rkey}
        )
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        root_ref = parent.get("value", {}).get("reply", {}).get("root", parent_ref)
        return {"root": root_ref, "parent": parent_ref}

    async def _ensure_session(self) -> dict[str, Any]:
        if self._session is None:
            async with map_http_errors("Bluesky"):
                response = await self._http.post(
                    self._xrpc + "com.atproto.server.createSession",
                    json={"identifier": self._handle, "password": self._password},
                )
            if response.status_code == 401:
                raise PermanentError(f"Bluesky refused BLUESKY_HANDLE / BLUESKY_APP_PASSWORD: {_message(response)}")
            _raise_for_status(response)
            self._session = response.json()
        return self._session

    async def _call(
        self, method: str, nsid: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        for attempt in (1, 2):
            session = await self._ensure_session()
            async with map_http_errors("Bluesky"):
                response = await self._http.request(
                    method,
                    self._xrpc + nsid,
                    headers={**(headers or {}), "Authorization": f"Bearer {session['accessJwt']}"},
                    **kwargs,
                )
            # An expired access token means nothing was written: log in again and resend once.
            if attempt == 1 and _is_expired(response):
                self._session = None
                continue
            _raise_for_status(response)
            return json_body(response, "Bluesky")
        raise AssertionError("unreachable")


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return f"{body.get('error', '')}: {body.get('message', '')}"


def _is_expired(response: httpx.Response) -> bool:
    return response.status_code in (400, 401) and "ExpiredToken" in response.text


def _raise_for_status(response: httpx.Response) -> None:
    # Bluesky's PDS sends its window end as `ratelimit-reset`, epoch seconds.
    wait_s = seconds_until_epoch(response.headers.get("ratelimit-reset"))
    raise_for_status(response, "Bluesky", retry_after_s=wait_s)
