"""The life of a case as a state machine: which action moves it where, and who may take it.

    submitted --assign--> assigned --accept--> in_review --submit--> quality_review
        |  \\--wait--> unassigned --assign--> assigned     quality_review --return--> in_review
        |                                                   quality_review --approve--> government_review
    assigned/in_review --decline | miss_deadline--> declined --assign--> assigned (reassigned)
                                                    declined --wait--> unassigned
    government_review --comment_government | respond--> government_review
    government_review --open_public_comment--> public_comment --comment_public--> public_comment
    public_comment --finalise--> approved                 (publication then publishes it)
    approved --correct--> in_review                       (a correction: a new version once approved again)
"""
from shared import irm


class TransitionRefused(Exception):
    """The action is not allowed from this state (HTTP 409), or not by this role (403)."""

    def __init__(self, message, *, wrong_role=False):
        super().__init__(message)
        self.wrong_role = wrong_role


# (state, action) -> (next state, roles that may take it)
TRANSITIONS = {
    ("submitted", "assign"): ("assigned", {"system"}),
    ("submitted", "wait"): ("unassigned", {"system"}),
    ("unassigned", "assign"): ("assigned", {"system"}),
    ("declined", "assign"): ("assigned", {"system"}),
    ("declined", "wait"): ("unassigned", {"system"}),
    ("assigned", "accept"): ("in_review", {"expert"}),
    ("assigned", "decline"): ("declined", {"expert"}),
    ("in_review", "decline"): ("declined", {"expert"}),
    ("assigned", "miss_deadline"): ("declined", {"system"}),
    ("in_review", "miss_deadline"): ("declined", {"system"}),
    ("in_review", "save_rating"): ("in_review", {"expert"}),
    ("in_review", "submit"): ("quality_review", {"expert"}),
    ("quality_review", "return"): ("in_review", {"quality_reviewer"}),
    ("quality_review", "approve"): ("government_review", {"quality_reviewer"}),
    ("government_review", "comment_government"): ("government_review", {"poc"}),
    ("government_review", "respond"): ("government_review", {"expert"}),
    ("government_review", "open_public_comment"): ("public_comment", {"expert", "admin"}),
    ("public_comment", "comment_public"): ("public_comment", {"public"}),
    ("public_comment", "finalise"): ("approved", {"expert"}),
    ("approved", "correct"): ("in_review", {"admin"}),
}
STATES = sorted({state for state, _ in TRANSITIONS} | {target for target, _ in TRANSITIONS.values()})
ACTIONS = sorted({action for _, action in TRANSITIONS})
ROLES = ("system", *irm.ROLES, "public")  # who acts on a case: the token roles, the system and the public
# States in which the assigned expert holds the case (counts against capacity, has a deadline).
EXPERT_STAGES = irm.EXPERT_STAGES


def next_state(state: str, action: str, role: str) -> str:
    try:
        target, roles = TRANSITIONS[(state, action)]
    except KeyError:
        allowed = sorted(action for (origin, action) in TRANSITIONS if origin == state)
        raise TransitionRefused(
            f"A case in state '{state}' cannot '{action}'; allowed now: {', '.join(allowed) or 'nothing'}."
        ) from None
    if role not in roles:
        raise TransitionRefused(f"Only {' or '.join(sorted(roles))} may {action} a case.", wrong_role=True)
    return target
