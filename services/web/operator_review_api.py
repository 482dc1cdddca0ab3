"""The operator's pages' one way to review: review's own HTTP API, with the signed-in admin's session
(review_api.SignedInReviewApi). The registry with each expert's load, and the cases waiting with nobody
eligible and why (review's assignment rules say it): review's answers, shown as they come.
"""
from services.web.review_api import SignedInReviewApi
from services.web.upstream_api import Answer


class OperatorReviewApi(SignedInReviewApi):
    def experts(self, request) -> Answer:
        return self.call("GET", "/api/v1/experts", request)

    def waiting_cases(self, request) -> Answer:
        return self.call("GET", "/api/v1/operator/waiting-cases", request)
