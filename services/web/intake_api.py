"""The government's pages' one way to intake: intake's own HTTP API, with the person's session.

Why over HTTP: what a point of contact may read and submit (shared/access.py, asked by intake),
the contract a self-assessment must meet, the versions, the idempotency of a submission and the
draft's own checks are intake's; the pages only carry the form there and its answer back
(upstream_api.py: the client's address, the session cookie alone of the browser's cookies, a
signed-in change's CSRF token as X-CSRF-Token).
"""
from urllib.parse import quote, urlencode

from services.web import government_forms
from services.web.upstream_api import Answer, UpstreamApi
from shared import settings

UPLOAD_CHUNK_BYTES = 64 * 1024


def _plan(member: str, plan_number: int) -> str:
    return f"/api/v1/action-plans/{quote(member, safe='')}/{int(plan_number)}"


class IntakeApi(UpstreamApi):
    CARRIES_SESSION = True

    def base_url(self) -> str:
        return settings.value(self.container.config, "INTAKE_URL")

    def members(self, request, after: str | None = None, limit: int | None = None) -> Answer:
        """The registry's members, an admin's (the operator's members page): one page in code order after `after`."""
        query = urlencode({k: v for k, v in (("after", after), ("limit", limit)) if v})
        return self.call("GET", "/api/v1/members" + (f"?{query}" if query else ""), request)

    def member_plans(self, request, member: str) -> Answer:
        return self.call("GET", f"/api/v1/members/{quote(member, safe='')}/action-plans", request)

    def commitments(self, request, member: str, plan_number: int) -> Answer:
        return self.call("GET", f"{_plan(member, plan_number)}/commitments", request)

    def draft(self, request, member: str, plan_number: int) -> Answer:
        return self.call("GET", f"{_plan(member, plan_number)}/self-assessment-draft", request)

    def save_draft(self, request, member: str, plan_number: int, body: dict, csrf_token: str) -> Answer:
        return self.call("PUT", f"{_plan(member, plan_number)}/self-assessment-draft", request, body, csrf_token)

    def submit(self, request, body: dict, csrf_token: str, idempotency_key: str) -> Answer:
        return self.call("POST", "/api/v1/self-assessments", request, body, csrf_token,
                         headers={"Idempotency-Key": idempotency_key})

    def upload_evidence(self, request, filename: str, media_type: str, stream, size: int, csrf_token: str) -> Answer:
        """POST /api/v1/evidence with the file's bytes read from `stream` in pieces as they are sent (never
        held whole here): a multipart body with its one part `file`, its length said up front."""
        return self._streamed("/api/v1/evidence", request, filename, media_type, stream, size, csrf_token)

    def import_commitments(self, request, member: str, plan_number: int, language: str, filename: str, media_type: str,
                           stream, size: int, csrf_token: str) -> Answer:
        """The bulk import (POST .../commitments): the spreadsheet streamed as the evidence is, with its `language`."""
        return self._streamed(f"{_plan(member, plan_number)}/commitments", request, filename, media_type, stream, size,
                              csrf_token, {"language": language})

    def _streamed(self, path, request, filename, media_type, stream, size, csrf_token, fields=None) -> Answer:
        content_type, head, tail = government_forms.multipart_frame(filename, media_type, fields)

        def pieces():
            yield head
            while chunk := stream.read(UPLOAD_CHUNK_BYTES):
                yield chunk
            yield tail
        return self.call("POST", path, request, pieces(), csrf_token,
                         headers={"Content-Type": content_type, "Content-Length": str(len(head) + size + len(tail))})

    def versions(self, request, member: str, plan_number: int) -> Answer:
        return self.call("GET", f"/api/v1/self-assessments?member={quote(member, safe='')}&plan_number={int(plan_number)}", request)

    def self_assessment(self, request, self_assessment_id: str) -> Answer:
        return self.call("GET", f"/api/v1/self-assessments/{quote(self_assessment_id, safe='')}", request)
