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

from services.web.upstream_api import Answer, UpstreamApi
from shared import settings


def _case(case_id: str) -> str:
    return f"/api/v1/cases/{quote(case_id, safe='')}"


class ExpertReviewApi(UpstreamApi):
    CARRIES_SESSION = True

    def base_url(self) -> str:
        return settings.value(self.container.config, "REVIEW_URL")

    def cases(self, request) -> Answer:
        return self.call("GET", "/api/v1/cases", request)

    def accept(self, request, case_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/accept", request, {}, csrf_token)

    def decline(self, request, case_id: str, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/decline", request, body, csrf_token)

    # --- the operator's (an admin's session) -----------------------------------------------------
    def experts(self, request) -> Answer:
        return self.call("GET", "/api/v1/experts", request)

    def waiting_cases(self, request) -> Answer:
        return self.call("GET", "/api/v1/operator/waiting-cases", request)
