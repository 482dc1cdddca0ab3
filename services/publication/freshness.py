"""Conditional answers for public reads: ETag and Last-Modified, and 304 without touching the database.

Everything the public reads changes only when a finding is published (or corrected). The
service keeps that moment in memory (the newest publication time and the last position given
to a finding, positions.py), refreshed every second, so an If-None-Match that still matches is answered 304
from memory; a new publication changes every ETag within a second.

The 200 bodies are kept in memory too, under the same marker: a public read renders once
per marker (and URL), not once per request. A body therefore lags a publication by at most
the refresh interval, as the ETag already does. One render per key runs at a time; the
requests that arrive meanwhile wait for it and reuse it. Open data is too big to keep here: it is
rendered into files under the same marker (open_data_files.py), with these ETag and 304 rules.
"""
import hashlib
from collections import OrderedDict

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

MAX_BODIES = 512
MAX_BYTES = 32 * 1024 * 1024  # bodies kept at most; a body over a quarter of this is served, not kept


def public_headers(etag: str, marker) -> dict:
    """The caching headers of a public read whose content `etag` names, under the freshness `marker`."""
    headers = {"ETag": etag, "Cache-Control": "public, max-age=30"}
    if marker[0] is not None:
        headers["Last-Modified"] = marker[0].strftime("%a, %d %b %Y %H:%M:%S GMT")
    return headers


def not_modified(request, etag: str) -> bool:
    """Whether the request's If-None-Match names `etag` (answer 304)."""
    return etag in [value.strip() for value in (request.headers.get("If-None-Match") or "").split(",")]


class Freshness(DependencyProvider):
    def setup(self):
        self.marker = None
        self.bodies = OrderedDict()  # (marker, path and query) -> (body, headers), LRU
        self.bytes = 0
        self.rendering = {}  # key -> Semaphore held by the one render of that key

    def get_dependency(self, worker_ctx):
        return self

    def refresh(self):
        from services.publication import documents, positions  # imported late: documents stay out of the service module's scope

        # Every publication, withdrawal and correction inserts a finding with the next position
        # (the only update, superseded_by, comes with one): the counter is the marker, read by
        # its id, with the newest finding's time, read by its position (a database emptied and
        # filled again, as tests do, can reach the same top). A count of the collection, as
        # before, reads every finding on SecantusDB (bench/FINDINGS.md, 2026-12-01).
        previous = self.marker
        top = positions.top()
        newest = documents.Finding._get_collection().find_one({"position": top}, {"published_at_dt": 1}) if top else None
        marker = (newest["published_at_dt"] if newest else None, top)
        if marker != previous:
            self.bodies.clear()
            self.bytes = 0
        self.marker = marker
        return marker

    def current(self):
        """The marker as last refreshed (read now if it never was)."""
        return self.marker or self.refresh()

    def respond(self, request, render):
        marker = self.current()
        tag = hashlib.sha256(f"{marker[0]}|{marker[1]}|{request.full_path}".encode()).hexdigest()[:32]
        etag = f'"{tag}"'
        headers = public_headers(etag, marker)
        if not_modified(request, etag):
            return Response(status=304, headers=headers)  # no database read
        # The render reads the path and query only: absolute links come from PUBLIC_BASE_URL.
        key = (marker, request.full_path)
        kept = self._kept(key)
        if kept is None:
            lock = self.rendering.setdefault(key, Semaphore())
            try:
                with lock:
                    kept = self._kept(key)  # rendered while this request waited
                    if kept is None:
                        response = render()
                        if response.status_code != 200:
                            return response
                        kept = self._keep(key, response)
            finally:
                if self.rendering.get(key) is lock:
                    del self.rendering[key]
        body, kept_headers = kept
        response = Response(body, status=200, headers=kept_headers)
        response.headers.update(headers)
        return response

    def _kept(self, key):
        kept = self.bodies.get(key)
        if kept is not None:
            self.bodies.move_to_end(key)
        return kept

    def _keep(self, key, response):
        body = response.get_data()
        kept = (body, [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"])
        if key[0] == self.marker and len(body) <= MAX_BYTES // 4:  # not kept under a marker already replaced
            self.bodies[key] = kept
            self.bytes += len(body)
            while len(self.bodies) > MAX_BODIES or self.bytes > MAX_BYTES:
                _, (old, _) = self.bodies.popitem(last=False)
                self.bytes -= len(old)
        return kept
