"""One deadline per run: every model call and every retry fits inside it.

The deadline is an absolute `time.monotonic()` value, so it survives being passed around and never
drifts with the wall clock; `budget_s` is what the run was given, for messages ("within 45 s").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# A silent or always-busy model must end in a visible failure within a minute of `/draft`:
# 45 s for the pipeline leaves the worker time to queue the run and post the failure.
DEFAULT_RUN_DEADLINE_S = 45.0


@dataclass(frozen=True)
class Deadline:
    at: float
    budget_s: float

    @classmethod
    def after(cls, budget_s: float) -> Deadline:
        return cls(at=time.monotonic() + budget_s, budget_s=budget_s)

    def left_s(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def bound(self, timeout_s: float) -> float:
        """A call's timeout: its own, or the time the run has left, whichever is shorter."""
        return min(timeout_s, self.left_s())

    def describe(self) -> str:
        return f"{self.budget_s:g} s"
