"""The baseline: the least a nameko @http endpoint can cost on this machine.

    nameko run --config <yaml with WEB_SERVER_ADDRESS> bench.trivial_service

One GET /ping answering a fixed 1 KB JSON document: no database, no logging, no
authentication. The read path's req/s are compared with this endpoint's.
"""
import json

from nameko.web.handlers import http
from werkzeug.wrappers import Response

BODY = json.dumps({"status": "ok", "padding": "x" * 1000}, separators=(",", ":"))  # 1,031 bytes


class TrivialService:
    name = "bench_trivial"

    @http("GET", "/ping")
    def ping(self, request):
        return Response(BODY, mimetype="application/json")
