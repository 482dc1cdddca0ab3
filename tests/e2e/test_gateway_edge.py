"""The gateway as a real process (`python -m services.gateway.app`, as `make dev` and docker
compose run it): request bodies are bounded before they are read, chunked bodies are
forwarded, forwarded headers and its own errors are what the services expect.

Its upstream here is a small HTTP server in this test that answers with what it received,
so the test sees exactly what the gateway forwarded; the services themselves are covered by
tests/e2e/test_pipeline.py and tests/integration/test_edge.py."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest
import requests

from devtools.ports import free_port, port_open
from shared import edge

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
EVIDENCE_MAX_BYTES = 3 * 1024 * 1024  # small, so the upload route's limit is quick to cross


STREAMED_PIECE = 64 * 1024
STREAMED_PIECES = 768  # 48 MB: more than the gateway could hold unnoticed


def streamed_piece(n) -> bytes:
    return bytes([n % 251]) * STREAMED_PIECE


class Echo(BaseHTTPRequestHandler):
    """Answers every request with its method, path, headers and body length as JSON; a GET under
    /api/v1/open-data/ with a body made as it is sent (chunked), its second half only once `resume` is set."""
    protocol_version = "HTTP/1.1"
    resume = threading.Event()

    def _answer(self):
        if self.command == "GET" and self.path.startswith("/api/v1/open-data/"):
            return self._stream()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                            "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
                            "length": len(body)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for n in range(STREAMED_PIECES):
                if n == STREAMED_PIECES // 2:
                    Echo.resume.wait(30)
                self.wfile.write(b"%x\r\n%s\r\n" % (STREAMED_PIECE, streamed_piece(n)))
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the gateway closed it: its client left
            pass

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def gateway(upstream, tmp_path_factory):
    port = free_port()
    env = {**os.environ, "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "INTAKE_URL": upstream, "REVIEW_URL": upstream,
           "PUBLICATION_URL": upstream, "WEB_URL": upstream, "EVIDENCE_MAX_BYTES": str(EVIDENCE_MAX_BYTES), "PYTHONWARNINGS": "ignore"}
    log = open(tmp_path_factory.mktemp("gateway") / "gateway.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "services.gateway.app"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while not port_open("127.0.0.1", port):
        assert process.poll() is None and time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.05)
    yield process, f"http://127.0.0.1:{port}", port
    process.terminate()
    process.wait(10)


def raw_exchange(port, head: bytes, body_pieces=(), read_timeout=15) -> tuple:
    """Send a request head, then body pieces for as long as the gateway takes them, and read
    the answer: (status, headers, body). A sender the gateway stops reading from is normal."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)

    def send_body():
        try:
            for piece in body_pieces:
                sock.sendall(piece)
        except OSError:  # refused and closed by the gateway: what a too-large body should meet
            pass

    sock.sendall(head)
    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    received = b""
    try:
        while b"\r\n\r\n" not in received or len(received) < _expected_length(received):
            data = sock.recv(65536)
            if not data:
                break
            received += data
    finally:
        sock.close()
    head_part, _, body = received.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _expected_length(received: bytes) -> int:
    head, sep, _ = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + len(sep) + int(value)
    return 1 << 62


def chunked(pieces):
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


def rss(process) -> int:
    return psutil.Process(process.pid).memory_info().rss


def test_a_huge_declared_body_is_refused_with_413_before_it_is_read(gateway):
    process, _, port = gateway
    before = rss(process)
    declared = 400 * 1024 * 1024
    head = (b"POST /api/v1/self-assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % declared)
    status, headers, body = raw_exchange(port, head, (b"x" * 65536 for _ in range(declared // 65536)))
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    assert headers.get("connection") == "close"
    assert rss(process) - before < 32 * 1024 * 1024  # nothing like the body was kept


def test_a_page_form_over_the_limit_is_read_to_its_end_and_sent_to_the_pages_refusal(gateway):
    """A browser shows no answer that comes while it is still sending: the page's body is drained (never
    kept), then the browser is sent to the refusal page in the form's language; the connection stays usable."""
    process, _, port = gateway
    path = "/ar/government/plans/5/self-assessment/evidence/TN0501"
    size = edge.upload_body_max_bytes(EVIDENCE_MAX_BYTES) + 1
    before = rss(process)
    head = (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: %d\r\n\r\n" % (path.encode(), size))
    status, headers, body = raw_exchange(port, head, (b"x" * min(65536, size - n) for n in range(0, size, 65536)))
    assert status == 303 and body == b"" and headers.get("connection") != "close"
    assert headers["location"] == edge.refused_page_location(path) == (
        "/ar/refused?reason=file_too_large&from=%2Far%2Fgovernment%2Fplans%2F5%2Fself-assessment%2Fevidence%2FTN0501")
    assert rss(process) - before < 32 * 1024 * 1024
    form = b"POST /fr/cases/c1/draft/comments HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (
        edge.JSON_BODY_MAX_BYTES + 1)
    size = edge.JSON_BODY_MAX_BYTES + 1
    status, headers, _ = raw_exchange(port, form, (b"y" * min(65536, size - n) for n in range(0, size, 65536)))
    assert status == 303 and headers["location"].startswith("/fr/refused?reason=too_large&")


def test_a_page_form_past_what_is_ever_drained_is_closed_unread(gateway):
    """Still sent to the refusal page (a browser may show it if it stopped sending), but nothing more is read."""
    _, _, port = gateway
    head = b"POST /en/cases/c1/draft/comments HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (
        edge.PAGE_BODY_DRAIN_MAX_BYTES + 1)
    status, headers, _ = raw_exchange(port, head)
    assert status == 303 and headers.get("connection") == "close"


def test_the_upload_routes_have_the_evidence_limit_and_the_rest_the_json_limit(gateway):
    _, base, port = gateway
    json_limit, upload_limit = edge.JSON_BODY_MAX_BYTES, edge.upload_body_max_bytes(EVIDENCE_MAX_BYTES)
    assert upload_limit > json_limit
    between = json_limit + 1024
    for path, expected in (("/api/v1/self-assessments", 413), ("/api/v1/evidence", 200),
                           ("/api/v1/action-plans/TN/5/commitments", 200), ("/fr/government/import", 200),
                           ("/ar/government/plans/5/self-assessment/evidence/TN0501", 200),
                           ("/api/v1/cases/c1/public-comments", 413)):
        answer = requests.post(base + path, data=b"x" * between, headers={"Content-Type": "application/json"}, timeout=15)
        assert answer.status_code == expected, (path, answer.status_code, answer.text[:200])
        if expected == 200:
            assert answer.json()["length"] == between
    head = b"POST /api/v1/evidence HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (upload_limit + 1)
    assert raw_exchange(port, head)[0] == 413


def test_a_chunked_json_body_is_forwarded_like_a_sized_one(gateway):
    _, base, _ = gateway
    payload = json.dumps({"author": "Association Al Bawsala", "text": {"fr": "Très bien " * 50}}).encode()
    sized = requests.post(base + "/api/v1/cases/c1/public-comments", data=payload,
                          headers={"Content-Type": "application/json"}, timeout=10).json()
    streamed = requests.post(base + "/api/v1/cases/c1/public-comments",
                             data=(payload[i:i + 100] for i in range(0, len(payload), 100)),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert streamed.status_code == 200, streamed.text
    streamed = streamed.json()
    assert streamed["body"] == sized["body"] == payload.decode()
    assert streamed["headers"]["Content-Length"] == str(len(payload))
    assert "Transfer-Encoding" not in streamed["headers"]


def test_a_chunked_body_over_the_limit_is_refused_with_413(gateway):
    _, _, port = gateway
    head = (b"POST /api/v1/self-assessments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    pieces = chunked(b"y" * 65536 for _ in range(edge.JSON_BODY_MAX_BYTES // 65536 + 4))
    status, headers, body = raw_exchange(port, head, pieces)
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    assert headers.get("connection") == "close"


def test_a_broken_chunked_body_is_a_json_400(gateway):
    _, _, port = gateway
    head = b"POST /api/v1/self-assessments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    status, _, body = raw_exchange(port, head)
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_request"


def test_the_client_address_is_appended_to_x_forwarded_for_and_the_host_is_not_forwarded(gateway):
    _, base, _ = gateway
    seen = requests.get(base + "/api/v1/findings", headers={"X-Forwarded-For": "203.0.113.9", "Host": "evil.example",
                                                            "X-Forwarded-Host": "evil.example"}, timeout=10).json()
    assert seen["headers"]["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    assert "X-Forwarded-Host" not in seen["headers"]
    alone = requests.get(base + "/api/v1/findings", timeout=10).json()
    assert alone["headers"]["X-Forwarded-For"] == "127.0.0.1"


def test_the_gateways_own_answers_are_json_with_the_security_headers(gateway):
    _, base, _ = gateway
    for answer in (requests.get(base + "/api/v1/nowhere", timeout=10), requests.get(base + "/api/v1/findings", timeout=10)):
        for name, value in edge.security_headers("http://127.0.0.1:8000").items():
            assert answer.headers.get(name) == value, (answer.url, name, answer.headers)
    unrouted = requests.get(base + "/api/v1/nowhere", timeout=10)
    assert unrouted.status_code == 404 and unrouted.json()["error"]["code"] == "not_found"


def test_every_path_outside_the_api_is_a_page_forwarded_with_the_pages_policy(gateway):
    _, base, _ = gateway
    page = requests.get(base + "/fr/log?x=1", timeout=10)
    assert page.json()["path"] == "/fr/log?x=1"  # reached the web service's upstream as sent
    assert page.headers["Content-Security-Policy"] == edge.PAGE_CONTENT_SECURITY_POLICY
    assert requests.get(base + "/api/v1/findings", timeout=10).headers["Content-Security-Policy"] == edge.CONTENT_SECURITY_POLICY


def test_an_encoded_path_reaches_the_service_as_sent(gateway):
    """Found by schemathesis: a case id holding %3F was forwarded decoded, so the service read a
    query where the id ended and answered another endpoint."""
    _, base, _ = gateway
    seen = requests.get(base + "/api/v1/cases/a%3Fb%20%C3%A9%2Fc/public-draft", timeout=10).json()
    assert seen["path"] == "/api/v1/cases/a%3Fb%20%C3%A9%2Fc/public-draft"
    with_query = requests.get(base + "/api/v1/findings/fnd%231", params={"member": "TN"}, timeout=10).json()
    assert with_query["path"] == "/api/v1/findings/fnd%231?member=TN"


def test_a_client_that_stops_sending_is_disconnected(upstream, tmp_path_factory):
    """Slowloris: a request whose body never comes must not hold a connection for ever."""
    port = free_port()
    env = {**os.environ, "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "INTAKE_URL": upstream, "REVIEW_URL": upstream,
           "PUBLICATION_URL": upstream, "WEB_URL": upstream, "GATEWAY_CLIENT_TIMEOUT_SECONDS": "1", "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-m", "services.gateway.app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            assert process.poll() is None and time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(b"POST /api/v1/findings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{")
            sock.settimeout(20)  # far past the gateway's 1 s: only a hang would reach it
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
        # The gateway closed the connection (recv gave b"") without forwarding the half body.
        assert b"200 OK" not in received
    finally:
        process.terminate()
        process.wait(10)


def test_hsts_is_sent_through_the_gateway_when_the_public_base_url_is_https(upstream):
    """Behind TLS (PUBLIC_BASE_URL https://, as docker-compose passes it to the gateway): every answer, forwarded
    or the gateway's own, a page or the API, carries Strict-Transport-Security; over plain http none does."""
    port = free_port()
    env = {**os.environ, "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "INTAKE_URL": upstream, "REVIEW_URL": upstream,
           "PUBLICATION_URL": upstream, "WEB_URL": upstream, "ACCOUNTS_URL": upstream,
           "PUBLIC_BASE_URL": "https://irm.example.org", "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen([sys.executable, "-m", "services.gateway.app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port):
            assert process.poll() is None and time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        expected = f"max-age={edge.HSTS_MAX_AGE_SECONDS}"
        for path in ("/api/v1/findings", "/api/v1/nowhere", "/fr/log", "/health"):
            answer = requests.get(base + path, timeout=10)
            assert answer.headers.get("Strict-Transport-Security") == expected, (path, answer.status_code, answer.headers)
    finally:
        process.terminate()
        process.wait(10)


def test_no_hsts_through_the_gateway_over_plain_http(gateway):
    _, base, _ = gateway
    if os.environ.get("PUBLIC_BASE_URL", "").startswith("https://"):
        pytest.skip("this environment sets an https PUBLIC_BASE_URL")
    for path in ("/api/v1/findings", "/api/v1/nowhere", "/fr/log"):
        assert "Strict-Transport-Security" not in requests.get(base + path, timeout=10).headers, path


def test_an_answer_is_passed_on_as_it_arrives_and_never_held_whole(gateway):
    process, base, _ = gateway
    before = rss(process)
    Echo.resume.clear()
    answer = requests.get(f"{base}/api/v1/open-data/commitments.csv", stream=True, timeout=30)
    assert answer.status_code == 200 and answer.headers.get("Transfer-Encoding") == "chunked"
    pieces = answer.iter_content(STREAMED_PIECE)
    received = b""
    while len(received) < STREAMED_PIECE * STREAMED_PIECES // 2:  # the service has sent no more than this yet
        received += next(pieces)
    assert received == b"".join(streamed_piece(n) for n in range(STREAMED_PIECES // 2))
    Echo.resume.set()
    size = len(received) + sum(len(piece) for piece in pieces)
    assert size == STREAMED_PIECE * STREAMED_PIECES
    assert rss(process) - before < 32 * 1024 * 1024  # the 48 MB went through, never held


def test_a_client_that_leaves_mid_answer_leaves_the_gateway_serving(gateway):
    _, base, _ = gateway
    Echo.resume.clear()
    answer = requests.get(f"{base}/api/v1/open-data/commitments.json", stream=True, timeout=30)
    next(answer.iter_content(STREAMED_PIECE))
    answer.close()  # gone mid-body: the gateway closes its connection to the service rather than reuse it
    Echo.resume.set()
    for _ in range(5):  # the next requests get their own answers, not the rest of that body
        echoed = requests.get(f"{base}/api/v1/findings?n=1", timeout=10)
        assert echoed.status_code == 200 and echoed.json()["path"] == "/api/v1/findings?n=1"
