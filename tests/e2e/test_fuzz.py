"""Schemathesis against every OpenAPI document the stack serves, through the gateway, as a PoC,
an expert, a quality reviewer, an admin and with no token: no server error, every status code
documented, every content type and body as documented.

Bounded for CI: FUZZ_EXAMPLES (default 4) examples per operation, derandomized (the same
requests every run), no shrinking, and FUZZ_SECONDS (default 240) of wall clock from the first
example: once spent, each operation still gets its first example and no more (tests/e2e/fuzz_budget.py),
and the run prints which operations ran fewer. A bigger run: FUZZ_EXAMPLES=200 FUZZ_SHRINK=1
FUZZ_SECONDS=3600 (see README).
"""
import os
import uuid
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from cli import operations
from devtools import sample
from services.accounts import openapi as accounts_openapi
from services.intake import openapi as intake_openapi
from services.publication import openapi as publication_openapi
from services.review import openapi as review_openapi
from shared.openapi import API_SERVICES, MERGED_PATH, document_path
from tests.e2e.fuzz_budget import REPORT, FuzzBudget
from tests.e2e.stacks import fast_stack

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
BUDGET = FuzzBudget(float(os.environ.get("FUZZ_SECONDS", "240")))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []),
)


@pytest.fixture(scope="module")
def stack(mongodb_server, stack_amqp_uri, tmp_path_factory):
    with fast_stack(mongodb_server, stack_amqp_uri, tmp_path_factory, "fuzz") as running:
        yield running


@pytest.fixture(scope="module")
def seeded(stack):
    """One case taken through every stage to a published finding (members, experts, comments,
    log checkpoints), and a token for each role: the fuzzer then reaches real records."""
    result = sample.run_demo(stack.base_url, stack.mongodb_uri, say=lambda *_: None)
    operations.connect(stack.mongodb_uri)
    tag = uuid.uuid4().hex[:6]
    principals = {
        "poc": operations.issue_token("poc", f"fuzz-poc-{tag}", member_code="TN"),
        "expert": operations.issue_token("expert", result["expert_id"]),
        "quality_reviewer": operations.issue_token("quality_reviewer", f"fuzz-iep-{tag}"),
        "admin": operations.issue_token("admin", f"fuzz-admin-{tag}"),
        "anonymous": None,
    }
    known = {"case_id": result["case_id"], "finding_id": result["finding"]["id"], "commitment_id": "TN0501",
             "self_assessment_id": result["self_assessment_id"], "expert_id": result["expert_id"], "member": "TN",
             "plan_number": 5, "size": 1}
    return {"principals": principals, "known": known, "base_url": stack.base_url}


@pytest.fixture(scope="module", autouse=True)
def coverage_report(request):
    """After the module: what the fuzzing covered, and what the budget cut short, in the run's summary."""
    yield
    request.config.stash[REPORT] = BUDGET.report()


def exercise(case, seeded):
    """Send one generated request as each principal. Every other request names the seeded
    records instead of the generated ids (chosen by a hash of the request: deterministic),
    so the fuzzer also meets real cases, findings and experts. Once FUZZ_SECONDS is spent, an
    operation that had its first example sends no more (BUDGET says which)."""
    if not BUDGET.admit(case.operation.label):
        return
    if case.path_parameters and zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2 == 0:
        for name in case.path_parameters:
            if name in seeded["known"]:
                case.path_parameters[name] = seeded["known"][name]
    for role, token in seeded["principals"].items():
        headers = {key: value for key, value in (case.headers or {}).items() if key.lower() != "authorization"}
        case.headers = headers
        extra = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(base_url=seeded["base_url"], headers=extra, checks=CHECKS, timeout=30)


# The documents as the services build them (test_openapi.py checks each service serves exactly
# this, and test_the_gateway_serves_the_documents_merged the gateway's merge). Loaded here, not
# from the running stack: schemathesis' lazy `from_fixture` does not run under pytest 9
# (it reads the removed `Function._nodeid`).
intake = schemathesis.openapi.from_dict(intake_openapi.document())
review = schemathesis.openapi.from_dict(review_openapi.document())
publication = schemathesis.openapi.from_dict(publication_openapi.document())
accounts = schemathesis.openapi.from_dict(accounts_openapi.document())


@intake.parametrize()
@FUZZ_SETTINGS
def test_intake_api(case, seeded):
    exercise(case, seeded)


@review.parametrize()
@FUZZ_SETTINGS
def test_review_api(case, seeded):
    exercise(case, seeded)


@publication.parametrize()
@FUZZ_SETTINGS
def test_publication_api(case, seeded):
    exercise(case, seeded)


@accounts.parametrize()
@FUZZ_SETTINGS
def test_accounts_api(case, seeded):
    exercise(case, seeded)


def test_the_gateway_serves_the_documents_merged(stack):
    import requests
    from openapi_spec_validator import validate

    merged = requests.get(stack.base_url + MERGED_PATH, timeout=20).json()
    validate(merged)
    parts = [requests.get(stack.base_url + document_path(s), timeout=20).json() for s in API_SERVICES]
    assert set(merged["paths"]) == {path for part in parts for path in part["paths"]} | {MERGED_PATH}
    assert "/api/v1/self-assessments" in merged["paths"] and "/api/v1/log/entries" in merged["paths"]
    assert "/api/v1/sessions" in merged["paths"]
