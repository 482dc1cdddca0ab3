"""The government's pages' one way to review: review's own HTTP API, with the signed-in point of
contact's session (the session cookie alone of the browser's cookies, and a signed-in change's CSRF
token as X-CSRF-Token: upstream_api.py).

Apart from review_api.py (anonymous: a public comment carries no cookie) and expert_review_api.py
(the expert's calls) so each client says what it is for. Who may read the draft and comment on it,
until when, how long a comment may be and how many a case takes are review's answers
(shared/access.py, domain/windows.py, its schemas and caps): GET .../draft says whether this PoC may
comment now (`comments_open`), and POST .../government-comments is refused exactly as `curl` would be.
"""
from services.web.review_api import SignedInReviewApi, case_path as _case
from services.web.upstream_api import Answer


class GovernmentReviewApi(SignedInReviewApi):
    def draft(self, request, case_id: str) -> Answer:
        return self.call("GET", f"{_case(case_id)}/draft", request)

    def comment(self, request, case_id: str, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", f"{_case(case_id)}/government-comments", request, body, csrf_token)
