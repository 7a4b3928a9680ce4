"""What Slack allows, as the budget Signoff spends: which calls share a limit, and at what rate.

https://api.slack.com/apis/rate-limits: `chat.postMessage` allows about one message a second per
channel; every other method belongs to a tier allowing about N calls a minute per workspace, with
short bursts. We read a tier as a bucket of N calls refilled over a minute (the local Slack enforces
the same) and spend all of it: the published numbers are minimums ("50+ per minute"), and a call
reaches Slack after its turn, never before, so Slack's bucket is never emptier than ours. A 429
that still arrives (a process that paced nothing, another reading of the limits) is waited out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    per_s: float  # sustained calls a second
    burst: int  # calls that may go at once after a quiet spell

    @property
    def interval_s(self) -> float:
        return 1.0 / self.per_s


# Calls a minute per workspace, by tier; https://api.slack.com/apis/rate-limits#tiers
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "auth.test": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.open": 3,
    "users.conversations": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "reactions.add": 3,
    "users.info": 4,
}
# One message a second per channel, and no burst: Slack's short burst allowance is left as margin.
POST_PER_CHANNEL = Rate(per_s=1.0, burst=1)
UNKNOWN_TIER = 2  # a method not listed above is assumed to be as strict as Tier 2


def tier_rate(tier: int) -> Rate:
    per_minute = TIER_PER_MINUTE[tier]
    return Rate(per_s=per_minute / 60, burst=max(1, int(per_minute)))


def budget_for(method: str, channel: str | None) -> tuple[str, Rate]:
    """The name of the limit a call spends from (calls with the same name share it) and its rate."""
    if method in ("chat.postMessage", "chat.scheduleMessage") and channel:
        return f"post:{channel}", POST_PER_CHANNEL
    return method, tier_rate(METHOD_TIERS.get(method, UNKNOWN_TIER))
