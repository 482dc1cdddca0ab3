"""The pages' one way to review's public draft and its comments: review's own HTTP API.

Why over HTTP and not review's functions in this process. A public comment passes, in
review's `public_comment` entrypoint, the anonymous-write rate limits (per client and per
case, their state in review's `rate_limits`), the schema built from review's configured
COMMENT_MAX_CHARACTERS, the state and clock rules, the per-case cap, and the unit of work
that writes the comment, its audit entry and its outbox together. Called in-process, the
pages would have to repeat that sequence and read review's settings a second time (two
places to keep equal in every deployment), and write into review's store from a service
that otherwise only reads. Posted to review's API, every rule stays in one place: the form is
one more client of the API, refused exactly as `curl` would be.

The rate limit still counts the commenter, not this service: upstream_api.py carries the
client's address. No session cookie is carried: a comment is anonymous whoever writes it.

The draft page reads GET .../public-draft for the same reason: whether comments are open now,
and how long one may be, are review's answers (its clock, its settings), not the page's.
"""
from urllib.parse import quote

from services.web.upstream_api import Answer, UpstreamApi
from shared import settings


def case_path(case_id: str) -> str:
    return f"/api/v1/cases/{quote(case_id, safe='')}"


class _Review(UpstreamApi):
    def base_url(self) -> str:
        return settings.value(self.container.config, "REVIEW_URL")


class ReviewApi(_Review):
    """Anonymous: no cookie goes with these calls."""

    def public_draft(self, case_id: str, request) -> Answer:
        return self.call("GET", f"{case_path(case_id)}/public-draft", request)

    def post_comment(self, case_id: str, body: dict, request) -> Answer:
        return self.call("POST", f"{case_path(case_id)}/public-comments", request, body)


class SignedInReviewApi(_Review):
    """A signed-in person's pages' client of the same API: the session cookie alone of the browser's cookies
    goes with every call, and a change's CSRF token as X-CSRF-Token (upstream_api.py). Each role's pages
    have their own subclass, naming the calls they make (expert_review_api.py, quality_review_api.py,
    government_review_api.py); who may make them is review's to decide (shared/access.py)."""
    CARRIES_SESSION = True
