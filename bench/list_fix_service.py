"""A prototype of the proposed fix for the findings list (bench/FINDINGS.md), run without
touching services/: publication's own service class, with

- `LIST_FIX_CACHE=1` (default): `CachedFreshness` instead of `Freshness`: 200 bodies of the
  public reads are kept in memory per (freshness marker, URL, forwarded host/proto), one
  render per key at a time, and the once-a-second marker refresh reads only findings newer
  than the last newest one instead of walking every finding;
- `LIST_FIX_INCLUSION=1` (default): the list's projection names the fields the list shows
  (inclusion) instead of excluding the big ones;
- `LIST_FIX_SCHEMA=1` (default): one `FindingsQuery()` made at import and reused, instead of
  one per request.

    nameko run --config deploy/nameko.yaml bench.list_fix_service

It is the same code as the diff in bench/FINDINGS.md; bench/list_http.py runs it next to
the unchanged service.
"""
import hashlib
import os
from collections import OrderedDict

from eventlet.semaphore import Semaphore
from werkzeug.wrappers import Response

from services.publication import service as publication
from services.publication.freshness import Freshness


class CachedFreshness(Freshness):
    MAX_BODIES = 512
    MAX_BYTES = 32 * 1024 * 1024  # bodies kept in memory at most; one body over a quarter of it is not kept

    def setup(self):
        super().setup()
        self.bodies = OrderedDict()  # (marker, url, forwarded host, forwarded proto) -> (body, headers)
        self.bytes = 0
        self.rendering = {}  # key -> Semaphore: one render per key, the others wait and reuse it

    def refresh(self):
        from services.publication import documents

        collection = documents.Finding._get_collection()
        previous = self.marker
        # Only findings at or after the last newest one: an index range, not a walk over every finding.
        since = {"published_at_dt": {"$gte": previous[0]}} if previous and previous[0] is not None else {}
        newest = collection.find_one(since, {"published_at_dt": 1}, sort=[("published_at_dt", -1)])
        marker = (newest["published_at_dt"] if newest else None, collection.estimated_document_count())
        if marker != previous:
            self.bodies.clear()
            self.bytes = 0
        self.marker = marker
        return marker

    def respond(self, request, render):
        marker = self.marker or self.refresh()
        tag = hashlib.sha256(f"{marker[0]}|{marker[1]}|{request.full_path}".encode()).hexdigest()[:32]
        etag = f'"{tag}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=30"}
        if marker[0] is not None:
            headers["Last-Modified"] = marker[0].strftime("%a, %d %b %Y %H:%M:%S GMT")
        if etag in [value.strip() for value in (request.headers.get("If-None-Match") or "").split(",")]:
            return Response(status=304, headers=headers)  # no database read
        key = (marker, request.url, request.headers.get("X-Forwarded-Host"), request.headers.get("X-Forwarded-Proto"))
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
        kept = (body, [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"])
        if key[0] == self.marker and len(body) <= self.MAX_BYTES // 4:
            self.bodies[key] = kept
            self.bytes += len(body)
            while len(self.bodies) > self.MAX_BODIES or self.bytes > self.MAX_BYTES:
                _, (old, _) = self.bodies.popitem(last=False)
                self.bytes -= len(old)
        return kept


# What finding_view(full=False) reads (status and withdrawn_reason since withdrawals exist).
LIST_FIELDS = ("case_id", "version", "member", "cycle", "plan_number", "languages", "summary", "published_at",
               "published_at_dt", "status", "withdrawn_reason", "supersedes", "superseded_by")

if os.environ.get("LIST_FIX_INCLUSION", "1") == "1":
    publication.LIST_PROJECTION = {field: 1 for field in LIST_FIELDS}  # read by _findings_page at call time


if os.environ.get("LIST_FIX_SCHEMA", "1") == "1":
    # One query schema for every request (marshmallow deep-copies its fields on every instantiation).
    _FINDINGS_QUERY = publication.FindingsQuery()
    publication.FindingsQuery = lambda: _FINDINGS_QUERY  # what list_findings calls on each request


class PublicationService(publication.PublicationService):
    name = "publication"
    if os.environ.get("LIST_FIX_CACHE", "1") == "1":
        freshness = CachedFreshness()
