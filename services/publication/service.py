"""publication: publishes approved findings and serves the public. No token needed here.

GET /api/v1/findings            ?member=&kind=&cycle=&language=&<indicator>=<value>&limit=&cursor=
GET /api/v1/findings/{id}       (ETag/Last-Modified everywhere; 304 on If-None-Match without a database read)
POST /api/v1/findings/{id}/withdraw   {"reason"}: quality reviewers and admins (a new, withdrawn version)
GET /api/v1/feeds/findings.atom, /api/v1/feeds/findings.json   ?member=
GET /api/v1/open-data/commitments.csv, .json, /api/v1/open-data/data-dictionary.json
GET /api/v1/cases/{id}/audit    the case's decisions in order, and their verification
GET /api/v1/cases/{id}/timeline the same decisions as the transparency log holds them
GET /api/v1/log/key, /api/v1/log/checkpoint, /api/v1/log/checkpoints[/{size}]   the transparency log
GET /api/v1/log/proofs/inclusion?index=&size=, /api/v1/log/proofs/consistency?from=&to=
GET /api/v1/log/entries?start=&limit=                                            the log's leaves in order
GET /health
"""
import base64
from urllib.parse import urlencode

from marshmallow import Schema, fields, validate
from nameko.dependency_providers import Config
from nameko.timer import timer
from shared.webserver import http
from werkzeug.wrappers import Response

from services.publication import documents, domain, feeds, open_data, paging, trail
from services.publication import metrics as publication_metrics
from services.publication.freshness import Freshness
from services.publication.public_feed import PublicFeed, public_message
from services.publication.transparency_log import TransparencyLog
from shared.clock import iso, utcnow
from shared.contracts.events import FINDING_PUBLISHED, REVIEW_APPROVED, build_event
from shared.contracts.fields import MEMBER_CODE, Cycle, Integer
from shared.irm import (
    COMPLETION, DID_IT_OPEN_GOVERNMENT, LANGUAGES, MEMBER_KINDS, POTENTIAL_FOR_RESULTS, VERIFIABILITY,
)
from shared.audit import log_leaf
from shared.http import Conflict, NotFound, Unprocessable, api_endpoint, json_response, read_json, read_query
from shared.ids import new_id
from shared import edge, runtime, settings
from shared.runtime import Auth, Store, consumes

SYSTEM = {"role": "system", "id": "publication"}


class FindingsQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)
    kind = fields.String(validate=validate.OneOf(MEMBER_KINDS), load_default=None)
    cycle = Cycle(load_default=None)
    language = fields.String(validate=validate.OneOf(LANGUAGES), load_default=None)
    verifiability = fields.String(validate=validate.OneOf(VERIFIABILITY), load_default=None)
    potential_for_results = fields.String(validate=validate.OneOf(POTENTIAL_FOR_RESULTS), load_default=None)
    completion = fields.String(validate=validate.OneOf(COMPLETION), load_default=None)
    did_it_open_government = fields.String(validate=validate.OneOf(DID_IT_OPEN_GOVERNMENT), load_default=None)
    status = fields.String(validate=validate.OneOf(("published", "withdrawn")), load_default=None)
    all_versions = fields.Boolean(load_default=False)
    limit = Integer(validate=validate.Range(min=1, max=100), load_default=20)
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))


class WithdrawalBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=10, max=2000))


class FeedQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)


# One instance each, made once: a marshmallow Schema deep-copies its fields when instantiated
# (~100-150 us per request, measured in bench/FINDINGS.md); `load` keeps no state between calls.
FINDINGS_QUERY = FindingsQuery()
FEED_QUERY = FeedQuery()


class InclusionQuery(Schema):
    index = Integer(required=True, strict=False, validate=validate.Range(min=0))
    size = Integer(required=True, strict=False, validate=validate.Range(min=1))


class ConsistencyQuery(Schema):
    old_size = Integer(required=True, data_key="from", validate=validate.Range(min=1))
    new_size = Integer(required=True, data_key="to", validate=validate.Range(min=1))


class LogRangeQuery(Schema):
    start = Integer(load_default=0, validate=validate.Range(min=0))
    limit = Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class CheckpointsQuery(Schema):
    after = Integer(load_default=0, validate=validate.Range(min=0))
    limit = Integer(load_default=100, validate=validate.Range(min=1, max=1000))


INDICATOR_FILTERS = ("verifiability", "potential_for_results", "completion", "did_it_open_government")


def finding_view(finding, full=True) -> dict:
    view = {
        "id": finding.finding_id, "url": f"/api/v1/findings/{finding.finding_id}", "case_id": finding.case_id,
        "version": finding.version, "member": finding.member, "action_plan": {"cycle": finding.cycle, "plan_number": finding.plan_number},
        "languages": finding.languages, "summary": finding.summary, "published_at": finding.published_at,
        "audit_url": f"/api/v1/cases/{finding.case_id}/audit", "timeline_url": f"/api/v1/cases/{finding.case_id}/timeline",
        "status": finding.status, "withdrawn_reason": finding.withdrawn_reason,
        "supersedes": finding.supersedes, "superseded_by": finding.superseded_by,
    }
    if full:
        view.update({"expert_id": finding.expert_id, "reviewer_id": finding.reviewer_id, "commitments": finding.commitments,
                     "plan_assessment": finding.plan_assessment or None, "government_comments": finding.government_comments,
                     "public_comments": finding.public_comments,
                     "content_sha256": finding.content_sha256, "audit_head": finding.audit_head})
    return view


class PublicationService(runtime.ServiceShell):
    name = "publication"

    store = Store(documents=documents.ALL)
    metric_gauges = (publication_metrics.gauges,)  # scraped at /metrics (shared/metrics.py)
    freshness = Freshness()
    transparency = TransparencyLog()
    public_feed = PublicFeed()
    auth = Auth()
    config = Config()

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
        if previous:  # links both ways: the content of the old version stays as it was
            uow.update(documents.Finding, {"_id": previous.finding_id}, {"$set": {"superseded_by": finding_id}})
        uow.emit(build_event(FINDING_PUBLISHED, {
            "finding_id": finding_id, "case_id": content["case_id"], "member_code": content["member"]["code"],
            "cycle": content["action_plan"]["cycle"], "published_at": iso(published), "status": "published",
        }, correlation_id=event.correlation_id, actor=SYSTEM))

    @http("POST", "/api/v1/findings/<string:finding_id>/withdraw")
    @api_endpoint
    def withdraw_finding(self, request, finding_id):
        """Withdraw the latest version of a finding: a new version, marked withdrawn, with the reason."""
        principal = self.auth.caller(request, "withdraw_finding")
        body = read_json(request, WithdrawalBody())

        def work(uow):
            current = uow.get(documents.Finding, {"_id": finding_id})
            if current is None:
                raise NotFound(f"No finding {finding_id}.")
            if current.superseded_by:
                raise Conflict(f"Version {current.version} is superseded by {current.superseded_by}: withdraw the latest version.")
            if current.status == "withdrawn":
                raise Conflict(f"{finding_id} is already withdrawn.")
            new_id_, now = new_id("fnd"), utcnow()
            entry = uow.record(case_id=current.case_id, action="finding.withdrawn", actor=principal.as_actor(),
                               reason=f"Withdrawn: {body['reason']}",
                               data={"finding_id": new_id_, "version": current.version + 1, "supersedes": finding_id},
                               correlation_id=request.correlation_id)
            son = current.to_mongo().to_dict()
            son.update(_id=new_id_, version=current.version + 1, status="withdrawn", withdrawn_reason=body["reason"],
                       supersedes=finding_id, superseded_by=None, published_at=iso(now), published_at_dt=now,
                       audit_head={"seq": entry["seq"], "hash": entry["hash"]})
            withdrawn = documents.Finding._from_son(son)
            uow.insert(withdrawn)
            uow.update(documents.Finding, {"_id": finding_id}, {"$set": {"superseded_by": new_id_}})
            uow.emit(build_event(FINDING_PUBLISHED, {
                "finding_id": new_id_, "case_id": current.case_id, "member_code": current.member_code,
                "cycle": current.cycle, "published_at": iso(now), "status": "withdrawn",
            }, correlation_id=request.correlation_id, actor=principal.as_actor()))
            return withdrawn

        withdrawn = self.store.run(work)
        self.freshness.refresh()
        return json_response(finding_view(withdrawn), status=201, headers={"Location": f"/api/v1/findings/{withdrawn.finding_id}"})

    @consumes(FINDING_PUBLISHED)
    def announce_publicly(self, event, uow):
        """Announce a committed finding version on the public live feed (irm.public)."""
        finding = uow.get(documents.Finding, {"_id": event.payload["finding_id"]})
        self.public_feed.announce(public_message(finding_view(finding, full=False), finding.status, finding.withdrawn_reason))

    @timer(interval=1)
    def refresh_freshness(self):
        self.freshness.refresh()

    @timer(interval=1)
    def maintain_transparency_log(self):
        """Append waiting audit entries to the log; sign a checkpoint when one is due."""
        self.transparency.tick(self.store.client)

    @http("GET", "/api/v1/findings")
    @api_endpoint
    def list_findings(self, request):
        query = read_query(request, FINDINGS_QUERY)
        return self.freshness.respond(request, lambda: self._findings_page(query))

    def _findings_page(self, query):
        filters = _filters(query)
        if query["cursor"]:
            published_at, finding_id = paging.decode_cursor(query["cursor"])
            filters["$or"] = [{"published_at_dt": {"$lt": published_at}},
                              {"published_at_dt": published_at, "_id": {"$lt": finding_id}}]
        found = list(documents.Finding._get_collection().find(filters, LIST_PROJECTION, sort=[("published_at_dt", -1), ("_id", -1)],
                                                              limit=query["limit"] + 1))
        page = [documents.Finding._from_son(raw) for raw in found[:query["limit"]]]
        more = len(found) > query["limit"]
        next_url = None
        if more:
            params = {k: v for k, v in query.items() if v not in (None, False) and k not in ("cursor", "limit")}
            params.update(limit=query["limit"], cursor=paging.encode_cursor(page[-1].published_at_dt, page[-1].finding_id))
            next_url = "/api/v1/findings?" + urlencode(params)
        return json_response({"items": [finding_view(f, full=False) for f in page], "next": next_url})

    @http("GET", "/api/v1/findings/<string:finding_id>")
    @api_endpoint
    def show_finding(self, request, finding_id):
        def render():
            finding = documents.Finding.objects(finding_id=finding_id).first()
            if finding is None:
                raise NotFound(f"No finding {finding_id}.")
            return json_response(finding_view(finding))

        return self.freshness.respond(request, render)

    # --- feeds and open data ----------------------------------------------------------------
    @http("GET", "/api/v1/feeds/findings.atom")
    @api_endpoint
    def atom_feed(self, request):
        query = read_query(request, FEED_QUERY)
        return self.freshness.respond(request, lambda: self._feed(request, query, "atom"))

    @http("GET", "/api/v1/feeds/findings.json")
    @api_endpoint
    def json_feed(self, request):
        query = read_query(request, FEED_QUERY)
        return self.freshness.respond(request, lambda: self._feed(request, query, "json"))

    def _feed(self, request, query, kind):
        latest = _latest_findings(query["member"], limit=FEED_ENTRIES)
        case_ids = [f.case_id for f in latest]
        versions = {}
        first_published = {}
        for raw in documents.Finding._get_collection().find({"case_id": {"$in": case_ids}}, {"case_id": 1, "version": 1, "published_at": 1},
                                                            sort=[("version", 1)]):
            first_published.setdefault(raw["case_id"], raw["published_at"])
            versions.setdefault(raw["case_id"], []).append(raw["_id"])
        items = feeds.entries([{**finding_view(f), "first_published_at": first_published[f.case_id]} for f in latest],
                              {case_id: ids[:-1] for case_id, ids in versions.items()})
        base = self._public_base_url()
        self_url = request.full_path.rstrip("?")
        if kind == "atom":
            updated = max((i["updated"] for i in items), default="1970-01-01T00:00:00.000Z")
            body = feeds.atom(f"urn:irm-review:feed:findings{':' + query['member'] if query['member'] else ''}", self_url, base, items, updated)
            return Response(body, mimetype="application/atom+xml", content_type="application/atom+xml; charset=utf-8")
        return Response(feeds.json_feed(self_url, base, items), content_type="application/feed+json; charset=utf-8")

    @http("GET", "/api/v1/open-data/commitments.csv")
    @api_endpoint
    def open_data_csv(self, request):
        return self.freshness.respond(request, lambda: Response(
            open_data.to_csv(open_data.rows(finding_view(f) for f in _latest_findings(in_force_only=True))),
            content_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="irm-commitments.csv"'}))

    @http("GET", "/api/v1/open-data/commitments.json")
    @api_endpoint
    def open_data_json(self, request):
        return self.freshness.respond(request, lambda: Response(
            open_data.to_json(open_data.rows(finding_view(f) for f in _latest_findings(in_force_only=True))), content_type="application/json"))

    @http("GET", "/api/v1/open-data/data-dictionary.json")
    @api_endpoint
    def data_dictionary(self, request):
        return json_response(open_data.data_dictionary(self._public_base_url()))

    @http("GET", "/api/v1/cases/<string:case_id>/audit")
    @api_endpoint
    def case_audit(self, request, case_id):
        finding, entries, verification, logged = self._logged_trail(case_id)
        return json_response({"case_id": case_id, "entries": [{**entry, "log_index": logged.get(entry["seq"])} for entry in entries],
                              "verification": verification.as_dict(),
                              "finding_url": f"/api/v1/findings/{finding.finding_id}" if finding else None})

    @http("GET", "/api/v1/cases/<string:case_id>/timeline")
    @api_endpoint
    def case_timeline(self, request, case_id):
        """Who did what, when and why: the case's entries in the order the transparency log holds them."""
        _, entries, _, logged = self._logged_trail(case_id)
        # Entries not yet appended (seconds old) come last, in chain order, with no log index.
        entries.sort(key=lambda e: (logged.get(e["seq"]) is None, logged.get(e["seq"], 0), e["seq"]))
        return json_response({"case_id": case_id, "audit_url": f"/api/v1/cases/{case_id}/audit", "events": [
            {"log_index": logged.get(e["seq"]), "seq": e["seq"], "when": e["occurred_at"], "who": e["actor"],
             "what": e["action"], "why": e["reason"], "details": e["data"], "service": e["service"], "entry_hash": e["hash"],
             **{key: e[key] for key in ("sealed", "withheld") if key in e}}
            for e in entries]})

    def _logged_trail(self, case_id):
        """The case's trail as the public reads it (disclosed: shared/disclosure.py), its
        verification, and {seq: log index} of its entries already in the log."""
        finding, entries, verification = trail.read(case_id)
        if not entries:
            raise NotFound(f"No audit trail for case {case_id}.")
        return finding, trail.disclosed(case_id, entries), verification, self.transparency.leaves_of_case(case_id)

    @http("GET", "/api/v1/openapi/publication.json")
    @api_endpoint
    def openapi_document(self, request):
        from services.publication import openapi  # here: it reads this module's schemas

        return json_response(openapi.document())

    # --- the transparency log -----------------------------------------------------------------
    @http("GET", "/api/v1/log/key")
    @api_endpoint
    def log_key(self, request):
        """The verifier key, for convenience: a verifier should get it from where it is published."""
        return Response(self.transparency.verifier_key + "\n", content_type="text/plain; charset=utf-8")

    @http("GET", "/api/v1/log/checkpoint")
    @api_endpoint
    def log_checkpoint(self, request):
        latest = self.transparency.latest_checkpoint()
        if latest is None:
            raise NotFound("The log has not signed a checkpoint yet.")
        return Response(latest.note, content_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @http("GET", "/api/v1/log/checkpoints")
    @api_endpoint
    def log_checkpoints(self, request):
        query = read_query(request, CheckpointsQuery())
        found = list(documents.LogCheckpoint.objects(size__gt=query["after"]).order_by("size").limit(query["limit"] + 1))
        page = found[:query["limit"]]
        return json_response({
            "origin": self.transparency.origin,
            "items": [{"size": c.size, "root": _b64(c.root), "signed_at": iso(c.signed_at), "note": c.note,
                       "url": f"/api/v1/log/checkpoints/{c.size}"} for c in page],
            "next": f"/api/v1/log/checkpoints?after={page[-1].size}&limit={query['limit']}" if len(found) > query["limit"] else None,
        })

    @http("GET", "/api/v1/log/checkpoints/<int:size>")
    @api_endpoint
    def log_checkpoint_at(self, request, size):
        checkpoint = documents.LogCheckpoint.objects(size=size).first()
        if checkpoint is None:
            raise NotFound(f"The log signed no checkpoint at size {size}.")
        return Response(checkpoint.note, content_type="text/plain; charset=utf-8", headers=IMMUTABLE)

    @http("GET", "/api/v1/log/proofs/inclusion")
    @api_endpoint
    def log_inclusion_proof(self, request):
        query = read_query(request, InclusionQuery())
        if query["index"] >= query["size"]:
            raise Unprocessable("The query has invalid parameters.", {"index": [f"Must be below size ({query['size']})."]})
        self._require_size(query["size"])
        leaf = documents.LogLeaf._get_collection().find_one({"_id": query["index"]})
        hashes = self.transparency.inclusion_proof(query["index"], query["size"])
        return json_response({"index": query["index"], "tree_size": query["size"], "leaf_hash": _b64(leaf["leaf_hash"]) if leaf else None,
                              "case_id": leaf and leaf["case_id"], "seq": leaf and leaf["seq"], "hashes": [_b64(h) for h in hashes]},
                             headers=IMMUTABLE)

    @http("GET", "/api/v1/log/proofs/consistency")
    @api_endpoint
    def log_consistency_proof(self, request):
        query = read_query(request, ConsistencyQuery())
        if query["old_size"] > query["new_size"]:
            raise Unprocessable("The query has invalid parameters.", {"from": [f"Must not be above to ({query['new_size']})."]})
        self._require_size(query["new_size"])
        hashes = self.transparency.consistency_proof(query["old_size"], query["new_size"])
        return json_response({"from": query["old_size"], "to": query["new_size"], "hashes": [_b64(h) for h in hashes]},
                             headers=IMMUTABLE)

    @http("GET", "/api/v1/log/entries")
    @api_endpoint
    def log_entries(self, request):
        """The log's leaves in order, each with its audit entry: what a monitor replays."""
        query = read_query(request, LogRangeQuery())
        size, _ = self.transparency.state()
        end = min(size, query["start"] + query["limit"])
        leaves = list(documents.LogLeaf._get_collection().find({"_id": {"$gte": query["start"], "$lt": end}}, sort=[("_id", 1)]))
        entries = trail.disclosed_entries_for([(leaf["case_id"], leaf["seq"]) for leaf in leaves])
        items = []
        for leaf in leaves:
            entry = entries.get((leaf["case_id"], leaf["seq"]))
            items.append({"index": leaf["_id"], "leaf_hash": _b64(leaf["leaf_hash"]), "entry": entry,
                          "leaf_data": log_leaf(entry).decode() if entry else None})
        return json_response({"tree_size": size, "items": items,
                              "next": f"/api/v1/log/entries?start={end}&limit={query['limit']}" if end < size else None})

    def _public_base_url(self) -> str:
        # Never the request's Host or X-Forwarded-Host: these bodies are cached as public.
        return edge.public_base_url(settings.value(self.config, "PUBLIC_BASE_URL"))

    def _require_size(self, size):
        current, _ = self.transparency.state()
        if size > current:
            raise NotFound(f"The log has {current} entries: no tree of size {size} yet.")


IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


FEED_ENTRIES = 100
# A list shows summaries: the commitments and comments stay in the database. The fields are
# named (inclusion) rather than the big ones excluded: SecantusDB deep-copies each returned
# document whole before dropping excluded fields (bench/FINDINGS.md). Keep this in step with
# what finding_view(full=False) reads: a field missing here reads as its default.
LIST_PROJECTION = {field: 1 for field in ("case_id", "version", "member", "cycle", "plan_number", "languages", "summary",
                                          "published_at", "published_at_dt", "status", "withdrawn_reason",
                                          "supersedes", "superseded_by")}


def _filters(query) -> dict:
    filters = {} if query["all_versions"] else {"superseded_by": None}
    if query["status"]:
        filters["status"] = query["status"]
    for field, key in (("member_code", "member"), ("member.kind", "kind"), ("cycle", "cycle"), ("languages", "language")):
        if query[key]:
            filters[field] = query[key]
    for indicator in INDICATOR_FILTERS:
        if query[indicator]:
            filters[f"commitments.ratings.{indicator}.value"] = query[indicator]
    return filters


def _latest_findings(member=None, limit=0, in_force_only=False):
    """Each case's latest version; `in_force_only` leaves out withdrawn findings (open data does)."""
    filters = {"superseded_by": None, **({"member_code": member} if member else {})}
    if in_force_only:
        filters["status"] = {"$ne": "withdrawn"}
    return documents.Finding.objects(__raw__=filters).order_by("-published_at_dt").limit(limit)


