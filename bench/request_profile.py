"""What publication's list costs per request besides the database, piece by piece, in-process.

    .venv/bin/python -m bench.request_profile [--n 5000]

No server, no database: a werkzeug Request for `GET /api/v1/findings` is built once and the
pieces every list request runs are timed (microseconds per call, median of 5 rounds):
query parsing (`read_query` + `FindingsQuery`), `api_endpoint` (correlation id, contextvars,
the `request_handled` log line through the services' structlog/JSON setup, to /dev/null),
the ETag of `Freshness.respond`, rebuilding a kept body (services/publication/freshness.py), and the
WSGI call of the response. The trivial endpoint's `Response(BODY)` is the reference.
"""
import argparse
import hashlib
import logging
import os
import statistics
import time
from datetime import datetime, timezone

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from bench.trivial_service import BODY
from services.publication.service import FindingsQuery
from shared.http import api_endpoint, read_query
from shared.ids import new_id
from shared.logging import bind_correlation, configure_logging


def per_call_us(fn, n):
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args(argv)
    configure_logging("publication", "INFO")
    devnull = open(os.devnull, "w")
    logging.getLogger().handlers[0].setStream(devnull)  # the same formatting work, without the terminal

    environ = EnvironBuilder(path="/api/v1/findings", method="GET", headers={"Host": "127.0.0.1:8003"}).get_environ()
    body = ('{"items":[' + ",".join(['{"id":"fnd-x","summary":{"commitments":20}}'] * 60) + '],"next":null}').encode()
    kept = (body, [("Content-Type", "application/json")])
    marker = (datetime.now(timezone.utc), 70)

    def wsgi(response):
        return b"".join(response(environ, lambda status, headers, exc_info=None: None))

    class Service:
        name = "publication"

        @api_endpoint
        def endpoint(self, request):
            return Response(kept[0], status=200, headers=kept[1])

    service = Service()
    shared_schema = FindingsQuery()
    pieces = [
        ("werkzeug Request(environ) + .args", lambda: Request(environ).args),
        ("read_query(request, FindingsQuery())", lambda: read_query(Request(environ), FindingsQuery())),
        ("  of which FindingsQuery() (schema instance)", FindingsQuery),
        ("read_query(request, SHARED) with one FindingsQuery() made once", lambda: read_query(Request(environ), shared_schema)),
        ("api_endpoint around a kept body (ids, contextvars, log line)", lambda: service.endpoint(Request(environ))),
        ("  of which new_id + bind_correlation (structlog contextvars)", lambda: bind_correlation(new_id("corr"), service="publication")),
        ("  of which the request_handled log line", lambda: logging.getLogger("irm.http").info("x") if False else
         __import__("structlog").get_logger("irm.http").info("request_handled", method="GET", path="/api/v1/findings",
                                                            status=200, duration_ms=1.0)),
        ("ETag (sha256 of marker and path) + header dict", lambda: hashlib.sha256(
            f"{marker[0]}|{marker[1]}|/api/v1/findings?".encode()).hexdigest()[:32]),
        ("Response from a kept body + headers.update", lambda: Response(kept[0], status=200, headers=kept[1]).headers.update(
            {"ETag": '"x"', "Cache-Control": "public, max-age=30"})),
        ("WSGI call of that response", lambda: wsgi(Response(kept[0], status=200, headers=kept[1]))),
        ("trivial endpoint: Response(BODY) + WSGI call", lambda: wsgi(Response(BODY, mimetype="application/json"))),
    ]
    print(f"microseconds per call (median of 5 rounds of {args.n}):")
    results = {}
    for label, fn in pieces:
        fn()
        results[label] = per_call_us(fn, args.n)
        print(f"  {label:<64} {results[label]:>8.1f} us")
    return results


if __name__ == "__main__":
    main()
