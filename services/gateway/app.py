"""The gateway: one base URL for every endpoint, routing each path to the service that owns it.

It holds no logic of its own: it forwards method, path, query, headers and body, and
answers 502 (as JSON) if the owner cannot be reached. In docker-compose it is the one
published port.

    python -m services.gateway.app      # GATEWAY_ADDRESS, INTAKE_URL, REVIEW_URL, PUBLICATION_URL
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402

import urllib3  # noqa: E402
from eventlet import wsgi  # noqa: E402

from shared import metrics, openapi  # noqa: E402
from shared.ids import new_id  # noqa: E402
from shared.logging import configure_logging  # noqa: E402

import structlog  # noqa: E402

log = structlog.get_logger("irm.gateway")

# First match wins: the audit trail is publication's, the rest of /cases is review's.
ROUTES = (
    (re.compile(r"^/api/v1/self-assessments(/|$)"), "intake"),
    (re.compile(r"^/api/v1/evidence(/|$)"), "intake"),
    (re.compile(r"^/api/v1/action-plans(/|$)"), "intake"),
    (re.compile(r"^/api/v1/openapi/intake\.json$"), "intake"),
    (re.compile(r"^/api/v1/openapi/review\.json$"), "review"),
    (re.compile(r"^/api/v1/openapi/publication\.json$"), "publication"),
    (re.compile(r"^/api/v1/findings(/|$)"), "publication"),
    (re.compile(r"^/api/v1/feeds/"), "publication"),
    (re.compile(r"^/api/v1/open-data/"), "publication"),
    (re.compile(r"^/api/v1/cases/[^/]+/(audit|timeline)/?$"), "publication"),
    (re.compile(r"^/api/v1/log/"), "publication"),
    (re.compile(r"^/api/v1/cases(/|$)"), "review"),
)
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


def route_label(path: str) -> str:
    """The metrics label of a request: the ROUTES pattern it matched (bounded), never the path."""
    if path == "/health":
        return path
    return next((pattern.pattern for pattern, _ in ROUTES if pattern.match(path)), "unrouted")


def route(path: str):
    for pattern, service in ROUTES:
        if pattern.match(path):
            return service
    return None


class Gateway:
    def __init__(self, upstreams: dict):
        self.upstreams = upstreams
        self.http = urllib3.PoolManager(maxsize=50, retries=False, timeout=urllib3.Timeout(connect=2, read=30))

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            return self.health(start_response)
        if path == openapi.MERGED_PATH:
            return self.openapi(start_response)
        service = route(path)
        if service is None:
            return _json(start_response, 404, {"error": {"code": "not_found", "message": f"No endpoint at {path}."}})
        query = environ.get("QUERY_STRING")
        url = self.upstreams[service] + path + (f"?{query}" if query else "")
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
        headers = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        # Absolute links (feeds, data dictionary) must name this address, not the service's.
        headers["X-Forwarded-Host"] = environ.get("HTTP_HOST", "")
        headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
        # Name the request here, so the gateway's line and the service's share one id.
        correlation_id = headers.setdefault("X-Correlation-Id", new_id("corr"))
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        try:
            upstream = self.http.request(environ["REQUEST_METHOD"], url, body=body, headers=headers, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            log.warning("upstream_unreachable", service=service, error=str(exc))
            return _json(start_response, 502, {"error": {"code": "bad_gateway", "message": f"The {service} service is not answering."}})
        log.info("request_forwarded", method=environ["REQUEST_METHOD"], path=path, upstream=service,
                 status=upstream.status, correlation_id=correlation_id)
        reply_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
        reply_headers.append(("Content-Length", str(len(upstream.data))))
        start_response(f"{upstream.status} {upstream.reason or ''}".strip(), reply_headers)
        return [upstream.data]

    def openapi(self, start_response):
        """Every service's OpenAPI document, merged: each service describes its own routes."""
        documents = []
        for service, base in self.upstreams.items():
            try:
                answer = self.http.request("GET", base + openapi.document_path(service))
            except urllib3.exceptions.HTTPError:
                answer = None
            if answer is None or answer.status != 200:
                return _json(start_response, 502, {"error": {"code": "bad_gateway", "message": f"The {service} service is not answering."}})
            documents.append(json.loads(answer.data))
        return _json(start_response, 200, openapi.merge(documents))

    def health(self, start_response):
        report = {}
        for service, base in self.upstreams.items():
            try:
                answer = self.http.request("GET", base + "/health", timeout=2)
                report[service] = "ok" if answer.status == 200 else f"http {answer.status}"
            except urllib3.exceptions.HTTPError as exc:
                report[service] = f"unreachable: {exc.__class__.__name__}"
        healthy = all(state == "ok" for state in report.values())
        return _json(start_response, 200 if healthy else 503, {"status": "ok" if healthy else "degraded", "services": report})


def _json(start_response, status, payload):
    body = json.dumps(payload).encode()
    reason = {200: "OK", 404: "Not Found", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def main():
    configure_logging("gateway", os.environ.get("LOG_LEVEL", "INFO"))
    host, _, port = os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000").rpartition(":")
    upstreams = {
        "intake": os.environ.get("INTAKE_URL", "http://127.0.0.1:8001"),
        "review": os.environ.get("REVIEW_URL", "http://127.0.0.1:8002"),
        "publication": os.environ.get("PUBLICATION_URL", "http://127.0.0.1:8003"),
    }
    log.info("gateway_listening", address=f"{host}:{port}", upstreams=upstreams)
    listener = eventlet.listen((host or "0.0.0.0", int(port)))
    # eventlet writes a response in 16 KiB pieces; without TCP_NODELAY the last piece of a
    # larger body waits ~40 ms for the client's delayed ACK (measured by bench/).
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # GET /metrics, and every request counted by route, method, status and latency.
    wsgi.server(listener, metrics.InstrumentedWsgi(Gateway(upstreams), "gateway", route_label), log_output=False)


if __name__ == "__main__":
    main()
