"""FakeSlack with the external upload flow, shaped like Slack's answers.

files.getUploadURLExternal (form: filename, length, alt_txt ≤ 1000 else alt_txt_too_large) answers
{"ok", "upload_url", "file_id"}; the upload URL takes the raw bytes (200 "OK - <length>");
files.completeUploadExternal (files [{id, title}], channel_id, initial_comment) shares them as one
message and answers {"ok", "files": [...]} with empty `shares`, which Slack fills in later.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.destinations.fakes.slack import FakeSlack, slack_error


class FakeSlackMedia(FakeSlack):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.files: dict[str, dict[str, Any]] = {}
        self._file_ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        super().routes(app)
        app.router.add_post("/api/files.getUploadURLExternal", self.get_upload_url)
        app.router.add_post("/api/files.completeUploadExternal", self.complete_upload)
        app.router.add_post("/upload/v1/{file_id}", self.upload)

    async def get_upload_url(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        if isinstance(args, web.Response):
            return args
        if not args.get("filename") or not str(args.get("length", "")).isdigit() or int(args["length"]) == 0:
            return slack_error("missing_argument")
        if len(args.get("alt_txt", "")) > 1000:
            return slack_error("alt_txt_too_large")
        file_id = f"F0MEDIA{next(self._file_ids):04d}"
        self.files[file_id] = {
            "id": file_id,
            "name": args["filename"],
            "length": int(args["length"]),
            "alt_txt": args.get("alt_txt"),
            "data": None,
        }
        return web.json_response({"ok": True, "upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id})

    async def upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="Not Found")
        data = await request.read()
        file["data"], file["mimetype"] = data, request.headers.get("Content-Type")
        return web.Response(text=f"OK - {len(data)}")

    async def complete_upload(self, request: web.Request) -> web.Response:
        args = await self._args(request)
        if isinstance(args, web.Response):
            return args
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        if not files:
            return slack_error("invalid_arguments")
        for entry in files:
            known = self.files.get(entry.get("id", ""))
            if known is None or known["data"] is None or len(known["data"]) != known["length"]:
                return slack_error("file_not_found")
        channel = args.get("channel_id")
        if channel not in self.channels:
            return slack_error("channel_not_found")
        shared = [
            {k: v for k, v in self.files[e["id"]].items() if k != "data"} | {"title": e.get("title")} for e in files
        ]
        ts = f"{int(time.time())}.{next(self._seq):06d}"
        self.posts.append(
            {
                "type": "message",
                "text": args.get("initial_comment", ""),
                "ts": ts,
                "bot_id": self.bot_id,
                "files": shared,
                "thread_ts": args.get("thread_ts"),
                "channel": channel,
            }
        )
        return web.json_response({"ok": True, "files": [f | {"shares": {}} for f in shared]})
