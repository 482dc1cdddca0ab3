"""The gateway: one base URL for every endpoint, routing each path to the service that owns it.

It holds no logic of its own: it forwards method, path, query, headers and body, and
answers 502 (as JSON) if the owner cannot be reached. In docker-compose it is the one
published port.

What it does guard is its own memory: a request body is read in pieces, at most the route's
limit (shared/edge.py: the upload routes EVIDENCE_MAX_BYTES plus the multipart frame, every
other route the JSON limit). A Content-Length over the limit is refused with 413 before a
byte of the body is read, and the connection is closed so the rest is never read either; a
chunked body is read up to the limit and forwarded with its length, or refused with 413 as
soon as it passes it. Every answer carries the security headers, and the client's address is
appended to X-Forwarded-For (review's rate limits trust it only from configured proxies).

    python -m services.gateway.app      # GATEWAY_ADDRESS, INTAKE_URL, REVIEW_URL, PUBLICATION_URL, WEB_URL, ACCOUNTS_URL,
                                        # EVIDENCE_MAX_BYTES, PUBLIC_BASE_URL (as deploy/nameko.yaml)
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
from http import HTTPStatus  # noqa: E402

import urllib3  # noqa: E402
from urllib.parse import quote  # noqa: E402
from eventlet import wsgi  # noqa: E402

from shared import edge, forwarded, metrics, openapi, settings  # noqa: E402
from shared.ids import new_id  # noqa: E402
from services.gateway.upstreams import Upstream  # noqa: E402
from shared.logging import configure_logging  # noqa: E402

import structlog  # noqa: E402

log = structlog.get_logger("irm.gateway")

# First match wins: the audit trail is publication's, the rest of /cases is review's.
ROUTES = (
    (re.compile(r"^/api/v1/self-assessments(/|\Z)"), "intake"),
    (re.compile(r"^/api/v1/evidence(/|\Z)"), "intake"),
    (re.compile(r"^/api/v1/action-plans(/|\Z)"), "intake"),
    (re.compile(r"^/api/v1/members/[^/]+/action-plans/?\Z"), "intake"),
    (re.compile(r"^/api/v1/members/?\Z"), "intake"),
    (re.compile(r"^/api/v1/openapi/intake\.json\Z"), "intake"),
    (re.compile(r"^/api/v1/openapi/review\.json\Z"), "review"),
    (re.compile(r"^/api/v1/openapi/publication\.json\Z"), "publication"),
    (re.compile(r"^/api/v1/findings(/|\Z)"), "publication"),
    (re.compile(r"^/api/v1/feeds/"), "publication"),
    (re.compile(r"^/api/v1/open-data/"), "publication"),
    (re.compile(r"^/api/v1/cases/[^/]+/(audit|timeline)/?\Z"), "publication"),
    (re.compile(r"^/api/v1/log/"), "publication"),
    (re.compile(r"^/api/v1/corrections/?\Z"), "publication"),
    (re.compile(r"^/api/v1/cases(/|\Z)"), "review"),
    (re.compile(r"^/api/v1/experts(/|\Z)"), "review"),
    (re.compile(r"^/api/v1/operator/waiting-cases/?\Z"), "review"),
    (re.compile(r"^/api/v1/openapi/accounts\.json\Z"), "accounts"),
    (re.compile(r"^/api/v1/invitations(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/sessions(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/password-resets(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/me(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/security-log(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/people(/|\Z)"), "accounts"),
    (re.compile(r"^/api/v1/operator/"), "accounts"),
)
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
# Never passed on from a client: links come from PUBLIC_BASE_URL, and X-Forwarded-For is
# rebuilt below with the address this gateway saw.
NOT_FORWARDED = HOP_BY_HOP | {"x-forwarded-host", "x-forwarded-proto", "x-forwarded-for", "forwarded"}
READ_PIECE = 64 * 1024


class GatewayProtocol(wsgi.HttpProtocol):
    """eventlet's HTTP protocol, letting the application close the connection after its answer.

    Why: after an answer eventlet reads and discards whatever body the application left
    unread, to reuse the connection: for a refused 400 MB body that is 400 MB read for
    nothing. `environ["irm.close_connection"]()` marks the connection to close instead (eventlet
    then sends `Connection: close` and reads no more)."""

    def get_environ(self):
        environ = super().get_environ()
        environ["irm.close_connection"] = self._close_after_answer
        return environ

    def _close_after_answer(self):
        self.close_connection = 1


class Refused(Exception):
    def __init__(self, status, code, message, drained=False):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.drained = drained  # the whole body was read (and dropped): the connection can answer and go on


def read_body(environ, limit: int, drain_up_to: int = 0):
    """The request body, read in pieces and never past `limit`: bytes, or None when there is none.

    `drain_up_to`: a body over the limit but no larger than this is read to its end and dropped before the
    413 (for a page's form: a browser shows no answer that comes while it is still sending, only a reset
    connection). Memory holds one piece at a time either way."""
    chunked = environ.get("HTTP_TRANSFER_ENCODING", "").strip().lower()
    if chunked and chunked != "chunked":
        raise Refused(501, "not_implemented", "Only Transfer-Encoding: chunked is supported.")
    declared = environ.get("CONTENT_LENGTH")
    if not chunked:
        if not declared:
            return None
        if not declared.isdigit():
            raise Refused(400, "bad_request", "Content-Length is not a number.")
        if limit < int(declared) <= drain_up_to:
            _drain(environ["wsgi.input"], drain_up_to)
            raise Refused(413, "payload_too_large", f"The body is larger than {limit} bytes, the limit of this endpoint.",
                          drained=True)
        if int(declared) > limit:
            raise Refused(413, "payload_too_large", f"The body is larger than {limit} bytes, the limit of this endpoint.")
    stream, pieces, size = environ["wsgi.input"], [], 0
    try:
        while True:
            piece = stream.read(READ_PIECE)
            if not piece:
                break
            size += len(piece)
            if size > limit:
                drained = size + _drain(stream, drain_up_to - size) <= drain_up_to if drain_up_to > size else False
                raise Refused(413, "payload_too_large", f"The body is larger than {limit} bytes, the limit of this endpoint.",
                              drained=drained)
            pieces.append(piece)
    except wsgi.ChunkReadError as exc:
        raise Refused(400, "bad_request", f"The chunked body is malformed: {exc}.") from None
    except OSError:  # the client went away mid-body (or stalled past the socket timeout)
        raise Refused(400, "bad_request", "The body ended before its declared length.") from None
    return b"".join(pieces)


def _drain(stream, at_most: int) -> int:
    """Read and drop what is left of a body, at most `at_most` bytes and one more (a sign it is larger still)."""
    dropped = 0
    while dropped <= at_most:
        piece = stream.read(min(READ_PIECE, at_most + 1 - dropped))
        if not piece:
            break
        dropped += len(piece)
    return dropped


def route_label(path: str) -> str:
    """The metrics label of a request: the ROUTES pattern it matched (bounded), never the path."""
    if path == "/health":
        return path
    if edge.is_page(path):  # pages are many paths: one label
        return "pages"
    return next((pattern.pattern for pattern, _ in ROUTES if pattern.match(path)), "unrouted")


def route(path: str):
    if edge.is_page(path):  # every path outside /api/ (and the per-process /health, /metrics) is a page
        return "web"
    for pattern, service in ROUTES:
        if pattern.match(path):
            return service
    return None


class Relayed:
    """A service's answer body, passed on piece by piece as it arrives: the gateway holds one piece at a time
    whatever the size (open data is tens of MB), and a body the service streams while making it reaches the
    client as it is made. Read to its end, the connection goes back to the pool; a client that left first
    has it closed (its unread rest must not reach the next request). A service's body that breaks off
    mid-way raises here, so the client's connection is closed too: it sees an unfinished answer, not a
    short one."""

    def __init__(self, upstream):
        self.upstream = upstream

    def __iter__(self):
        yield from self.upstream.stream(READ_PIECE, decode_content=False)

    def close(self):
        if not self.upstream.isclosed():
            self.upstream.close()
        self.upstream.release_conn()


class Gateway:
    def __init__(self, upstreams: dict, evidence_max_bytes: int = edge.EVIDENCE_MAX_BYTES,
                 public_base_url: str = edge.DEFAULT_PUBLIC_BASE_URL):
        self.upstreams = upstreams
        self.evidence_max_bytes = evidence_max_bytes
        self.public_base_url = public_base_url
        self.http = urllib3.PoolManager(maxsize=50, retries=False, timeout=urllib3.Timeout(connect=2, read=30))

    def __call__(self, environ, start_response):
        def start_with_headers(status, headers, exc_info=None):
            return start_response(status, edge.with_security_headers(headers, self.public_base_url,
                                                                      environ.get("PATH_INFO", "")), exc_info)

        try:
            return self.forward(environ, start_with_headers)
        except Refused as refused:
            if refused.status in (400, 413, 501) and not refused.drained:
                # The rest of the body is not read: close instead of reusing the connection.
                environ.get("irm.close_connection", lambda: None)()
            log.info("request_refused", method=environ.get("REQUEST_METHOD"), path=environ.get("PATH_INFO", ""),
                     status=refused.status, reason=refused.message)
            if refused.status == 413 and edge.is_page(environ.get("PATH_INFO")):
                # A person's form, not a program's request: the pages say why, in the person's language.
                return _see_other(start_with_headers, edge.refused_page_location(environ["PATH_INFO"]))
            return _json(start_with_headers, refused.status, {"error": {"code": refused.code, "message": refused.message}})
        except Exception:  # noqa: BLE001 -- still a JSON answer, naming a log line, never eventlet's text page
            error_id = new_id("err")
            log.exception("gateway_failed", method=environ.get("REQUEST_METHOD"), path=environ.get("PATH_INFO", ""),
                          error_id=error_id)
            environ.get("irm.close_connection", lambda: None)()
            return _json(start_with_headers, 500, {"error": {"code": "internal_error",
                                                            "message": f"Something failed on our side; quote {error_id} when reporting it."}})

    def forward(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            return self.health(start_response)
        if path == openapi.MERGED_PATH:
            return self.openapi(start_response)
        service = route(path)
        if service is None:
            return _json(start_response, 404, {"error": {"code": "not_found", "message": f"No endpoint at {path}."}})
        method = environ["REQUEST_METHOD"]
        body = read_body(environ, edge.body_max_bytes(method, path, self.evidence_max_bytes),
                         edge.PAGE_BODY_DRAIN_MAX_BYTES if edge.is_page(path) else 0)
        query = environ.get("QUERY_STRING")
        # The path as the client sent it, still percent-encoded: re-sending the decoded one would
        # turn an id's %3F into a query and its %2F into another path (found by schemathesis).
        # The service's server decodes it exactly as this one did, so both route the same path.
        wire_path = environ.get("RAW_PATH_INFO") or quote(path.encode("latin-1"), safe="/")
        target = wire_path + (f"?{query}" if query else "")
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers = {k: v for k, v in headers.items() if k.lower() not in NOT_FORWARDED}
        # The chain of addresses so far, then the one this gateway saw (review trusts the chain
        # only as far as its configured proxies).
        headers["X-Forwarded-For"] = forwarded.with_hop(environ.get("HTTP_X_FORWARDED_FOR"), environ.get("REMOTE_ADDR", ""))
        # Name the request here, so the gateway's line and the service's share one id.
        correlation_id = headers.setdefault("X-Correlation-Id", new_id("corr"))
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        try:
            upstream = self.upstreams[service].request(self.http, method, target, body=body, headers=headers,
                                                        preload_content=False)
        except urllib3.exceptions.HTTPError as exc:
            log.warning("upstream_unreachable", service=service, error=str(exc))
            return _json(start_response, 502, {"error": {"code": "bad_gateway", "message": f"The {service} service is not answering."}})
        log.info("request_forwarded", method=method, path=path, upstream=service,
                 status=upstream.status, correlation_id=correlation_id)
        reply_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
        if upstream.headers.get("Content-Length") is not None:  # else (a body streamed as it is made) eventlet sends it chunked
            reply_headers.append(("Content-Length", upstream.headers["Content-Length"]))
        start_response(f"{upstream.status} {upstream.reason or ''}".strip(), reply_headers)
        return Relayed(upstream)

    def openapi(self, start_response):
        """Every service's OpenAPI document, merged: each service describes its own routes."""
        documents = []
        for service in openapi.API_SERVICES:
            try:
                answer = self.upstreams[service].request(self.http, "GET", openapi.document_path(service))
            except urllib3.exceptions.HTTPError:
                answer = None
            if answer is None or answer.status != 200:
                return _json(start_response, 502, {"error": {"code": "bad_gateway", "message": f"The {service} service is not answering."}})
            documents.append(json.loads(answer.data))
        return _json(start_response, 200, openapi.merge(documents))

    def health(self, start_response):
        report = {}
        for service, upstream in self.upstreams.items():
            states = []
            for base in upstream.urls:  # a service is up when one of its instances is
                try:
                    answer = self.http.request("GET", base + "/health", timeout=2)
                    states.append("ok" if answer.status == 200 else f"http {answer.status}")
                except urllib3.exceptions.HTTPError as exc:
                    states.append(f"unreachable: {exc.__class__.__name__}")
            report[service] = "ok" if "ok" in states else states[0]
        healthy = all(state == "ok" for state in report.values())
        return _json(start_response, 200 if healthy else 503, {"status": "ok" if healthy else "degraded", "services": report})


def _see_other(start_response, location):
    start_response("303 See Other", [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store")])
    return [b""]


def _json(start_response, status, payload):
    body = json.dumps(payload).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def main():
    configure_logging("gateway", os.environ.get("LOG_LEVEL", "INFO"))
    host, _, port = os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000").rpartition(":")
    upstreams = {"intake": Upstream.parse(settings.env("INTAKE_URL")), "review": Upstream.parse(settings.env("REVIEW_URL")),
                 "publication": Upstream.parse(settings.env("PUBLICATION_URL")), "web": Upstream.parse(settings.env("WEB_URL")),
                 "accounts": Upstream.parse(settings.env("ACCOUNTS_URL"))}
    try:
        public_base_url = edge.public_base_url(settings.env("PUBLIC_BASE_URL"))
    except edge.BadPublicBaseUrl as exc:
        sys.exit(str(exc))
    evidence_max_bytes = settings.env("EVIDENCE_MAX_BYTES")
    log.info("gateway_listening", address=f"{host}:{port}", upstreams={s: u.urls for s, u in upstreams.items()}, public_base_url=public_base_url,
             json_body_max_bytes=edge.JSON_BODY_MAX_BYTES, upload_body_max_bytes=edge.upload_body_max_bytes(evidence_max_bytes))
    listener = eventlet.listen((host or "0.0.0.0", int(port)))
    # eventlet writes a response in 16 KiB pieces; without TCP_NODELAY the last piece of a
    # larger body waits ~40 ms for the client's delayed ACK (measured by bench/).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # GET /metrics, and every request counted by route, method, status and latency.
    wsgi.server(listener, metrics.InstrumentedWsgi(Gateway(upstreams, evidence_max_bytes, public_base_url), "gateway", route_label),
                log_output=False, protocol=GatewayProtocol,
                # A client that stops sending (a slow body, a half-sent request) would hold its
                # connection and green thread for ever: it is dropped after this long idle.
                socket_timeout=settings.env("GATEWAY_CLIENT_TIMEOUT_SECONDS"))


if __name__ == "__main__":
    main()
