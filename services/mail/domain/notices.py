"""Which mails there are, and which event tells whom of what. Pure: no nameko, no database.

Three kinds answer one person's own action or account and always go: the invitation, the password
reset (their links act once) and an expert's assignment (its accept deadline runs from the moment it
is sent). The others are notices of a case's stage, to everyone whose turn it is or who follows it
for the government: each person may turn any of them off (Person.mail_opt_out), and `OPTIONAL` lists
them in the order the account page shows them.
"""
from dataclasses import dataclass
from datetime import timedelta

from shared.contracts import events

INVITATION, PASSWORD_RESET, REVIEW_ASSIGNED = "invitation", "password_reset", "review_assigned"
LINK_KINDS = (INVITATION, PASSWORD_RESET)  # their link carries a token that acts once

# Who is told. The member's points of contact: every activated poc account bound to the case's member.
# The case's expert: the activated expert account bound to the payload's registry entry.
MEMBER_POCS, QUALITY_REVIEWERS, CASE_EXPERT = "member_pocs", "quality_reviewers", "case_expert"
# A stage notice that could not be sent for this long is news no more: it is dropped, not sent late.
NOTICE_LIFETIME = timedelta(days=7)
# A bound on one event's recipients (a member has a handful of points of contact, the IRM a few dozen
# quality reviewers): far more is a misconfiguration, and the rest are not mailed rather than the event stalling.
MAX_RECIPIENTS = 200


@dataclass(frozen=True)
class Notice:
    kind: str
    event_type: str
    audience: str
    deadline_field: str | None = None  # the payload's moment the mail names (after it the mail is not worth sending)


NOTICES = (
    Notice("case_assigned", events.REVIEW_ASSIGNED, MEMBER_POCS),
    Notice("government_review_opened", events.REVIEW_QUALITY_APPROVED, MEMBER_POCS, "government_review_until"),
    Notice("public_comment_opened", events.REVIEW_PUBLIC_COMMENT_OPENED, MEMBER_POCS, "closes_at"),
    Notice("finding_published", events.FINDING_PUBLISHED, MEMBER_POCS),
    Notice("correction_opened", events.REVIEW_CORRECTION_OPENED, MEMBER_POCS),
    Notice("quality_review_waiting", events.REVIEW_SUBMITTED, QUALITY_REVIEWERS),
    Notice("deadline_reminder", events.REVIEW_REMINDED, CASE_EXPERT, "deadline_at"),
    Notice("deadline_missed", events.REVIEW_DEADLINE_MISSED, CASE_EXPERT),
)
NOTICE_OF_EVENT = {notice.event_type: notice for notice in NOTICES}
OPTIONAL = tuple(notice.kind for notice in NOTICES)
KINDS = (INVITATION, PASSWORD_RESET, REVIEW_ASSIGNED) + OPTIONAL
ROLE_OF_AUDIENCE = {MEMBER_POCS: "poc", QUALITY_REVIEWERS: "quality_reviewer", CASE_EXPERT: "expert"}


def kinds_for_role(role: str) -> tuple:
    """The stage notices a person of this role can receive, in `OPTIONAL`'s order: the only ones they may turn off."""
    return tuple(notice.kind for notice in NOTICES if ROLE_OF_AUDIENCE[notice.audience] == role)


def wants(opted_out, kind: str) -> bool:
    """Whether a person gets a mail of this kind: the mails that answer their own action always go."""
    return kind not in OPTIONAL or kind not in set(opted_out or ())


def audience_filter(notice: Notice, payload: dict) -> dict:
    """Whose accounts a notice goes to: activated accounts of the audience's role (and, for the
    member's points of contact, bound to the payload's member)."""
    filter_ = {"role": ROLE_OF_AUDIENCE[notice.audience], "activated_at": {"$ne": None}}
    if notice.audience == MEMBER_POCS:
        filter_["member_code"] = payload["member_code"]
    elif notice.audience == CASE_EXPERT:
        filter_["expert_id"] = payload["expert_id"]
    return filter_
