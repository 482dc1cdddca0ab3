"""How the pages call another service's own HTTP API (review's for the public draft and its
comments: review_api.py; accounts' for signing in and the account page: accounts_api.py).

Why the pages call APIs and never another service's functions: every rule stays where it is
decided (review's limits and clock, accounts' throttles and argon2), and a form is one more
client of the API, refused exactly as `curl` would be.

What every call carries: the client's address (X-Forwarded-For, the chain this service
received with its own peer appended, as the gateway does: the API believes it as far as its
TRUSTED_PROXIES, which must hold this service's address, loopback by default) and the
correlation id. What only some carry: the session cookie alone of the browser's cookies (a
signed-in person's call), and a signed-in form's CSRF token as X-CSRF-Token. Sec-Fetch-Site is
never carried: the pages check it (csrf.cross_site) before anything is sent.
"""
import json
from dataclasses import dataclass, field

import urllib3
from nameko.extensions import DependencyProvider

from services.gateway.upstreams import Upstream
from shared import forwarded, sessions
from shared.http import CORRELATION_HEADER

TIMEOUT = urllib3.Timeout(connect=2, read=15)


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the service could not be reached
    body: dict
    retry_after: str | None = None
    set_cookie: list = field(default_factory=list)
    etag: str | None = None  # a version an edit is made against (review's draft), as the API gave it


def _decoded(response) -> Answer:
    try:
        body = json.loads(response.data or b"{}")
    except ValueError:
        body = {}
    return Answer(response.status, body if isinstance(body, dict) else {}, response.headers.get("Retry-After"),
                  response.headers.getlist("Set-Cookie"), response.headers.get("ETag"))


class UpstreamApi(DependencyProvider):
    """One service's API, at the base URL its subclass reads from its own setting (`base_url`)."""
    CARRIES_SESSION = False  # True: the browser's session cookie goes with every call

    def base_url(self) -> str:
        raise NotImplementedError  # each API names its setting literally, so the settings scan sees it

    def setup(self):
        self.upstream = Upstream.parse(self.base_url())
        self.http = urllib3.PoolManager(maxsize=10, retries=False, timeout=TIMEOUT)

    def get_dependency(self, worker_ctx):
        return self

    def call(self, method: str, path: str, request, body=None, csrf_token: str | None = None, headers=None) -> Answer:
        headers = {**(headers or {}),  # the call's own (an Idempotency-Key), then what every call carries
                   "X-Forwarded-For": forwarded.with_hop(request.headers.get("X-Forwarded-For"), request.remote_addr),
                   "Accept": "application/json"}
        if request.headers.get(CORRELATION_HEADER):
            headers[CORRELATION_HEADER] = request.headers[CORRELATION_HEADER]
        session_id = request.cookies.get(sessions.COOKIE_NAME)
        if self.CARRIES_SESSION and sessions.looks_like_session_id(session_id):
            headers["Cookie"] = f"{sessions.COOKIE_NAME}={session_id}"
        if csrf_token is not None:
            headers["X-CSRF-Token"] = csrf_token
        if body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        if body is not None and not isinstance(body, (bytes, dict, list)):  # a stream of bytes: sent as it is read
            payload = body
        else:
            payload = None if body is None else body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        try:
            response = self.upstream.request(self.http, method, path, headers=headers, body=payload)
        except urllib3.exceptions.HTTPError:
            return Answer(0, {})
        return _decoded(response)
