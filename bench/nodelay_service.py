"""A nameko service answering a ~64 KiB JSON body, for bench/nodelay_check.py.

    NODELAY=1 nameko run --config <yaml with WEB_SERVER_ADDRESS> bench.nodelay_service

NODELAY=1: its @http comes from shared.webserver (TCP_NODELAY on accepted connections);
otherwise from nameko.web.handlers, as the services use it today.
"""
import json
import os

from werkzeug.wrappers import Response

if os.environ.get("NODELAY") == "1":
    from shared.webserver import http
else:
    from nameko.web.handlers import http

BODY_BYTES = int(os.environ.get("BODY_BYTES", 64_000))


def body_of(size: int) -> str:
    return json.dumps({"padding": "x" * max(0, size - len('{"padding":""}'))}, separators=(",", ":"))


BODY = body_of(BODY_BYTES)


class NoDelayDemo:
    name = "bench_nodelay_demo"

    @http("GET", "/body")
    def body(self, request):
        """BODY_BYTES of JSON, or `?bytes=N` of it (bench/nodelay_check.py --sweep)."""
        size = request.args.get("bytes", type=int)
        return Response(BODY if size is None else body_of(min(size, 1 << 20)), mimetype="application/json")
