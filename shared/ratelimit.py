"""How many requests a client (or anything keyed) may make: the generic cell rate algorithm (GCRA), pure.

A rate is `limit` requests per `period_seconds`, admitted in a burst of up to `limit` and
then one per `period_seconds / limit` (the emission interval). The whole state of a key is
one number, its theoretical arrival time (TAT): the moment the key's budget is fully
replenished. A request at `now` is admitted when pushing the TAT one interval further keeps
it within one period of `now`. Unlike a fixed window there is no boundary at which a
client gets two bursts in a row, and the state of a key whose TAT has passed equals no
state at all, so a store may forget it then (a TTL index on the TAT does this).
"""
import math
from dataclasses import dataclass

TOLERANCE = 1e-6  # seconds: float rounding never refuses the last request of a burst


@dataclass(frozen=True)
class Rate:
    limit: int
    period_seconds: float

    def __post_init__(self):
        if self.limit < 1 or self.period_seconds <= 0:
            raise ValueError(f"a rate needs at least one request per positive period, not {self.limit}/{self.period_seconds}s")

    @property
    def interval(self) -> float:
        return self.period_seconds / self.limit


@dataclass(frozen=True)
class Decision:
    admitted: bool
    tat: float | None  # the key's new TAT to store (epoch seconds) when admitted; nothing changes when refused
    retry_after: int  # whole seconds until a request would be admitted; 0 when admitted


def decide(rate: Rate, tat: float | None, now: float) -> Decision:
    """Admit or refuse one request at `now` (epoch seconds) for a key whose stored TAT is `tat` (None: never seen)."""
    new_tat = max(tat if tat is not None else now, now) + rate.interval
    if new_tat - now <= rate.period_seconds + TOLERANCE:
        return Decision(True, new_tat, 0)
    return Decision(False, None, max(1, math.ceil(new_tat - rate.period_seconds - now - TOLERANCE)))
