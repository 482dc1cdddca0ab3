"""Who may do what to which object: the one rule every endpoint of every service asks.

`decide(principal, operation, target)` answers ALLOWED, FORBIDDEN (403: the wrong role for
this operation) or NOT_FOUND (404: the object is not yours; its existence is never revealed).
The wrong moment (409) is the workflow's answer, asked after this one.

- `target=None` asks about the role only: the entrypoint asks it before it reads the body,
  so a caller with the wrong role learns nothing about what a valid body looks like.
- `target=Member(code)` for what a member owns (evidence, self-assessments, action plans).
- `target=CaseFacts` (see `case_facts`) for a case under review.

Who sees which case:
- admin: every case.
- expert: the case assigned to them now, with all of its content, and to act on it.
  A *past* expert (one who declined or missed a deadline: `Case.excluded_experts`) still
  finds the case in their list, by id, status, member and cycle only, so they can tell what
  became of it; never its content, its draft or its current expert: whoever declined for a
  conflict of interest must not read the draft of the expert who replaced them. From public
  comment on they read the draft as everyone does, on the public endpoint.
- poc: only its member's. The draft findings only from government review on (before that
  the draft does not exist for the government: 404); the reviewers' case view never.
- quality_reviewer: only cases in or past quality review. "Past" is known by the case's
  `reviewer_id`: every quality decision (approve or return) sets it and nothing clears it,
  so a returned case, back with its expert, stays visible to quality reviewers. A quality
  reviewer never decides on a case they authored as its expert (403), nor reads it as a reviewer
  (403: their draft is theirs to read as its expert), and their list never holds it (a queue of
  drafts to review is never one's own). A reviewer is a case's author when their subject is its
  expert id: a person invited as a quality reviewer bound to the registry entry they also are
  (shared/auth.py: person_subject), or an operator's token naming that id.
"""
from dataclasses import dataclass

from shared.auth import Forbidden
from shared.http import NotFound
from shared.irm import ROLES
from shared.logging import bind

ALLOWED, FORBIDDEN, NOT_FOUND = "allowed", "forbidden", "not_found"
NEVER_OWN_WORK = "A quality reviewer never reviews their own work."

# Stages in which the member's government reads the draft findings.
GOVERNMENT_DRAFT_STAGES = ("government_review", "public_comment", "approved")
QUALITY_REVIEW_STAGE = "quality_review"

ANY_TOKEN = ROLES

# operation -> roles that may ask for it at all. Anything else is FORBIDDEN.
OPERATIONS = {
    # intake
    "upload_evidence": ("poc", "admin"),
    "read_evidence": ANY_TOKEN,
    "submit_self_assessment": ("poc", "admin"),
    "read_self_assessments": ANY_TOKEN,
    "import_commitments": ("poc", "admin"),
    "read_commitments": ANY_TOKEN,
    "read_member_plans": ("poc", "admin"),  # the government's own overview: its plans and their cases
    "self_assessment_draft": ("poc", "admin"),  # a draft kept between sittings (read and saved)
    "read_members": ("admin",),  # the registry's members with their region and time zone (the operator's pages)
    # review
    "manage_experts": ("admin",),
    "read_waiting_cases": ("admin",),  # cases nobody may take, and why (the operator's pages)
    "list_cases": ("expert", "quality_reviewer", "admin"),
    "read_case": ("expert", "quality_reviewer", "admin"),
    "read_draft": ("poc", "expert", "quality_reviewer", "admin"),
    "expert_work": ("expert",),  # accept, decline, ratings, plan assessment, submit, respond, finalise
    "quality_decision": ("quality_reviewer",),
    "comment_government": ("poc",),
    "open_public_comment": ("expert", "admin"),
    "correct": ("admin",),
    # publication
    "withdraw_finding": ("quality_reviewer", "admin"),
    # accounts
    "invite_people": ("admin",),
    "read_security_log": ("admin",),
    "read_people": ("admin",),  # every person, their role, binding and state
    "unlock_people": ("admin",),  # lift a person's sign-in lock
    "operate_messages": ("admin",),  # rejected and parked messages: list, show, replay (the operator's pages)
    "read_own_account": ANY_TOKEN,  # who am I: a session or any token
    "end_own_sessions": ANY_TOKEN,  # sign out, sign out everywhere (session only, below)
    "change_own_password": ANY_TOKEN,  # (session only)
    "manage_own_tokens": ANY_TOKEN,  # personal API tokens (session only)
    "choose_own_mail": ANY_TOKEN,  # which stage notices the person gets (session only)
}

# Operations only a signed-in person may ask, by the session cookie: a bearer token has no
# session to end, and a token that could mint tokens or change the password would let whoever
# stole it stay in for good. Any bearer token is FORBIDDEN for them.
SESSION_ONLY = ("end_own_sessions", "change_own_password", "manage_own_tokens", "choose_own_mail")
SESSION_ONLY_REASON = "This is done by the signed-in person (the session cookie), never with a bearer token."

# A poc acting for another member: when the caller names the member (in the path or the body)
# the member is no secret, so 403; an object found by its id answers 404 (see `decide`).
MEMBER_NAMED_BY_CALLER = ("import_commitments", "read_commitments", "submit_self_assessment", "read_member_plans",
                          "self_assessment_draft")


@dataclass(frozen=True)
class Member:
    code: str


@dataclass(frozen=True)
class CaseFacts:
    """What the rule needs of a case, nothing else."""
    member_code: str
    status: str
    expert_id: str | None
    past_experts: tuple = ()
    reviewer_id: str | None = None

    @property
    def been_in_quality_review(self) -> bool:
        return self.status == QUALITY_REVIEW_STAGE or self.reviewer_id is not None


def case_facts(case) -> CaseFacts:
    """The facts of a stored case (any object with the Case document's attributes)."""
    return CaseFacts(member_code=case.member["code"], status=case.status, expert_id=case.expert_id,
                     past_experts=tuple(case.excluded_experts or ()), reviewer_id=case.reviewer_id)


def decide(principal, operation: str, target=None) -> str:
    """ALLOWED, FORBIDDEN or NOT_FOUND for `principal` (a shared.auth.Principal) doing `operation` to `target`."""
    if principal.role not in OPERATIONS[operation]:
        return FORBIDDEN
    if operation in SESSION_ONLY and not getattr(principal, "by_session", False):
        return FORBIDDEN
    if target is None or principal.role == "admin":
        return ALLOWED
    if isinstance(target, Member):
        if principal.role != "poc" or principal.member_code == target.code:
            return ALLOWED
        return FORBIDDEN if operation in MEMBER_NAMED_BY_CALLER else NOT_FOUND
    return _decide_case(principal, operation, target)


def _decide_case(principal, operation, case: CaseFacts) -> str:
    role, subject = principal.role, principal.subject
    if role == "poc":
        if principal.member_code != case.member_code:
            return NOT_FOUND
        if operation == "read_draft" and case.status not in GOVERNMENT_DRAFT_STAGES:
            return NOT_FOUND
        return ALLOWED
    if role == "expert":
        if subject == case.expert_id:
            return ALLOWED
        if operation == "list_cases" and subject in case.past_experts:
            return ALLOWED  # listed as a summary only: see `sees_case_content`
        return NOT_FOUND
    if role == "quality_reviewer":
        if not case.been_in_quality_review:
            return NOT_FOUND
        if subject == case.expert_id:
            return NOT_FOUND if operation == "list_cases" else FORBIDDEN  # NEVER_OWN_WORK
        return ALLOWED
    return NOT_FOUND


def sees_case_content(principal, case: CaseFacts) -> bool:
    """Whether a listed case shows its content (current expert, deadline, link) or only a summary (a past expert)."""
    return decide(principal, "read_case", case) == ALLOWED


def forbidden_reason(principal, operation: str, target=None) -> str:
    """Why `decide` answered FORBIDDEN, in words the caller can act on."""
    roles = OPERATIONS[operation]
    if principal.role not in roles:
        return f"This needs one of the roles: {', '.join(roles)}."
    if operation in SESSION_ONLY and not getattr(principal, "by_session", False):
        return SESSION_ONLY_REASON
    if isinstance(target, Member):
        return f"This token acts for member {principal.member_code}, not {target.code}."
    return NEVER_OWN_WORK  # the one case the rule forbids to a role that may ask


def authorize(principal, operation: str, target=None, not_found: str = "Not found.") -> None:
    """Raise the HTTP answer when the rule refuses: 403 (Forbidden) the wrong role, 404 (NotFound) not yours."""
    decision = decide(principal, operation, target)
    if decision == FORBIDDEN:
        raise Forbidden(forbidden_reason(principal, operation, target))
    if decision == NOT_FOUND:
        raise NotFound(not_found)


def require(principal, operation: str, case, case_id: str):
    """`case` (a stored case, or None) if the principal may `operation` it; otherwise the same
    404 as for a case that does not exist (or the 403 of `authorize`)."""
    not_found = f"No case {case_id} for you."
    if case is None:
        raise NotFound(not_found)
    authorize(principal, operation, case_facts(case), not_found=not_found)
    bind(case_id=case_id)
    return case
