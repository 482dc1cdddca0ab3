"""shared/access.py, the one authorization rule, directly; and README's roles and "who" against
the hand-written table of tests/authorization_table.py (which the integration test checks the
running services against)."""
import re
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.accounts.service import AccountsService
from services.intake.service import IntakeService
from services.publication.service import PublicationService
from services.review.domain import workflow
from services.review.service import ReviewService
from shared import access
from shared.auth import Principal
from shared.irm import ROLES as IRM_ROLES
from tests.authorization_table import ENDPOINTS, OK, ROLES, STAGES, endpoint, roles_table, who

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

POC, OTHER_POC = Principal("poc-tn", "poc", "TN"), Principal("poc-ma", "poc", "MA")
EXPERT, PAST, STRANGER = Principal("exp-a", "expert"), Principal("exp-c", "expert"), Principal("exp-b", "expert")
REVIEWER, ADMIN = Principal("iep-1", "quality_reviewer"), Principal("admin", "admin")


def case(status="in_review", reviewer_id=None, expert_id="exp-a"):
    return access.CaseFacts(member_code="TN", status=status, expert_id=expert_id, past_experts=("exp-c",), reviewer_id=reviewer_id)


def test_the_wrong_role_is_forbidden_before_any_object_is_looked_at():
    assert access.decide(POC, "read_case") == access.FORBIDDEN
    assert access.decide(REVIEWER, "expert_work", case()) == access.FORBIDDEN
    assert access.decide(EXPERT, "manage_experts") == access.FORBIDDEN


def test_an_expert_sees_only_the_case_assigned_to_them_and_a_past_expert_only_a_summary():
    for operation in ("read_case", "read_draft", "expert_work", "list_cases"):
        assert access.decide(EXPERT, operation, case()) == access.ALLOWED
        assert access.decide(STRANGER, operation, case()) == access.NOT_FOUND
    assert access.decide(PAST, "list_cases", case()) == access.ALLOWED
    assert not access.sees_case_content(PAST, case())
    for operation in ("read_case", "read_draft", "expert_work"):
        assert access.decide(PAST, operation, case()) == access.NOT_FOUND


def test_a_poc_sees_its_members_draft_only_from_government_review_on():
    for status in workflow.STATES:
        expected = access.ALLOWED if status in ("government_review", "public_comment", "approved") else access.NOT_FOUND
        assert access.decide(POC, "read_draft", case(status)) == expected
        assert access.decide(OTHER_POC, "read_draft", case(status)) == access.NOT_FOUND
    assert set(access.GOVERNMENT_DRAFT_STAGES) <= set(workflow.STATES)


def test_a_quality_reviewer_sees_cases_in_or_past_quality_review_and_never_decides_on_their_own():
    assert access.decide(REVIEWER, "read_case", case("in_review")) == access.NOT_FOUND
    assert access.decide(REVIEWER, "read_case", case("quality_review")) == access.ALLOWED
    assert access.decide(REVIEWER, "read_case", case("in_review", reviewer_id="iep-2")) == access.ALLOWED  # returned
    assert access.decide(REVIEWER, "quality_decision", case("quality_review", expert_id="iep-1")) == access.FORBIDDEN
    # Their own draft (they are its expert): never in their queue, never theirs to read or decide as a reviewer.
    own = case("quality_review", expert_id="iep-1")
    assert access.decide(REVIEWER, "list_cases", own) == access.NOT_FOUND
    for operation in ("read_case", "read_draft", "quality_decision"):
        assert access.decide(REVIEWER, operation, own) == access.FORBIDDEN
        assert access.forbidden_reason(REVIEWER, operation, own) == access.NEVER_OWN_WORK
    assert access.QUALITY_REVIEW_STAGE in workflow.STATES


def test_what_a_member_owns():
    assert access.decide(POC, "read_evidence", access.Member("TN")) == access.ALLOWED
    assert access.decide(OTHER_POC, "read_evidence", access.Member("TN")) == access.NOT_FOUND  # found by id
    assert access.decide(OTHER_POC, "import_commitments", access.Member("TN")) == access.FORBIDDEN  # named by the caller
    assert access.decide(EXPERT, "read_commitments", access.Member("TN")) == access.ALLOWED
    assert all(access.decide(ADMIN, op, case()) == access.ALLOWED for op, roles in access.OPERATIONS.items()
               if "admin" in roles and op not in access.SESSION_ONLY)


def test_what_only_a_signed_in_person_may_do_no_bearer_token_may():
    signed_in = Principal("per_1", "poc", "TN", person_id="per_1", by_session=True)
    token = Principal("per_1", "poc", "TN", person_id="per_1")  # the same person's personal token
    for operation in access.SESSION_ONLY:
        assert access.decide(signed_in, operation) == access.ALLOWED
        assert access.decide(token, operation) == access.FORBIDDEN
        assert access.decide(ADMIN, operation) == access.FORBIDDEN
        assert access.forbidden_reason(token, operation) == access.SESSION_ONLY_REASON
    assert access.decide(token, "read_own_account") == access.ALLOWED
    assert access.decide(signed_in, "invite_people") == access.FORBIDDEN


def _routes(service):
    for name in dir(service):
        for extension in getattr(getattr(service, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if hasattr(extension, "url") and hasattr(extension, "method"):
                yield extension.method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", extension.url)


@pytest.mark.parametrize("service, cls", [("intake", IntakeService), ("review", ReviewService),
                                          ("publication", PublicationService), ("accounts", AccountsService)])
def test_the_table_lists_every_route_of_every_service(service, cls):
    def shape(path):
        return re.sub(r"\{\w+\}", "{}", path)

    routes = {(m, shape(p)) for m, p in _routes(cls) if not p.startswith("/health/")}
    table = {(e["method"], shape(e["path"])) for e in ENDPOINTS if e["service"] == service}
    assert routes == table


def _readme_rows(heading):
    section = README.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_readme_roles_table_is_the_tables():
    assert "\n".join(_readme_rows("Roles")) == roles_table()


def _allows(cell) -> bool:
    return cell == OK or (isinstance(cell, dict) and OK in cell.values())


def test_each_role_may_what_the_grid_allows():
    """Every fact of README's Roles table is borne out by the grid: the role may call each endpoint the fact
    names, and the caller it sets apart (another member's poc, an unassigned or past expert) may call none of
    its own ones."""
    assert tuple(role for role, *_ in ROLES) == IRM_ROLES
    for role, _, _, facts in ROLES:
        for one in facts:
            for method, path in one["endpoints"]:
                assert _allows(endpoint(method, path)["answers"][one["caller"]]), (role, one["words"], method, path)
            for other in one["not_for"]:
                for method, path in one["own"]:
                    assert not _allows(endpoint(method, path)["answers"][other]), (role, one["words"], other, method, path)


# The grid's stages as the facts shared/access.py sees: `returned` is back in review after a quality decision,
# and every stage after quality review has had one (reviewer_id is set).
STAGE_FACTS = {"in_review": ("in_review", None), "returned": ("in_review", "iep-2"),
               "quality_review": ("quality_review", None), "government_review": ("government_review", "iep-2"),
               "public_comment": ("public_comment", "iep-2"), "published": ("approved", "iep-2")}


@pytest.mark.parametrize("principal, operation, method, path, caller", [
    (REVIEWER, "read_case", "GET", "/api/v1/cases/{id}", "quality_reviewer"),       # "in or past quality review"
    (REVIEWER, "quality_decision", "POST", "/api/v1/cases/{id}/quality-decision", "quality_reviewer"),
    (REVIEWER, "read_draft", "GET", "/api/v1/cases/{id}/draft", "quality_reviewer"),
    (POC, "read_draft", "GET", "/api/v1/cases/{id}/draft", "member_poc"),           # "from government review on"
    (OTHER_POC, "read_draft", "GET", "/api/v1/cases/{id}/draft", "other_poc"),
    (EXPERT, "read_case", "GET", "/api/v1/cases/{id}", "assigned_expert"),
    (STRANGER, "read_case", "GET", "/api/v1/cases/{id}", "unassigned_expert"),
    (PAST, "read_case", "GET", "/api/v1/cases/{id}", "past_expert"),
])
def test_the_grids_stages_are_the_stages_access_allows(principal, operation, method, path, caller):
    """The stages the Roles table names (from the grid) are those in which shared/access.py allows."""
    cell = endpoint(method, path)["answers"][caller]
    for stage in STAGES:
        status, reviewer_id = STAGE_FACTS[stage]
        expected = cell[stage] if isinstance(cell, dict) else cell
        allowed = access.decide(principal, operation, case(status, reviewer_id=reviewer_id)) == access.ALLOWED
        assert allowed == (expected == OK), (stage, expected)


def test_readme_says_who_as_the_table_does():
    def shape(path):
        return re.sub(r"\{\w+\}", "{}", path.split("?")[0].split("[")[0])

    said = {}
    for line in _readme_rows("Endpoints (all under one base URL)")[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        methods = None
        for span in re.findall(r"`([^`]+)`", cells[0]):
            if span.startswith("?"):
                continue  # the query of the previous path
            if not span.startswith("/"):  # a path without a method has the previous one's
                methods, _, span = span.partition(" ")
            path = span
            for method in methods.split("/"):
                said[(method, shape(path))] = cells[1]
    for endpoint in ENDPOINTS:
        key = (endpoint["method"], shape(endpoint["path"]))
        assert key in said, f"README does not list {key}"
        assert said[key] == who(endpoint), key


def test_a_quality_reviewer_bound_to_their_registry_entry_is_known_as_its_expert():
    from shared.auth import person_subject

    assert person_subject("quality_reviewer", "per_1", "exp-a") == "exp-a"  # their own drafts are known
    assert person_subject("quality_reviewer", "per_1") == "per_1"
    assert person_subject("expert", "per_2", "exp-b") == "exp-b"
    assert person_subject("admin", "per_3", "exp-c") == "per_3"
    reviewer = Principal(person_subject("quality_reviewer", "per_1", "exp-a"), "quality_reviewer")
    assert access.decide(reviewer, "quality_decision", case("quality_review", expert_id="exp-a")) == access.FORBIDDEN
    assert access.decide(reviewer, "quality_decision", case("quality_review", expert_id="exp-b")) == access.ALLOWED
