"""nameko's web server, customised in one place: TCP_NODELAY on every accepted connection;
every answer, routed or not, an error in the JSON format and with the security headers;
path integers bounded to what MongoDB holds; PUBLIC_BASE_URL checked at start-up.

Errors and headers (nameko 2.14.1, nameko/web/server.py): `WsgiApp.__call__` matches the URL
map and turns werkzeug's routing exceptions (NotFound, MethodNotAllowed) into werkzeug's own
HTML pages; `HttpRequestHandler.response_from_exception` answers an exception that escaped
an entrypoint as "Error: ..." text. `JsonWsgiApp` (through `WebServer.get_wsgi_app`, the
documented hook) answers routing errors with shared/http.py's JSON error and adds
shared/edge.py's security headers to every response, whatever produced it; the entrypoint
below answers escaped exceptions the same way. Only what eventlet refuses before any WSGI
code runs (a malformed request line, a header block over its limit) stays eventlet's text.

Path integers: werkzeug's `int` converter accepts any number of digits, and a value beyond
2**63 makes pymongo raise OverflowError (a 500). The URL map here replaces `int` with one
bounded to int64, so every `<int:...>` route answers such a path with a JSON 404.

TCP_NODELAY:

Why: eventlet's WSGI server (nameko's `WebServer` runs `eventlet.wsgi.Server`) writes a
response through a 16 KiB buffered file (`HttpProtocol.wbufsize = 16 << 10`). When the body
does not fit in that buffer next to the headers, the headers leave in a `send` of their own
and the body in a second one (strace: `sendto(.., 111)` then `sendto(.., 24000)`). Nagle's
algorithm holds the second, smaller-than-MSS segment until the first is acknowledged, and
the client delays that ACK (~40 ms on Linux) because it is still waiting for the rest of
the response. On loopback (MSS ~64 KiB) every body from 16 KiB to ~64 KB paid ~44 ms per
request on a kept-alive connection, however fast it was rendered. `TCP_NODELAY` sends the
body at once (measured: a 64 KB body, 43.9 ms -> 0.8 ms per request);
tests/integration/test_nodelay.py checks the option on accepted connections.

Where, in nameko 2.14.1 (nameko/web/server.py):
- `WebServer.start()` makes the listening socket itself (`eventlet.listen(self.bind_addr)`)
  and spawns `run()` straight away: there is no hook for options on the listener short of
  copying `start()`. (Linux copies TCP_NODELAY from a listener to the sockets it accepts,
  which is what the gateway relies on; other systems need not.)
- `WebServer.run()` accepts in a loop and hands each connection to
  `process_request(sock, address)` in its own managed thread. Overriding
  `process_request` sees every accepted socket before eventlet reads or writes a byte on
  it, calls the original unchanged, and copies none of nameko's code: that is the hook used
  here. One `setsockopt` per connection (not per request), on the connection's own thread.
- `get_wsgi_server(..., protocol=HttpOnlyProtocol)` could take an `HttpOnlyProtocol`
  subclass whose `setup()` sets the option: equivalent, but it reaches into eventlet's
  protocol class, whose `setup()` is private API of eventlet's and changes between versions.

How it is selected: nameko's `@http` is `HttpRequestHandler.decorator`, and
`HttpRequestHandler.server = WebServer()` is a `SharedExtension` (one per container). So the
entrypoint below declares `server = NoDelayWebServer()`, and `http` here is its decorator: a
service gets the server by importing `http` from this module instead of from
`nameko.web.handlers` -- in its shell (shared/service_shell.py) and in its own module alike.

Mixing both imports in one service must not go unnoticed. Two web servers would both bind
WEB_SERVER_ADDRESS (eventlet.listen sets SO_REUSEPORT) and the kernel would split the
connections between two URL maps: random 404s. So `NoDelayWebServer` shares nameko's own key
(`WebServer`): a container has one web server whichever import declared it. If a plain
`@http` is bound first (nameko binds entrypoints in method-name order), the server is plain,
and this module's entrypoints refuse to start, naming the fix; if one of these is bound
first, every entrypoint of the service is served with TCP_NODELAY.
"""
import socket
import time

import structlog

from nameko.exceptions import BadRequest as NamekoBadRequest, ConfigurationError
from nameko.web.handlers import HttpRequestHandler as NamekoHttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Request

from shared import edge, settings
from shared.http import error_response
from shared.ids import new_id

from shared import metrics


def set_nodelay(sock) -> None:
    """Turn Nagle's algorithm off on a TCP socket (green or not); anything else is left alone."""
    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # the client is already gone: eventlet's own handling reports it
        pass


class BoundedIntConverter(IntegerConverter):
    """werkzeug's `int`, limited to what MongoDB holds; larger values do not match (404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=edge.INT64_MAX, signed=False):  # noqa: A002 -- werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}


def routing_error_response(exc: HTTPException):
    """A werkzeug routing error as the JSON error format (405 keeps its Allow header)."""
    code = ERROR_CODES.get(exc.code) or (exc.name or "error").lower().replace(" ", "_")
    message = {404: "No endpoint at this path.", 405: "This path does not take that method."}.get(exc.code, exc.description)
    response = error_response(exc.code, code, message)
    if getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _really_allowed(adapter, exc: MethodNotAllowed) -> HTTPException:
    """werkzeug counts a rule of another method as matching before that rule's converters have
    checked the values, so a path that no rule takes (an integer beyond int64, refused by the
    converter) answered 405 naming methods that would 404 too (found by schemathesis). Ask
    each named method again: 405 with the methods that do match, else 404."""
    allowed = []
    for method in exc.valid_methods or ():
        try:
            adapter.match(method=method)
            allowed.append(method)
        except HTTPException:
            pass
    return MethodNotAllowed(valid_methods=allowed) if allowed else NotFound()


class JsonWsgiApp(WsgiApp):
    """nameko's WsgiApp: routing errors answered as JSON, and every answer with the security headers."""

    def __call__(self, environ, start_response):
        base_url, path = self.server.public_base_url, environ.get("PATH_INFO", "")

        def start_with_headers(status, headers, exc_info=None):
            return start_response(status, edge.with_security_headers(headers, base_url, path), exc_info)

        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
        except MethodNotAllowed as exc:
            exc = _really_allowed(adapter, exc)
            return routing_error_response(exc)(environ, start_with_headers)
        except HTTPException as exc:
            # A redirect (werkzeug's strict slashes) is an answer, not an error.
            answer = exc.get_response(environ) if exc.code and exc.code < 400 else routing_error_response(exc)
            return answer(environ, start_with_headers)
        request.path_values = values
        return provider.handle_request(request)(environ, start_with_headers)


class NoDelayWebServer(WebServer):
    """nameko's WebServer; every accepted connection gets TCP_NODELAY before it is served."""

    public_base_url = edge.DEFAULT_PUBLIC_BASE_URL

    def setup(self):
        # Checked at start-up: a malformed PUBLIC_BASE_URL stops the service rather than
        # serving wrong links (or HSTS decided on a typo).
        try:
            self.public_base_url = edge.public_base_url(settings.value(self.container.config, "PUBLIC_BASE_URL"))
        except edge.BadPublicBaseUrl as exc:
            raise ConfigurationError(str(exc)) from None
        super().setup()

    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def make_url_map(self):
        url_map = Map(converters={"int": BoundedIntConverter})
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map

    @property
    def sharing_key(self):
        # Shared under nameko's own key: a container never gets a second web server next to a
        # plain one (eventlet.listen sets SO_REUSEPORT, so both would bind the same address and
        # split the connections between two URL maps: random 404s).
        return WebServer

    def process_request(self, sock, address):
        set_nodelay(sock)
        return super().process_request(sock, address)


class HttpRequestHandler(NamekoHttpRequestHandler):
    """nameko's `@http` entrypoint, served by `NoDelayWebServer`."""

    server = NoDelayWebServer()

    def setup(self):
        if not isinstance(self.server, NoDelayWebServer):
            raise RuntimeError(
                f"{self.container.service_name}: some @http entrypoints come from nameko.web.handlers and were bound "
                "first, so this container's web server would not set TCP_NODELAY: import `http` from shared.webserver "
                "everywhere in the service (its shell included).")
        super().setup()

    def handle_request(self, request):
        # Counted here, not in api_endpoint: this is where the URL rule (self.url) is known, and
        # every route passes here (/health and /metrics included).
        started = time.perf_counter()
        response = super().handle_request(request)
        metrics.observe_request(self.container.service_name, self.url, request.method, response.status_code, time.perf_counter() - started)
        return response

    def response_from_exception(self, exc):
        # nameko answers an exception that escaped the entrypoint (api_endpoint catches what
        # it can) as "Error: ..." text: answer it in the JSON format, naming nothing internal.
        if isinstance(exc, self.expected_exceptions) or isinstance(exc, NamekoBadRequest):
            return error_response(400, "bad_request", str(exc))
        error_id = new_id("err")
        log.error("request_failed", error_id=error_id, exc_info=exc)
        return error_response(500, "internal_error", f"Something failed on our side; quote {error_id} when reporting it.")


log = structlog.get_logger("irm.webserver")
http = HttpRequestHandler.decorator
