import pytest

from devtools import sample
from services.gateway.app import route
from services.intake.domain import case_status as intake_status
from services.intake.domain import submission as intake_submission
from services.publication.domain import finding as publication_domain
from shared import auth


def test_tokens_are_random_and_stored_as_digests():
    first, second = auth.new_token(), auth.new_token()
    assert first != second and first.startswith("irm_") and len(first) > 40
    assert auth.token_digest(first) != first and len(auth.token_digest(first)) == 64


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_missing_or_odd_authorization_is_unauthorized(header):
    with pytest.raises(auth.Unauthorized):
        auth.bearer_token(header)


def test_roles_are_enforced():
    principal = auth.Principal("poc-tn", "poc", "TN")
    assert auth.require_role(principal, "poc", "admin") is principal
    with pytest.raises(auth.Forbidden):
        auth.require_role(principal, "expert")


@pytest.mark.parametrize("path, service", [
    ("/api/v1/self-assessments", "intake"), ("/api/v1/self-assessments/sa_1", "intake"),
    ("/api/v1/findings", "publication"), ("/api/v1/findings/fnd_1", "publication"),
    ("/api/v1/cases/case_1/audit", "publication"), ("/api/v1/cases", "review"),
    ("/api/v1/cases/case_1", "review"), ("/api/v1/cases/case_1/ratings/TN0501", "review"),
    ("/api/v1/cases/case_1/submit", "review"), ("/api/v1/other", None), ("/api/v1/findingsX", None),
    ("/api/v1/evidence", "intake"), ("/api/v1/action-plans/TN/5/commitments", "intake"), ("/api/v1/evidence/65a1b2c3d4e5f60718293a4b", "intake"), ("/api/v1/openapi/intake.json", "intake"),
    ("/api/v1/openapi/review.json", "review"), ("/api/v1/openapi/publication.json", "publication"),
])
def test_gateway_routes_each_path_to_its_owner(path, service):
    assert route(path) == service


def test_submission_languages_and_status_ordering():
    assert intake_submission.submission_languages(sample.SELF_ASSESSMENT) == ["ar", "fr", "en"]
    assert intake_status.status_update("2026-01-01T00:00:01.000Z", "review.assigned", "2026-01-01T00:00:02.000Z") == "assigned"
    assert intake_status.status_update("2026-01-01T00:00:03.000Z", "review.assigned", "2026-01-01T00:00:02.000Z") is None


def test_judgements_follow_the_irm_definitions():
    starred = publication_domain.judgements(sample.RATINGS["TN0501"])
    assert starred == {"reviewable": True, "relevant_to_open_government": True, "promising": True,
                       "high_completion": True, "strong_early_results": True, "starred": True}
    assert publication_domain.judgements(sample.RATINGS["TN0502"])["starred"] is False
    assert not any(publication_domain.judgements(sample.RATINGS["TN0503"]).values())


def test_merged_openapi_document_joins_the_services_and_refuses_conflicts():
    from openapi_spec_validator import validate

    from shared.openapi import ApiDocument, MERGED_PATH, merge

    def one(service, path, schema):
        api = ApiDocument(service, service)
        api.operation("get", path, summary=path, responses={"200": ("ok", {"application/json": {"schema": schema}})})
        return api.to_dict()

    first, second = one("a", "/api/v1/a", {"type": "string"}), one("b", "/api/v1/b", {"type": "integer"})
    merged = merge([first, second])
    validate(merged)
    assert set(merged["paths"]) == {"/api/v1/a", "/api/v1/b", "/api/v1/openapi/a.json", "/api/v1/openapi/b.json", MERGED_PATH}
    assert [tag["name"] for tag in merged["tags"]] == ["a", "b"]
    with pytest.raises(ValueError, match="GET /api/v1/a"):
        merge([first, one("b", "/api/v1/a", {"type": "integer"})])
    clash = one("b", "/api/v1/b", {"type": "integer"})
    clash["components"]["schemas"]["Error"] = {"type": "string"}
    with pytest.raises(ValueError, match="schemas/Error"):
        merge([first, clash])


def test_the_services_own_openapi_documents_merge_as_the_gateway_serves_them():
    """No two services name a component alike with different content, nor describe one path and method."""
    from openapi_spec_validator import validate

    from services.accounts import openapi as accounts_openapi
    from services.intake import openapi as intake_openapi
    from services.publication import openapi as publication_openapi
    from services.review import openapi as review_openapi
    from shared.openapi import merge

    documents = [module.document() for module in (intake_openapi, review_openapi, publication_openapi, accounts_openapi)]
    merged = merge(documents)
    validate(merged)
    assert {path for document in documents for path in document["paths"]} < set(merged["paths"])


def test_intake_can_show_every_stage_a_review_rests_in():
    """Each state a case can rest in has an event that makes intake show it. Not needed:
    `submitted` (intake's own submission) and `declined` (left in the same transaction, for
    `assigned` or `unassigned`)."""
    from services.review.domain import workflow
    from shared.contracts.events import CONTRACTS

    shown = set(intake_status.STATUS_AFTER.values())
    assert set(workflow.STATES) - {"submitted", "declined"} <= shown
    for event_type in intake_status.STATUS_AFTER:
        assert event_type in CONTRACTS


def test_a_database_name_replaces_the_one_the_uri_names():
    from shared.persistence.mongo import database_name, with_database

    uri = with_database("mongodb://a:1,b:2/irm?replicaSet=rs0&retryWrites=false", "irm_other")
    assert uri == "mongodb://a:1,b:2/irm_other?replicaSet=rs0&retryWrites=false" and database_name(uri) == "irm_other"
    assert with_database("mongodb://127.0.0.1:27017", "irm") == "mongodb://127.0.0.1:27017/irm"


def test_a_resubmission_without_a_co_creation_report_has_not_changed_it():
    """Stored as {} (the document's default), sent again as null: the same absence of a report."""
    body = {"commitments": [], "co_creation": None}
    assert intake_submission.changes_since({"commitments": [], "co_creation": {}}, body)["co_creation_changed"] is False
    assert intake_submission.changes_since({"commitments": [], "co_creation": {}}, {**body, "co_creation": {"x": 1}})[
        "co_creation_changed"] is True
