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

The rate limit still counts the commenter, not this service: the request carries
X-Forwarded-For with the chain this service received (the gateway's hop) and this service's
own peer appended (shared/forwarded.py `with_hop`), as the gateway does. review believes the
chain only as far as its TRUSTED_PROXIES, which must hold this service's address (loopback
by default, as on one machine).

The draft page reads GET .../public-draft for the same reason: whether comments are open now,
and how long one may be, are review's answers (its clock, its settings), not the page's.
"""
import json
from dataclasses import dataclass
from urllib.parse import quote

import urllib3
from nameko.extensions import DependencyProvider

from services.gateway.upstreams import Upstream
from shared import forwarded, settings
from shared.http import CORRELATION_HEADER

TIMEOUT = urllib3.Timeout(connect=2, read=15)


@dataclass(frozen=True)
class Answer:
    status: int  # 0: review could not be reached
    body: dict
    retry_after: str | None = None


def _decoded(response) -> Answer:
    try:
        body = json.loads(response.data or b"{}")
    except ValueError:
        body = {}
    return Answer(response.status, body if isinstance(body, dict) else {}, response.headers.get("Retry-After"))


class ReviewApi(DependencyProvider):
    def setup(self):
        self.upstream = Upstream.parse(settings.value(self.container.config, "REVIEW_URL"))
        self.http = urllib3.PoolManager(maxsize=10, retries=False, timeout=TIMEOUT)

    def get_dependency(self, worker_ctx):
        return self

    def _call(self, method, path, request, body=None) -> Answer:
        headers = {"X-Forwarded-For": forwarded.with_hop(request.headers.get("X-Forwarded-For"), request.remote_addr),
                   "Accept": "application/json"}
        if request.headers.get(CORRELATION_HEADER):
            headers[CORRELATION_HEADER] = request.headers[CORRELATION_HEADER]
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.upstream.request(self.http, method, path, headers=headers,
                                             body=None if body is None else json.dumps(body, ensure_ascii=False).encode())
        except urllib3.exceptions.HTTPError:
            return Answer(0, {})
        return _decoded(response)

    def public_draft(self, case_id: str, request) -> Answer:
        return self._call("GET", f"/api/v1/cases/{quote(case_id, safe='')}/public-draft", request)

    def post_comment(self, case_id: str, body: dict, request) -> Answer:
        return self._call("POST", f"/api/v1/cases/{quote(case_id, safe='')}/public-comments", request, body)
