"""Conditional answers for public reads: ETag and Last-Modified, and 304 without touching the database.

Everything the public reads changes only when a finding is published (or corrected). The
service keeps that moment in memory (the newest publication time and the number of
findings), refreshed every second, so an If-None-Match that still matches is answered 304
from memory; a new publication changes every ETag within a second.
"""
import hashlib

from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response



class Freshness(DependencyProvider):
    def setup(self):
        self.marker = None

    def get_dependency(self, worker_ctx):
        return self

    def refresh(self):
        from services.publication import documents  # imported late: documents stay out of the service module's scope

        collection = documents.Finding._get_collection()
        newest = collection.find_one({}, {"published_at_dt": 1}, sort=[("published_at_dt", -1)])
        count = collection.estimated_document_count()
        self.marker = (newest["published_at_dt"] if newest else None, count)
        return self.marker

    def respond(self, request, render):
        marker = self.marker or self.refresh()
        tag = hashlib.sha256(f"{marker[0]}|{marker[1]}|{request.full_path}".encode()).hexdigest()[:32]
        etag = f'"{tag}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=30"}
        if marker[0] is not None:
            headers["Last-Modified"] = marker[0].strftime("%a, %d %b %Y %H:%M:%S GMT")
        if etag in [value.strip() for value in (request.headers.get("If-None-Match") or "").split(",")]:
            return Response(status=304, headers=headers)  # no database read
        response = render()
        if response.status_code == 200:
            response.headers.update(headers)
        return response
