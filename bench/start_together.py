"""Soak: `signoff bot` and `signoff worker` started at the same moment on a new SQLite file, round
after round, as systemd or compose start them.

Each round makes a fresh directory and database file, starts both commands (the installed entry
point, in processes of their own, against an embedded Redis and an unreachable Slack URL), waits
until the bot says it listens and the worker has finished its first cron job (which runs after
its migrations), then sends both SIGTERM. A round fails when either process exits before it is
up, does not stop within 60 s, exits non-zero or logs "database is locked". A process still
starting after `--ready-timeout` is counted as slow, not failed, and reported separately (the
machine is shared).

Before migrations were serialised, 1 round in 20 failed with the worker or the bot stopping
"database is locked" (docs/benchmarks.md, section 6).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Summary, clean_environment, embedded_redis, machine, markdown_table

SIGNOFF = Path(sys.executable).with_name("signoff")
READY = {"bot": "bot listening on", "worker": "← cron:scheduled_publishes"}


def _start(command: str, workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = workdir / f"{command}.log"
    args = [str(SIGNOFF), command] + (["--port", "0"] if command == "bot" else [])
    with open(log, "w") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, env=env), log


def one_round(workdir: Path, redis_url: str, ready_timeout_s: float) -> dict[str, Any]:
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-soak",
        SLACK_SIGNING_SECRET="s" * 32,
        REDIS_URL=redis_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'signoff.db'}",
        SLACK_API_URL="http://127.0.0.1:9/",
        SIGNOFF_APPROVERS="U_SOAK",
    )
    started = time.monotonic()
    procs = {name: _start(name, workdir, env) for name in READY}
    up: dict[str, float] = {}
    outcome = "ok"
    while len(up) < len(procs) and time.monotonic() - started < ready_timeout_s:
        for name, (proc, log) in procs.items():
            if name in up:
                continue
            if READY[name] in log.read_text(errors="replace"):
                up[name] = time.monotonic() - started
            elif proc.poll() is not None:
                outcome = f"{name} exited {proc.returncode} before it was up"
        if outcome != "ok":
            break
        time.sleep(0.02)
    if outcome == "ok" and len(up) < len(procs):
        outcome = "slow"
    codes = {}
    for _name, (proc, _log) in procs.items():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, (proc, _log) in procs.items():
        try:
            codes[name] = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            codes[name] = proc.wait()
            outcome = outcome if outcome != "ok" else f"{name} did not stop within 60 s of SIGTERM"
    logs = "".join(log.read_text(errors="replace") for _proc, log in procs.values())
    if outcome == "ok" and any(codes.values()):
        outcome = f"exit codes {codes}"
    if outcome in ("ok", "slow") and "database is locked" in logs:
        outcome = "'database is locked' logged"
    return {"outcome": outcome, "ready_s": max(up.values()) if len(up) == len(procs) else None, "log": logs[-2000:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=120.0,
        help="seconds a round may take to come up before it counts as slow",
    )
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop after the round running at this point (the table says how many ran)",
    )
    args = parser.parse_args()
    clean_environment()
    if not SIGNOFF.exists():
        print(f"{SIGNOFF} not found: run scripts/setup first", file=sys.stderr)
        return 2
    failures: list[tuple[int, dict[str, Any]]] = []
    ready: list[float] = []
    slow = done = 0
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="signoff-soak-") as tmp, embedded_redis(Path(tmp)) as redis_url:
        for i in range(args.rounds):
            if args.max_minutes is not None and time.monotonic() - began > args.max_minutes * 60:
                break
            workdir = Path(tmp) / f"round-{i}"
            workdir.mkdir()
            result = one_round(workdir, redis_url, args.ready_timeout)
            if result["ready_s"] is not None:
                ready.append(result["ready_s"])
            if result["outcome"] == "slow":
                slow += 1
            elif result["outcome"] != "ok":
                failures.append((i, result))
                print(f"round {i}: {result['outcome']}\n{result['log']}", file=sys.stderr, flush=True)
            with contextlib.suppress(OSError):
                for path in workdir.iterdir():
                    path.unlink()
            done += 1
            if done % 25 == 0:
                print(f"… {done} rounds, {len(failures)} failed", file=sys.stderr, flush=True)
    both_up = Summary.of(ready)
    print(f"\n{machine()}; {done} rounds in {time.monotonic() - began:.0f} s\n")
    print(
        markdown_table(
            ["rounds", "failed", "slow (> ready timeout)", "both up p50", "both up p99", "both up max"],
            [[done, len(failures), slow, f"{both_up.p50:.2f} s", f"{both_up.p99:.2f} s", f"{both_up.max:.2f} s"]],
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
