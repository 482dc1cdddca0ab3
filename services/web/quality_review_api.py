"""The quality reviewer's pages' one way to review: review's own HTTP API, with the signed-in reviewer's
session (the session cookie alone of the browser's cookies, and a signed-in change's CSRF token as
X-CSRF-Token: upstream_api.py), as expert_review_api.py is for the expert's pages.

Which drafts a quality reviewer sees (in or past quality review, never their own: shared/access.py, asked
by review), the decision's schema (a return needs at least one comment) and the workflow's states are
review's: the pages only carry the form there and its answer back.
"""
from services.web.review_api import SignedInReviewApi, case_path as _case
from services.web.upstream_api import Answer

AWAITING = "quality_review"  # the stage whose drafts await a quality decision (review's workflow)


class QualityReviewApi(SignedInReviewApi):
    def awaiting(self, request) -> Answer:
        """GET /api/v1/cases?status=quality_review: the drafts awaiting a decision this reviewer may take."""
        return self.call("GET", f"/api/v1/cases?status={AWAITING}", request)

    def case(self, request, case_id: str) -> Answer:
        return self.call("GET", _case(case_id), request)

    def decide(self, request, case_id: str, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/quality-decision", request, body, csrf_token)
