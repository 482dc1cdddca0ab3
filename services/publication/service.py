"""publication: publishes approved findings and serves the public. No token needed here.

GET /api/v1/findings            ?member=TN&cycle=2023-2025&page=1&per_page=20
GET /api/v1/findings/{id}
GET /api/v1/cases/{id}/audit    the case's decisions in order, and their verification
GET /health
"""
from marshmallow import Schema, fields, validate
from nameko.web.handlers import http

from services.publication import documents, domain
from shared import audit
from shared.clock import iso, utcnow
from shared.contracts.events import FINDING_PUBLISHED, REVIEW_APPROVED, build_event
from shared.contracts.fields import MEMBER_CODE, Cycle
from shared.http import NotFound, api_endpoint, json_response, read_query
from shared.ids import new_id
from shared.persistence import documents as shared_documents
from shared import runtime
from shared.runtime import Store, consumes

SYSTEM = {"role": "system", "id": "publication"}


class FindingsQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)
    cycle = Cycle(load_default=None)
    page = fields.Integer(validate=validate.Range(min=1, max=100000), load_default=1)
    per_page = fields.Integer(validate=validate.Range(min=1, max=100), load_default=20)


def finding_view(finding, full=True) -> dict:
    view = {
        "id": finding.finding_id, "url": f"/api/v1/findings/{finding.finding_id}", "case_id": finding.case_id,
        "version": finding.version, "member": finding.member, "action_plan": {"cycle": finding.cycle, "plan_number": finding.plan_number},
        "languages": finding.languages, "summary": finding.summary, "published_at": finding.published_at,
        "audit_url": f"/api/v1/cases/{finding.case_id}/audit",
    }
    if full:
        view.update({"expert_id": finding.expert_id, "reviewer_id": finding.reviewer_id, "commitments": finding.commitments,
                     "plan_assessment": finding.plan_assessment or None, "government_comments": finding.government_comments,
                     "public_comments": finding.public_comments, "supersedes": finding.supersedes,
                     "content_sha256": finding.content_sha256, "audit_head": finding.audit_head})
    return view


class PublicationService(runtime.ServiceShell):
    name = "publication"

    store = Store(documents=documents.ALL)

    @consumes(REVIEW_APPROVED)
    def on_review_approved(self, event, uow):
        content = domain.render_finding(event.payload)
        finding_id = new_id("fnd")
        published = utcnow()
        # A later approval of the same case is a correction: a new version, the old one untouched.
        previous = uow.get_latest(documents.Finding, {"case_id": content["case_id"]}, "version")
        version = previous.version + 1 if previous else 1
        entry = uow.record(
            case_id=content["case_id"], action="finding.published", actor=SYSTEM,
            reason=f"Findings on {content['member']['code']}'s action plan {content['action_plan']['plan_number']} published"
                   + (f" (version {version}, correcting {previous.finding_id})." if previous else "."),
            data={"finding_id": finding_id, "version": version, "supersedes": previous.finding_id if previous else None,
                  "content_sha256": content["content_sha256"]},
            correlation_id=event.correlation_id,
        )
        uow.insert(documents.Finding(
            finding_id=finding_id, case_id=content["case_id"], version=version, member=content["member"],
            supersedes=previous.finding_id if previous else None, plan_assessment=content["plan_assessment"] or {},
            government_comments=content["government_comments"], public_comments=content["public_comments"],
            member_code=content["member"]["code"], cycle=content["action_plan"]["cycle"],
            plan_number=content["action_plan"]["plan_number"], languages=content["languages"],
            expert_id=content["expert_id"], reviewer_id=content["reviewer_id"], commitments=content["commitments"],
            summary=content["summary"], content_sha256=content["content_sha256"], published_at=iso(published),
            published_at_dt=published, audit_head={"seq": entry["seq"], "hash": entry["hash"]},
        ))
        uow.emit(build_event(FINDING_PUBLISHED, {
            "finding_id": finding_id, "case_id": content["case_id"], "member_code": content["member"]["code"],
            "cycle": content["action_plan"]["cycle"], "published_at": iso(published),
        }, correlation_id=event.correlation_id, actor=SYSTEM))

    @http("GET", "/api/v1/findings")
    @api_endpoint
    def list_findings(self, request):
        query = read_query(request, FindingsQuery())
        filters = {name: query[key] for name, key in (("member_code", "member"), ("cycle", "cycle")) if query[key]}
        found = documents.Finding.objects(**filters).order_by("-published_at_dt", "finding_id")
        total = found.count()
        skip = (query["page"] - 1) * query["per_page"]
        items = [finding_view(f, full=False) for f in found.skip(skip).limit(query["per_page"])]
        base = "/api/v1/findings?" + "&".join(f"{k}={query[k]}" for k in ("member", "cycle") if query[k])
        next_url = f"{base}&page={query['page'] + 1}&per_page={query['per_page']}" if skip + len(items) < total else None
        return json_response({"items": items, "page": query["page"], "per_page": query["per_page"], "total": total,
                              "next": next_url.replace("?&", "?") if next_url else None})

    @http("GET", "/api/v1/findings/<string:finding_id>")
    @api_endpoint
    def show_finding(self, request, finding_id):
        finding = documents.Finding.objects(finding_id=finding_id).first()
        if finding is None:
            raise NotFound(f"No finding {finding_id}.")
        return json_response(finding_view(finding))

    @http("GET", "/api/v1/cases/<string:case_id>/audit")
    @api_endpoint
    def case_audit(self, request, case_id):
        # The finding first: it commits together with its audit entry, so reading it before
        # the entries guarantees the entries include that one (the other order could read
        # the chain just before the publication commits, and report a missing head).
        finding = documents.Finding.objects(case_id=case_id).order_by("-version").first()
        entries = list(shared_documents.AuditEntry._get_collection().find({"case_id": case_id}, {"_id": 0}, sort=[("seq", 1)]))
        if not entries:
            raise NotFound(f"No audit trail for case {case_id}.")
        verification = audit.verify_chain(entries, expected_head=finding.audit_head if finding else None)
        return json_response({"case_id": case_id, "entries": entries, "verification": verification.as_dict(),
                              "finding_url": f"/api/v1/findings/{finding.finding_id}" if finding else None})
