"""`signoff demo`: one whole conversation on this machine, printed as a transcript.

Local Slack, an embedded Redis (unless REDIS_URL is set), a fresh SQLite file, the offline writer
and the dry-run destination: no accounts, no keys.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import time
from pathlib import Path

from bot.blocks import action_ids
from launch.local_slack.server import Message
from launch.local_slack.stack import LocalStack
from launch.redis_server import EmbeddedRedis, find_redis_server
from bot.settings import Settings
from storage import audit
from storage.db import create_engine, create_sessionmaker

REQUESTER, APPROVER, BYSTANDER = "U_CAROL", "U_ALICE", "U_DAVE"
NOTES = Path(__file__).parent / "demo_notes"  # a team's notes folder, so the offline writer has material
NAMES = {REQUESTER: "carol", APPROVER: "alice", BYSTANDER: "dave"}


def _plain(blocks: list[dict]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if block["type"] in ("section", "header"):
            lines += block["text"]["text"].splitlines()
        elif block["type"] == "context":
            lines += [e.get("text", "") for e in block["elements"]]
        elif block["type"] == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
    return [_humanise(line) for line in lines]


def _humanise(text: str) -> str:
    text = re.sub(r"<@(\w+)>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)), text)
    text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Transcript:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def say(self, who: str, text: str, indent: int = 0) -> None:
        stamp = f"{time.perf_counter() - self.started:6.2f}s"
        pad = " " * indent
        first, *rest = text.splitlines() or [""]
        print(f"{stamp}  {pad}{who:<10} {first}")
        for line in rest:
            print(f"{' ' * 8}  {pad}{'':<10} {line}")

    def message(self, who: str, message: Message, indent: int = 0) -> None:
        self.say(who, "\n".join(_plain(message.blocks)), indent)


async def run_demo(settings: Settings, topic: str) -> int:
    data_dir = Path(settings.signoff_data_dir)
    db_path = (data_dir / "demo.db").resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    embedded = None
    redis_url = settings.redis_url
    if not redis_url:
        embedded = EmbeddedRedis(data_dir / "demo-redis", persistent=False)
        redis_url = embedded.start()
    database_url = f"sqlite+aiosqlite:///{db_path}"
    print(
        "Signoff demo: local Slack, "
        + (f"embedded Redis ({find_redis_server()})" if embedded else f"Redis at {redis_url}")
        + f", SQLite at {db_path}, offline writer reading {NOTES},"
        " dry-run destination.\n"
    )
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            approvers=(APPROVER,),
            signoff_destinations=["dryrun"],
            signoff_notes_dir=str(NOTES),
            signoff_fetch_topic_urls=False,
        ) as stack:
            await _conversation(stack, topic)
    finally:
        if embedded:
            embedded.stop()
    status = await _print_audit(database_url)
    print(f"\nThe demo's database is {db_path}. Verify its audit trail yourself with:\n  {verify_command(db_path)}")
    return status


def verify_command(db_path: Path) -> str:
    """`signoff audit verify` on the demo's database, as typed in the directory the demo ran in."""
    try:
        shown = db_path.relative_to(Path.cwd().resolve())
    except ValueError:
        shown = db_path
    return f"DATABASE_URL={shlex.quote(f'sqlite+aiosqlite:///{shown}')} {_signoff()} audit verify"


def _signoff() -> str:
    """How this process was started: `.venv/bin/signoff` from scripts/demo, `signoff` if on PATH."""
    script = Path(sys.argv[0])
    on_path = shutil.which("signoff")
    if script.name != "signoff" or (on_path and Path(on_path).resolve() == script.resolve()):
        return "signoff"
    try:
        return shlex.quote(str(script.resolve().relative_to(Path.cwd().resolve())))
    except ValueError:
        return shlex.quote(str(script.resolve()))


async def _conversation(stack: LocalStack, topic: str) -> None:
    t, slack = Transcript(), stack.slack
    carol, dave, alice = stack.user(REQUESTER), stack.user(BYSTANDER), stack.user(APPROVER)
    t.say("@carol", f"/draft {topic}")
    sent = time.perf_counter()
    reply = await carol.slash("/draft", topic)
    ack_ms = (time.perf_counter() - sent) * 1000
    t.say("Signoff", f"(only you see this) {reply.json().get('text', reply.body)}   [ack {ack_ms:.0f} ms]")
    draft = await slack.wait_for(lambda: next((m for m in slack.messages.values() if m.thread_ts), None), 30)
    shown_ms = (time.perf_counter() - sent) * 1000
    parent = slack.messages[(draft.channel, draft.thread_ts)]
    t.message("Signoff", parent)
    t.message("└ thread", draft, indent=2)
    t.say("", f"[/draft → draft in thread: {shown_ms:.0f} ms]", indent=2)

    t.say("@dave", "clicks [Approve]", indent=2)
    before = len(slack.ephemerals)
    await dave.click(draft, action_ids.APPROVE)
    refusal = await slack.wait_for(lambda: slack.ephemerals[before:], 10)
    t.say("Signoff", f"(only dave sees this) {_humanise(refusal[0]['text'])}", indent=2)

    t.say("@alice", "clicks [Approve]", indent=2)
    await alice.click(draft, action_ids.APPROVE)
    await slack.wait_for(lambda: "Published" in str(draft.blocks) or "Failed" in str(draft.blocks), 30)
    t.message("Signoff", draft, indent=2)


async def _print_audit(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            events = await audit.events_for(session, 1)
            report = await audit.verify(session)
    finally:
        await engine.dispose()
    print("\nAudit trail of draft #1:")
    for e in events:
        detail = {k: v for k, v in e.detail.items() if k in ("revision", "destination", "action", "why", "sha256")}
        if "sha256" in detail:
            detail["sha256"] = detail["sha256"][:12]
        print(f"  #{e.seq:<3} {e.created_at:%H:%M:%S}  {e.kind:<20} {NAMES.get(e.actor, e.actor):<8} {detail}")
    state = "intact" if report.ok else f"BROKEN at #{report.broken_at_seq}: {report.reason}"
    print(f"Hash chain: {report.events} events, {state} (head {report.head[:16]}).")
    return 0 if report.ok else 1
