"""The expert's pages' one way to review: review's own HTTP API, with the signed-in expert's session.

A second client of the same API (REVIEW_URL), apart from review_api.py's on purpose: that one carries
no cookie (a public comment is anonymous whoever writes it); this one carries the session cookie alone
of the browser's cookies, and a signed-in change's CSRF token as X-CSRF-Token (upstream_api.py). Which
cases an expert sees and may accept or decline (shared/access.py, asked by review), the workflow's
states, the decline's schema (a conflict of interest names its affiliation) are review's: the pages
only carry the form there and its answer back. The operator's pages (an admin's session) read the expert
registry and the cases waiting with nobody eligible through it too (operator_pages.py).
"""
from urllib.parse import quote

from services.web.review_api import SignedInReviewApi, case_path as _case
from services.web.upstream_api import Answer


class ExpertReviewApi(SignedInReviewApi):
    def cases(self, request) -> Answer:
        return self.call("GET", "/api/v1/cases", request)

    def accept(self, request, case_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/accept", request, {}, csrf_token)

    def decline(self, request, case_id: str, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/decline", request, body, csrf_token)

    def case(self, request, case_id: str) -> Answer:
        """The whole case as its expert sees it; its ETag is the draft's version every edit is made against."""
        return self.call("GET", _case(case_id), request)

    def answer(self, request, case_id: str, comment_id: str, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/government-comments/{quote(comment_id, safe='')}/response", request,
                         body, csrf_token)

    def open_public_comment(self, request, case_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/open-public-comment", request, {}, csrf_token)

    def finalise(self, request, case_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/finalise", request, {}, csrf_token)

    def save_ratings(self, request, case_id: str, commitment_id: str, body: dict, version: str, csrf_token: str) -> Answer:
        """One commitment's ratings over `version` (If-Match): review answers 409 when the draft changed since."""
        return self.call("PUT", f"{_case(case_id)}/ratings/{quote(commitment_id, safe='')}", request, body, csrf_token,
                         headers={"If-Match": f'"{version}"'})

    def save_plan_assessment(self, request, case_id: str, body: dict, version: str, csrf_token: str) -> Answer:
        return self.call("PUT", f"{_case(case_id)}/plan-assessment", request, body, csrf_token,
                         headers={"If-Match": f'"{version}"'})

    def submit(self, request, case_id: str, csrf_token: str) -> Answer:
        """To quality review; review's 422 lists what is still missing (its rubric)."""
        return self.call("POST", f"{_case(case_id)}/submit", request, {}, csrf_token)
