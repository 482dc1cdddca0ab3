"""The disclosure rule: what of a case the public may read, and from when. Pure, no storage.

Every decision is public from the start: the fact that it was taken, the actor's role and
pseudonymous id, the time, the stated reason and the facts in the entry's `data` (ids,
counts, deadlines). What people wrote and a draft's values are *sealed* (shared/audit.py:
seal): the entry and the transparency log hold only their salted fingerprint, and the
content itself becomes public only when the review reaches the moment below. Then it is
served with its salt, so anyone can check it against the fingerprint the log committed to.

| what is sealed                                          | entries                          | public from           |
|---------------------------------------------------------|----------------------------------|-----------------------|
| the draft: rating values and justifications, the plan's | rating.saved,                    | public comment opens  |
| co-creation assessment                                  | plan_assessment.saved            | (the draft is public) |
| a public comment and its author                         | public.commented                 | when it is made       |
| a confidential public comment                           | public.commented (confidential)  | never                 |
| the quality reviewer's comments, the government's       | review.returned,                 | publication           |
| comments and the expert's answers                       | review.quality_approved,         |                       |
|                                                         | government.commented,            |                       |
|                                                         | government.comment_answered      |                       |

A moment counts only if it comes *after* the entry in the case's chain: after a correction
reopens a published case, the new round's ratings wait for the next public comment period.
Anything sealed that this table does not name stays withheld (the safe default).
"""
from dataclasses import dataclass

# The entries whose coming discloses what was sealed before them.
PUBLIC_COMMENT_OPENED = "review.public_comment_opened"
PUBLISHED = "finding.published"
MOMENTS = {PUBLIC_COMMENT_OPENED: "public_comment", PUBLISHED: "publication"}
NEVER = "never"

# action -> the entry action that discloses its sealed content (None: public when made).
DISCLOSED_BY = {
    "rating.saved": PUBLIC_COMMENT_OPENED,
    "plan_assessment.saved": PUBLIC_COMMENT_OPENED,
    "public.commented": None,
    "review.returned": PUBLISHED,
    "review.quality_approved": PUBLISHED,
    "government.commented": PUBLISHED,
    "government.comment_answered": PUBLISHED,
}

# The case's stages in which the draft findings themselves are public (review's public draft).
DRAFT_PUBLIC_STAGES = ("public_comment", "approved")


@dataclass(frozen=True)
class Disclosure:
    public: bool
    until: str | None = None  # when withheld: "public_comment", "publication" or "never"

    def as_dict(self) -> dict:
        return {"public": self.public, **({} if self.public else {"until": self.until})}


def moments_reached(entries) -> dict:
    """{moment action: the seq of its latest entry} from a case's entries (any order)."""
    reached = {}
    for entry in entries:
        if entry.get("action") in MOMENTS:
            reached[entry["action"]] = max(entry["seq"], reached.get(entry["action"], -1))
    return reached


def has_sealed(entry) -> bool:
    return bool((entry.get("data") or {}).get("sealed_sha256"))


def disclosure_of(entry, reached: dict) -> Disclosure | None:
    """Whether the entry's sealed content is public, given `moments_reached` of its case;
    None for an entry that seals nothing."""
    if not has_sealed(entry):
        return None
    action = entry.get("action")
    if action not in DISCLOSED_BY:
        return Disclosure(False, NEVER)
    if action == "public.commented" and (entry.get("data") or {}).get("confidential") is not False:
        return Disclosure(False, NEVER)
    moment = DISCLOSED_BY[action]
    if moment is None or reached.get(moment, -1) > entry["seq"]:
        return Disclosure(True)
    return Disclosure(False, MOMENTS[moment])


def disclosed_seqs(entries) -> list:
    """The seqs of a case's entries whose sealed content the public may read now."""
    reached = moments_reached(entries)
    return [e["seq"] for e in entries if (d := disclosure_of(e, reached)) is not None and d.public]


def public_entry(entry, reached: dict, sealed: dict | None) -> dict:
    """An audit entry as the public reads it: its hashed fields and hash as stored, plus
    `sealed` ({salt, content}) when disclosed, or `withheld` saying until when."""
    view = {key: value for key, value in entry.items() if key != "sealed"}
    disclosure = disclosure_of(entry, reached)
    if disclosure is None:
        return view
    if disclosure.public and sealed is not None:
        view["sealed"] = {"salt": sealed["salt"], "content": sealed["content"]}
    elif disclosure.public:  # disclosed, but the content was erased from the store (personal data)
        view["withheld"] = {"until": None, "erased": True}
    else:
        view["withheld"] = {"until": disclosure.until}
    return view


def draft_is_public(stage: str) -> bool:
    return stage in DRAFT_PUBLIC_STAGES
