"""The `signoff` command as a user runs it: the installed entry point in a process of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("signoff")
SIGNOFF = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "launch.cli"]


def environment(**values: str) -> dict[str, str]:
    """This process's environment (the test fixtures cleared Signoff's variables) plus `values`."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **values}


def signoff(
    *args: str, cwd: Path | None = None, timeout_s: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SIGNOFF, *args], capture_output=True, text=True, cwd=cwd, env=environment(**env), timeout=timeout_s
    )


class Running:
    """A long-running `signoff` command; what it logs goes to a file that can be read while it runs."""

    def __init__(self, *args: str, log: Path, cwd: Path | None = None, **env: str) -> None:
        self.log_path = log
        self._log = open(log, "w", encoding="utf-8")  # noqa: SIM115 -- open while the process runs
        self.process = subprocess.Popen(
            [*SIGNOFF, *args], stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, env=environment(**env)
        )

    @property
    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout_s: float = 120) -> str:
        """The output once it contains `text`; fails with the output if the process ends first."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            output = self.output
            if text in output:
                return output
            if self.process.poll() is not None:
                raise AssertionError(f"exited {self.process.returncode} before {text!r}:\n{self.output[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout_s:.0f} s:\n{self.output[-3000:]}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout_s: float = 60) -> int:
        """Send `sig` and wait; a process that does not stop is killed and fails the test."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"still running {timeout_s:.0f} s after {sig.name}:\n{self.output[-3000:]}") from None
        finally:
            self._log.close()


def processes_mentioning(path: Path) -> list[int]:
    """Ids of running processes whose command line names `path` (an embedded redis-server is
    started with `--dir <its data directory>`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def end(pids: list[int]) -> None:
    """Stop processes a failed test left behind (found by `processes_mentioning`, so they are ours)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
