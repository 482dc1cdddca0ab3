"""The fuzz run's wall-clock budget (tests/e2e/fuzz_budget.py), on a clock the test moves."""
from tests.e2e.fuzz_budget import FuzzBudget


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_within_the_budget_every_example_is_sent():
    clock = Clock()
    budget = FuzzBudget(240, clock)
    assert [budget.admit("GET /a") for _ in range(4)] == [True] * 4
    clock.now += 239
    assert budget.admit("GET /b") and budget.admit("GET /a")
    assert budget.report() == ["fuzz: 2 operations, 6 examples sent (FUZZ_SECONDS=240)"]


def test_once_spent_each_operation_still_gets_its_first_example_and_the_cut_is_listed():
    clock = Clock()
    budget = FuzzBudget(240, clock)
    assert budget.admit("GET /a")
    clock.now += 240
    assert not budget.admit("GET /a")                     # a second example of an operation already called
    assert budget.admit("POST /b")                        # an operation not yet called: its first one goes
    assert [budget.admit("POST /b") for _ in range(3)] == [False] * 3
    assert budget.admit("PUT /c")                         # called once, nothing cut: not listed as short
    assert budget.report() == [
        "fuzz: 3 operations, 3 examples sent (FUZZ_SECONDS=240)",
        "fuzz: the budget was spent 240 s in; every operation had at least one example, these 2 fewer than generated "
        "(sent, not sent):",
        "fuzz:   GET /a: 1 sent, 1 not sent",
        "fuzz:   POST /b: 1 sent, 3 not sent",
    ]


def test_the_budget_starts_with_the_first_example_not_before():
    clock = Clock()
    budget = FuzzBudget(10, clock)
    clock.now += 3600                                     # the stack's start and the seeding are not the fuzzing
    assert not budget.spent()
    assert budget.admit("GET /a") and budget.admit("GET /a")
    clock.now += 10
    assert budget.spent() and not budget.admit("GET /a")
