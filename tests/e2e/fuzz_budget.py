"""The fuzz run's wall-clock budget (FUZZ_SECONDS): once spent, an operation that has had its first
example is not called further, so a loaded machine ends the run in about the budget, never with an
operation left uncalled; what was cut short is said, operation by operation.

Pure bookkeeping over a clock it is given (tests/unit/test_fuzz_budget.py runs it on a fake one).
"""
import time
from collections import Counter

import pytest

# Where the fuzz module leaves its report for the end of the run (tests/conftest.py: pytest_terminal_summary
# prints it): output written during a test or its teardown is captured and shown only on failure.
REPORT = pytest.StashKey[list]()


class FuzzBudget:
    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.started_at = None     # the first example's time: the budget bounds the fuzzing, not the stack's start
        self.spent_at = None       # when the first example was cut short
        self.ran = Counter()       # operation label -> examples sent
        self.cut = Counter()       # operation label -> examples not sent, the budget being spent

    def spent(self) -> bool:
        return self.started_at is not None and self.clock() - self.started_at >= self.seconds

    def admit(self, operation: str) -> bool:
        """Whether to send this example of `operation`: always its first, the others while the budget lasts."""
        if self.started_at is None:
            self.started_at = self.clock()
        if self.ran[operation] and self.spent():
            if self.spent_at is None:
                self.spent_at = self.clock()
            self.cut[operation] += 1
            return False
        self.ran[operation] += 1
        return True

    def report(self) -> list:
        """Lines saying what the run covered: every operation and its examples, and, the budget spent, which ran fewer."""
        if not self.ran:
            return ["fuzz: no operation ran"]
        lines = [f"fuzz: {len(self.ran)} operations, {sum(self.ran.values())} examples sent (FUZZ_SECONDS={self.seconds:g})"]
        if self.cut:
            lines.append(f"fuzz: the budget was spent {self.spent_at - self.started_at:.0f} s in; every operation had at "
                         f"least one example, these {len(self.cut)} fewer than generated (sent, not sent):")
            lines += [f"fuzz:   {operation}: {self.ran[operation]} sent, {self.cut[operation]} not sent"
                      for operation in sorted(self.cut)]
        return lines
