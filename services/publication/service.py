"""publication: publishes approved findings and serves the public. No token needed here.

GET /api/v1/findings            ?member=&kind=&cycle=&language=&<indicator>=<value>&limit=&cursor=
GET /api/v1/findings/{id}       (ETag/Last-Modified everywhere; 304 on If-None-Match without a database read)
POST /api/v1/findings/{id}/withdraw   {"reason"}: quality reviewers and admins (a new, withdrawn version)
GET /api/v1/feeds/findings.atom, /api/v1/feeds/findings.json   ?member=
GET /api/v1/open-data/commitments.csv, .json, /api/v1/open-data/data-dictionary.json
GET /api/v1/cases/{id}/audit    the case's decisions in order, and their verification
GET /api/v1/cases/{id}/timeline the same decisions as the transparency log holds them
GET /api/v1/corrections         ?limit=&cursor=: findings withdrawn and cases reopened for correction, newest first
GET /api/v1/log/key, /api/v1/log/checkpoint, /api/v1/log/checkpoints[/{size}]   the transparency log
GET /api/v1/log/proofs/inclusion?index=&size=, /api/v1/log/proofs/consistency?from=&to=
GET /api/v1/log/entries?start=&limit=                                            the log's leaves in order
GET /health
"""
from urllib.parse import urlencode

from nameko.dependency_providers import Config
from nameko.timer import timer
from shared.webserver import http
from werkzeug.wrappers import Response

from services.publication import documents, feeds, handlers, open_data, queries, schemas, trail, views
from services.publication import metrics as publication_metrics
from services.publication.freshness import Freshness
from services.publication.open_data_files import OpenDataFiles
from services.publication.positions import FindingPositions
from services.publication.public_feed import PublicFeed, public_message
from services.publication.transparency_log import TransparencyLog
from shared.clock import utcnow
from shared.contracts.events import FINDING_PUBLISHED, REVIEW_APPROVED
from shared.audit import log_leaf
from shared.http import NotFound, Unprocessable, api_endpoint, json_response, read_json, read_query
from shared import edge, service_shell, settings
from shared.service_shell import Auth, Store, consumes


class PublicationService(service_shell.ServiceShell):
    name = "publication"

    store = Store(documents=documents.ALL)
    metric_gauges = (publication_metrics.gauges,)  # scraped at /metrics (shared/metrics.py)
    freshness = Freshness()
    open_data_files = OpenDataFiles()  # open data rendered once per content into a file, downloads streamed from it
    positions = FindingPositions()  # numbers findings stored before positions existed, at start
    transparency = TransparencyLog()
    public_feed = PublicFeed()
    auth = Auth()
    config = Config()

    @consumes(REVIEW_APPROVED)
    def on_review_approved(self, event, uow):
        handlers.publish(uow, event.payload, event.correlation_id, utcnow())

    @http("POST", "/api/v1/findings/<string:finding_id>/withdraw")
    @api_endpoint
    def withdraw_finding(self, request, finding_id):
        """Withdraw the latest version of a finding: a new version, marked withdrawn, with the reason."""
        principal = self.auth.caller(request, "withdraw_finding")
        body = read_json(request, schemas.WithdrawalBody())
        withdrawn = self.store.run(lambda uow: handlers.withdraw(uow, principal, finding_id, body["reason"],
                                                                 request.correlation_id, utcnow()))
        self.freshness.refresh()
        return json_response(views.finding_view(withdrawn), status=201, headers={"Location": f"/api/v1/findings/{withdrawn.finding_id}"})

    @consumes(FINDING_PUBLISHED)
    def announce_publicly(self, event, uow):
        """Announce a committed finding version on the public live feed (irm.public)."""
        finding = uow.get(documents.Finding, {"_id": event.payload["finding_id"]})
        self.public_feed.announce(public_message(views.finding_view(finding, full=False), finding.status, finding.withdrawn_reason))

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
        query = read_query(request, schemas.FINDINGS_QUERY)
        return self.freshness.respond(request, lambda: self._findings_page(query))

    def _findings_page(self, query):
        found = queries.findings_list(query)
        next_url = "/api/v1/findings?" + urlencode(found["next"]) if found["next"] else None
        return json_response({"items": found["items"], "next": next_url})

    @http("GET", "/api/v1/findings/<string:finding_id>")
    @api_endpoint
    def show_finding(self, request, finding_id):
        def render():
            finding = queries.finding(finding_id)
            if finding is None:
                raise NotFound(f"No finding {finding_id}.")
            return json_response(views.finding_view(finding))

        return self.freshness.respond(request, render)

    # --- feeds and open data ----------------------------------------------------------------
    @http("GET", "/api/v1/feeds/findings.atom")
    @api_endpoint
    def atom_feed(self, request):
        query = read_query(request, schemas.FEED_QUERY)
        return self.freshness.respond(request, lambda: self._feed(request, query, "atom"))

    @http("GET", "/api/v1/feeds/findings.json")
    @api_endpoint
    def json_feed(self, request):
        query = read_query(request, schemas.FEED_QUERY)
        return self.freshness.respond(request, lambda: self._feed(request, query, "json"))

    def _feed(self, request, query, kind):
        latest = queries.current_findings(query["member"])
        versions, first_published = queries.versions_of([f.case_id for f in latest])
        items = feeds.entries([{**views.finding_view(f, full=False), "first_published_at": first_published[f.case_id]} for f in latest],
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
        return self.open_data_files.respond(request, "csv", self.freshness.current())

    @http("GET", "/api/v1/open-data/commitments.json")
    @api_endpoint
    def open_data_json(self, request):
        return self.open_data_files.respond(request, "json", self.freshness.current())

    @http("GET", "/api/v1/open-data/data-dictionary.json")
    @api_endpoint
    def data_dictionary(self, request):
        return json_response(open_data.data_dictionary(self._public_base_url()))

    @http("GET", "/api/v1/cases/<string:case_id>/audit")
    @api_endpoint
    def case_audit(self, request, case_id):
        found = trail.logged(case_id)
        if found is None:
            raise NotFound(f"No audit trail for case {case_id}.")
        finding, entries, verification, logged = found
        return json_response({"case_id": case_id, "entries": [{**entry, "log_index": logged.get(entry["seq"])} for entry in entries],
                              "verification": verification.as_dict(),
                              "finding_url": f"/api/v1/findings/{finding.finding_id}" if finding else None})

    @http("GET", "/api/v1/cases/<string:case_id>/timeline")
    @api_endpoint
    def case_timeline(self, request, case_id):
        """Who did what, when and why: the case's entries in the order the transparency log holds them."""
        timeline = trail.timeline(case_id)
        if timeline is None:
            raise NotFound(f"No audit trail for case {case_id}.")
        return json_response(timeline)

    @http("GET", "/api/v1/corrections")
    @api_endpoint
    def corrections(self, request):
        """Findings withdrawn and cases reopened for correction across every case, newest first, with who, when and why."""
        query = read_query(request, schemas.CorrectionsQuery())
        return json_response(trail.corrections(query["cursor"], query["limit"]))

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
        query = read_query(request, schemas.CheckpointsQuery())
        found = queries.checkpoints_after(query["after"], query["limit"] + 1)
        page = found[:query["limit"]]
        return json_response({
            "origin": self.transparency.origin,
            "items": [views.checkpoint_item(c) for c in page],
            "next": f"/api/v1/log/checkpoints?after={page[-1].size}&limit={query['limit']}" if len(found) > query["limit"] else None,
        })

    @http("GET", "/api/v1/log/checkpoints/<int:size>")
    @api_endpoint
    def log_checkpoint_at(self, request, size):
        checkpoint = queries.checkpoint_at(size)
        if checkpoint is None:
            raise NotFound(f"The log signed no checkpoint at size {size}.")
        return Response(checkpoint.note, content_type="text/plain; charset=utf-8", headers=views.IMMUTABLE)

    @http("GET", "/api/v1/log/proofs/inclusion")
    @api_endpoint
    def log_inclusion_proof(self, request):
        query = read_query(request, schemas.InclusionQuery())
        if query["index"] >= query["size"]:
            raise Unprocessable("The query has invalid parameters.", {"index": [f"Must be below size ({query['size']})."]})
        self._require_size(query["size"])
        leaf = queries.leaf(query["index"])
        hashes = self.transparency.inclusion_proof(query["index"], query["size"])
        return json_response({"index": query["index"], "tree_size": query["size"], "leaf_hash": views.b64(leaf["leaf_hash"]) if leaf else None,
                              "case_id": leaf and leaf["case_id"], "seq": leaf and leaf["seq"], "hashes": [views.b64(h) for h in hashes]},
                             headers=views.IMMUTABLE)

    @http("GET", "/api/v1/log/proofs/consistency")
    @api_endpoint
    def log_consistency_proof(self, request):
        query = read_query(request, schemas.ConsistencyQuery())
        if query["old_size"] > query["new_size"]:
            raise Unprocessable("The query has invalid parameters.", {"from": [f"Must not be above to ({query['new_size']})."]})
        self._require_size(query["new_size"])
        hashes = self.transparency.consistency_proof(query["old_size"], query["new_size"])
        return json_response({"from": query["old_size"], "to": query["new_size"], "hashes": [views.b64(h) for h in hashes]},
                             headers=views.IMMUTABLE)

    @http("GET", "/api/v1/log/entries")
    @api_endpoint
    def log_entries(self, request):
        """The log's leaves in order, each with its audit entry: what a monitor replays."""
        query = read_query(request, schemas.LogRangeQuery())
        size, _ = self.transparency.state()
        end = min(size, query["start"] + query["limit"])
        leaves = queries.leaves(query["start"], end)
        entries = trail.disclosed_entries_for([(leaf["case_id"], leaf["seq"]) for leaf in leaves])
        items = []
        for leaf in leaves:
            entry = entries.get((leaf["case_id"], leaf["seq"]))
            items.append({"index": leaf["_id"], "leaf_hash": views.b64(leaf["leaf_hash"]), "entry": entry,
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
