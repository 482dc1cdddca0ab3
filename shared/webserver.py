"""nameko's web server with TCP_NODELAY on every accepted connection.

Why: eventlet's WSGI server (nameko's `WebServer` runs `eventlet.wsgi.Server`) writes a
response through a 16 KiB buffered file (`HttpProtocol.wbufsize = 16 << 10`). When the body
does not fit in that buffer next to the headers, the headers leave in a `send` of their own
and the body in a second one (strace: `sendto(.., 111)` then `sendto(.., 24000)`). Nagle's
algorithm holds the second, smaller-than-MSS segment until the first is acknowledged, and
the client delays that ACK (~40 ms on Linux) because it is still waiting for the rest of
the response. On loopback (MSS ~64 KiB) every body from 16 KiB to ~64 KB paid ~44 ms per
request on a kept-alive connection, however fast it was rendered. `TCP_NODELAY` sends the
body at once: bench/nodelay_check.py shows the difference (figures in bench/FINDINGS.md).

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
`nameko.web.handlers` -- in its shell (shared/runtime.py) and in its own module alike.

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

from nameko.web.handlers import HttpRequestHandler as NamekoHttpRequestHandler
from nameko.web.server import WebServer

from shared import metrics


def set_nodelay(sock) -> None:
    """Turn Nagle's algorithm off on a TCP socket (green or not); anything else is left alone."""
    try:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # the client is already gone: eventlet's own handling reports it
        pass


class NoDelayWebServer(WebServer):
    """nameko's WebServer; every accepted connection gets TCP_NODELAY before it is served."""

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


http = HttpRequestHandler.decorator
