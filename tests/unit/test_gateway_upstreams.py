"""The gateway's instances of a service: taken in turn, and one that refuses the connection skipped."""
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import urllib3

from devtools.ports import free_port
from services.gateway.upstreams import Upstream


def test_instances_are_taken_in_turn():
    upstream = Upstream.parse("http://a:1, http://b:2/,http://c:3")
    assert upstream.urls == ("http://a:1", "http://b:2", "http://c:3")
    assert [upstream.in_turn()[0] for _ in range(4)] == ["http://a:1", "http://b:2", "http://c:3", "http://a:1"]
    with pytest.raises(ValueError):
        Upstream.parse(" , ")


@pytest.fixture
def one_live_instance():
    seen = []

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_an_instance_that_refuses_the_connection_is_skipped_and_the_request_sent_once(one_live_instance):
    live, seen = one_live_instance
    down = f"http://127.0.0.1:{free_port()}"  # nobody listens: the connection is refused
    upstream = Upstream([down, live])
    http = urllib3.PoolManager(retries=False)
    for _ in range(4):  # whichever instance's turn it is
        assert upstream.request(http, "POST", "/x", body=b"one").status == 201
    assert seen == [b"one"] * 4
    with pytest.raises(urllib3.exceptions.NewConnectionError):
        Upstream([down]).request(http, "GET", "/x")
