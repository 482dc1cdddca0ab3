"""What one case may collect from commenters, and how fast anonymous writers may write: the numbers and their rules.

Why these defaults. Every comment of a case ends up in one MongoDB document twice over:
the REVIEW_APPROVED event in the outbox and the published finding, both limited to 16 MB
(BSON). A character is at most 4 bytes in UTF-8, so with the defaults the comments of a
case take at most:

    public      300 comments x (2,000 chars x 4 B + author 200 chars x 4 B + 512 B of ids, time, keys) = 2.79 MB
    government  100 comments x (2,000 chars x 4 B + answer 2,000 chars x 4 B + 512 B)                   = 1.65 MB
    together                                                                                             = 4.44 MB

about a quarter of 16 MB, which leaves the rest for commitments, ratings and
justifications. Settings whose worst case passes COMMENTS_BUDGET_BYTES (half the limit)
are refused at start-up, so no configuration can bring a case back to the 16 MB wall.
Typical text is far smaller (Arabic and French take 2 bytes or less per character).
"""
from dataclasses import dataclass

from shared.ratelimit import Rate

MONGODB_DOCUMENT_LIMIT = 16 * 1024 * 1024
COMMENTS_BUDGET_BYTES = MONGODB_DOCUMENT_LIMIT // 2
UTF8_MAX_BYTES_PER_CHARACTER = 4
AUTHOR_MAX_CHARACTERS = 200  # a public commenter's name or organisation (schemas.py)
COMMENT_OVERHEAD_BYTES = 512  # comment id, commitment id, time, author id, field names


@dataclass(frozen=True)
class Limits:
    comment_max_characters: int = 2000  # one comment's text, counted across all its languages
    public_comments_per_case: int = 300  # per review round (a correction starts a new round)
    government_comments_per_case: int = 100  # per review round
    per_client: Rate = Rate(10, 3600)  # anonymous writes from one client address, all cases together
    per_case: Rate = Rate(60, 3600)  # anonymous writes to one case, all clients together

    @classmethod
    def from_config(cls, config) -> "Limits":
        def setting(key, default):
            value = config.get(key)
            return default if value in (None, "") else int(value)

        defaults = cls()
        limits = cls(
            comment_max_characters=setting("COMMENT_MAX_CHARACTERS", defaults.comment_max_characters),
            public_comments_per_case=setting("PUBLIC_COMMENTS_PER_CASE", defaults.public_comments_per_case),
            government_comments_per_case=setting("GOVERNMENT_COMMENTS_PER_CASE", defaults.government_comments_per_case),
            per_client=Rate(setting("ANONYMOUS_WRITES_PER_CLIENT", defaults.per_client.limit),
                            setting("ANONYMOUS_WRITES_CLIENT_SECONDS", int(defaults.per_client.period_seconds))),
            per_case=Rate(setting("ANONYMOUS_WRITES_PER_CASE", defaults.per_case.limit),
                          setting("ANONYMOUS_WRITES_CASE_SECONDS", int(defaults.per_case.period_seconds))),
        )
        if min(limits.comment_max_characters, limits.public_comments_per_case, limits.government_comments_per_case) < 1:
            raise ValueError("COMMENT_MAX_CHARACTERS, PUBLIC_COMMENTS_PER_CASE and GOVERNMENT_COMMENTS_PER_CASE must be at least 1")
        if limits.worst_case_comment_bytes() > COMMENTS_BUDGET_BYTES:
            raise ValueError(f"Comment limits allow {limits.worst_case_comment_bytes():,} bytes of comments in one case, over "
                             f"the budget of {COMMENTS_BUDGET_BYTES:,} (half of MongoDB's 16 MB document limit): lower them")
        return limits

    def worst_case_comment_bytes(self) -> int:
        """The most a case's comments can weigh in one document (the finding, the REVIEW_APPROVED event)."""
        text = self.comment_max_characters * UTF8_MAX_BYTES_PER_CHARACTER
        public = text + AUTHOR_MAX_CHARACTERS * UTF8_MAX_BYTES_PER_CHARACTER + COMMENT_OVERHEAD_BYTES
        government = 2 * text + COMMENT_OVERHEAD_BYTES  # the comment and the expert's answer
        return self.public_comments_per_case * public + self.government_comments_per_case * government


def characters(text: dict) -> int:
    """A localized text's size: its characters across every language it is given in."""
    return sum(len(value) for value in text.values())


def too_long(text: dict, max_characters: int | None) -> str | None:
    """Why a comment is too long, or None."""
    if max_characters is None or characters(text) <= max_characters:
        return None
    return f"At most {max_characters} characters across all languages; this text has {characters(text)}."


def cap_reached(kind: str, count: int, cap: int) -> str | None:
    """Why a case takes no more comments of this kind (public, government), or None."""
    if count < cap:
        return None
    return (f"This case has reached its limit of {cap} {kind} comments for this review; "
            "no more can be added.")
