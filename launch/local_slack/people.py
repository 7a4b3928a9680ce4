"""Who is in the local workspace and which channels it has: enough people to see four eyes,
N approvals and refusals, and a private channel a stranger is not in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from launch.local_slack.server import LocalSlack


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str  # shown beside the name in the "you are" switch


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    private: bool = False


CAST = (
    Person("U_CAROL", "carol", "requester"),
    Person("U_ALICE", "alice", "approver"),
    Person("U_BOB", "bob", "approver"),
    Person("U_ERIN", "erin", "admin"),
    Person("U_DAVE", "dave", "stranger"),
)
APPROVERS = ("U_ALICE", "U_BOB")
ADMINS = ("U_ERIN",)
GENERAL = Channel("C_GENERAL", "general")
LAUNCHES = Channel("C_LAUNCHES", "launches", private=True)
CHANNELS = (GENERAL, LAUNCHES)
# The stranger is in #general only; everyone else is in the private channel too.
PRIVATE_MEMBERS = {LAUNCHES.id: frozenset(p.id for p in CAST if p.role != "stranger")}


def person(user_id: str) -> Person:
    for candidate in CAST:
        if candidate.id == user_id:
            return candidate
    raise KeyError(user_id)


def seat(slack: LocalSlack) -> None:
    """Make the channels exist in the local Slack, with the private channel's members."""
    slack.channels.update(c.id for c in CHANNELS if not c.private)
    for channel_id, members in PRIVATE_MEMBERS.items():
        slack.members[channel_id] = set(members)


def dm_with_app(user_id: str) -> str:
    """The id `conversations.open(users=<user>)` answers in the local Slack."""
    return "D" + user_id


def can_see(slack: LocalSlack, user_id: str, channel_id: str) -> bool:
    if channel_id.startswith("D"):  # "D" + the users conversations.open was given, joined by "_"
        return user_id in re.split(r"_(?=U)", channel_id[1:])
    return slack.is_member(user_id, channel_id)
