"""Large bodies over keep-alive leave at once: every connection nameko's web server accepts has
TCP_NODELAY (shared/webserver.py).

Why it matters: eventlet writes a response through a 16 KiB buffer, so a larger body leaves as
a second segment, which Nagle's algorithm holds until the client's delayed ACK (~40 ms on
Linux) on a kept-alive connection; measured, a 64 KB body took 43.9 ms per request without
the option and 0.8 ms with it. The test asks the kernel rather than a clock: it finds the
server's end of the test's own connection among this process's sockets and reads the option
there. A service built on nameko's plain `@http` is the control: its connections do not have it.
"""
from http.client import HTTPConnection
import json
import os
import socket

import pytest
from nameko.web.handlers import http as plain_http
from werkzeug.wrappers import Response

from devtools.ports import free_port
from shared.webserver import http

pytestmark = pytest.mark.integration

BODY = json.dumps({"padding": "x" * 64_000})  # past eventlet's 16 KiB write buffer


class LargeBodies:
    name = "nodelay_probe"

    @http("GET", "/body")
    def body(self, request):
        return Response(BODY, mimetype="application/json")


class PlainLargeBodies:
    name = "nodelay_control"

    @plain_http("GET", "/body")
    def body(self, request):
        return Response(BODY, mimetype="application/json")


def server_end_has_nodelay(client: socket.socket) -> bool:
    """TCP_NODELAY on the server's end of `client`'s connection (the server runs in this process)."""
    ours = client.getsockname()
    for name in os.listdir("/proc/self/fd"):
        try:
            candidate = socket.fromfd(int(name), socket.AF_INET, socket.SOCK_STREAM)
        except OSError:
            continue  # not a socket
        try:
            if candidate.getpeername() == ours:
                return candidate.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        except OSError:
            pass  # unconnected, or not TCP
        finally:
            candidate.close()
    raise AssertionError(f"no socket of this process is connected to {ours}")


def two_large_answers_on_one_connection(container_factory, service_cls):
    port = free_port()
    container_factory(service_cls, {"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}).start()
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        bodies = []
        for _ in range(2):  # kept alive: the second request reuses the first one's connection
            connection.request("GET", "/body")
            answer = connection.getresponse()
            bodies.append(answer.read().decode())
            assert answer.status == 200 and not answer.will_close
        first_socket = connection.sock
        assert bodies == [BODY, BODY] and connection.sock is first_socket
        return server_end_has_nodelay(connection.sock)
    finally:
        connection.close()


def test_a_services_connections_send_large_bodies_without_waiting_for_an_ack(container_factory):
    assert two_large_answers_on_one_connection(container_factory, LargeBodies) is True


def test_the_probe_tells_a_plain_nameko_server_apart(container_factory):
    assert two_large_answers_on_one_connection(container_factory, PlainLargeBodies) is False
