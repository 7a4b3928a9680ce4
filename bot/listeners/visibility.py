"""Which channels a person is in, asked of Slack and remembered for a minute.

`/signoff pending`, `search`, `status` and `history` show a draft only to members of its channel,
private channels included; anything else answers as if the draft did not exist. Slack is asked
(`users.conversations`, needs `channels:read` and `groups:read`) rather than trusted from a payload.
"""

from __future__ import annotations

import time
from typing import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

_PAGES = 20  # 20 000 channels at 1 000 a page is more than any workspace we serve


class VisibilityUnknown(Exception):
    """Slack could not say which channels the person is in; show nothing rather than too much."""


class ChannelVisibility:
    def __init__(
        self, *, ttl_s: float = 60.0, max_people: int = 2000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self.max_people, self.clock = ttl_s, max_people, clock
        self._known: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    async def channels_of(self, client: AsyncWebClient, installation: str, user: str) -> frozenset[str]:
        key = (installation, user)
        cached = self._known.get(key)
        if cached is not None and self.clock() - cached[0] < self.ttl_s:
            return cached[1]
        channels: set[str] = set()
        cursor = ""
        try:
            for _ in range(_PAGES):
                page = await client.users_conversations(
                    user=user, types="public_channel,private_channel", limit=1000, cursor=cursor or None
                )
                channels.update(c["id"] for c in page.get("channels") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
                if not cursor:
                    break
        except SlackApiError as exc:
            raise VisibilityUnknown(
                exc.response.get("error", "unknown_error") if exc.response else "no answer"
            ) from None
        if len(self._known) >= self.max_people:
            self._known.clear()  # a crude bound; a minute of re-asking costs little
        result = frozenset(channels)
        self._known[key] = (self.clock(), result)
        return result

    def may_see(self, channels: frozenset[str], user: str, channel_id: str, requester_id: str) -> bool:
        """A draft requested in a direct message is the requester's alone."""
        if channel_id.startswith("D"):
            return user == requester_id
        return channel_id in channels
