"""The life of a case as a state machine: which action moves it where, and who may take it.

    submitted --assign--> assigned --save_rating--> in_review --submit--> quality_review
        \--wait--> unassigned --assign--> assigned      quality_review --approve--> approved
                                                      quality_review --return--> in_review
"""


class TransitionRefused(Exception):
    """The action is not allowed from this state, or not by this role: HTTP 409 / 403."""

    def __init__(self, message, *, wrong_role=False):
        super().__init__(message)
        self.wrong_role = wrong_role


# (state, action) -> (next state, roles that may take it)
TRANSITIONS = {
    ("submitted", "assign"): ("assigned", {"system"}),
    ("submitted", "wait"): ("unassigned", {"system"}),
    ("unassigned", "assign"): ("assigned", {"system", "admin"}),
    ("assigned", "save_rating"): ("in_review", {"expert"}),
    ("in_review", "save_rating"): ("in_review", {"expert"}),
    ("in_review", "submit"): ("quality_review", {"expert"}),
    ("quality_review", "approve"): ("approved", {"quality_reviewer"}),
    ("quality_review", "return"): ("in_review", {"quality_reviewer"}),
}
STATES = sorted({state for state, _ in TRANSITIONS} | {target for target, _ in TRANSITIONS.values()})
ACTIVE_STATES = ("assigned", "in_review", "quality_review")  # the expert holds the case


def next_state(state: str, action: str, role: str) -> str:
    try:
        target, roles = TRANSITIONS[(state, action)]
    except KeyError:
        allowed = sorted(action for (origin, action) in TRANSITIONS if origin == state)
        raise TransitionRefused(
            f"A case in state '{state}' cannot be '{action}'; allowed: {', '.join(allowed) or 'nothing'}."
        ) from None
    if role not in roles:
        raise TransitionRefused(f"Only {' or '.join(sorted(roles))} may {action} a case.", wrong_role=True)
    return target
