"""The services' HTTP edge, in-process on the real broker and database: inputs no schema
expected, errors outside any route, links in cached public bodies, security headers.

The gateway's own edge (body limits, chunked bodies, forwarded headers) runs as a process in
tests/e2e/test_gateway_edge.py."""
import copy
import json

import pytest
import requests

from cli import operations
from devtools import sample
from services.intake.service import IntakeService
from services.publication.service import PublicationService
from services.review.service import ReviewService
from shared.persistence.documents import AuditEntry

pytestmark = pytest.mark.integration

ABOVE_INT64 = "18576520403319783424"  # > 2**63: MongoDB cannot hold it


def assert_json_error(answer, status):
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    assert answer.headers["Content-Type"].startswith("application/json"), answer.headers
    error = answer.json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.fixture
def intake(start_service, db):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    return start_service(IntakeService)


@pytest.fixture
def publication(start_service):
    return start_service(PublicationService)


@pytest.fixture
def poc():
    return {"Authorization": f"Bearer {operations.issue_token('poc', 'poc-tn', member_code='TN')}"}


def post_raw(base, path, raw: bytes, headers=None):
    return requests.post(f"{base}{path}", data=raw, timeout=20,
                         headers={"Content-Type": "application/json", **(headers or {})})


# --- item: input classes that answered 500 ---------------------------------------------------
@pytest.mark.parametrize("raw, status", [
    (b"[" * 10_000 + b"]" * 10_000, 400),                    # RecursionError in json.loads
    (b'{"member": ' + b"[" * 200 + b"]" * 200 + b"}", 400),   # parses, but deeper than any schema
    (b'{"member": ' + b"9" * 5000 + b"}", 422),               # over Python's int max str digits
    (b'{"member": 1e999}', 422),                              # a float that parses to infinity
    (b'{"member": NaN}', 400), (b'{"member": -Infinity}', 400),
])
def test_hostile_json_is_a_4xx_json_error_and_nothing_is_stored(intake, poc, raw, status):
    error = assert_json_error(post_raw(intake, "/api/v1/self-assessments", raw, poc), status)
    if status == 422:
        assert list(error["fields"]) == ["member"]
    assert AuditEntry.objects.count() == 0


def test_an_integer_beyond_64_bits_in_a_body_is_a_field_error(intake, poc):
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    body["action_plan"]["plan_number"] = int(ABOVE_INT64)
    error = assert_json_error(post_raw(intake, "/api/v1/self-assessments", json.dumps(body).encode(), poc), 422)
    assert "action_plan.plan_number" in error["fields"]


def test_deep_json_needs_no_token_to_be_refused_cleanly(start_service, db):
    base = start_service(ReviewService)
    answer = post_raw(base, "/api/v1/cases/case_x/public-comments", b"[" * 10_000 + b"]" * 10_000)
    assert answer.status_code < 500 and answer.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("path", [
    f"/api/v1/log/checkpoints/{ABOVE_INT64}",
    f"/api/v1/log/checkpoints?after={ABOVE_INT64}",
    f"/api/v1/log/entries?start={ABOVE_INT64}",
    f"/api/v1/log/entries?start=-{ABOVE_INT64}",
    f"/api/v1/log/proofs/inclusion?index=0&size={ABOVE_INT64}",
    f"/api/v1/log/checkpoints?after={'9' * 5000}",
])
def test_integers_beyond_what_mongodb_holds_are_refused_in_paths_and_queries(publication, path):
    answer = requests.get(f"{publication}{path}", timeout=10)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:200])
    assert_json_error(answer, answer.status_code)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_plan_number_beyond_64_bits_is_a_404(intake, poc, method):
    answer = requests.request(method, f"{intake}/api/v1/action-plans/TN/{ABOVE_INT64}/commitments", headers=poc,
                              files={"file": ("plan.csv", b"a,b\n1,2\n")} if method == "POST" else None, timeout=10)
    # No route takes it. (werkzeug said 405, counting the other method's rule as a match before its
    # converter refused the number: found by schemathesis.)
    assert answer.status_code == 404, (answer.status_code, answer.text[:200])
    assert_json_error(answer, answer.status_code)


def test_a_method_a_path_does_not_take_is_still_a_405_naming_those_it_does(intake, poc):
    answer = requests.delete(f"{intake}/api/v1/action-plans/TN/5/commitments", headers=poc, timeout=10)
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert_json_error(answer, 405)


# --- item: text that should never be stored ----------------------------------------------------
@pytest.mark.parametrize("mutate, field", [
    (lambda b: b["commitments"][0]["title"].update(fr="Budget\x00ouvert"), "commitments[0].title.fr"),
    (lambda b: b["commitments"][1]["title"].update(en="Open\x1b[31m data"), "commitments[1].title.en"),
    (lambda b: b["commitments"][0]["title"].update(ar="نشر\rبيانات"), "commitments[0].title.ar"),
    (lambda b: b["commitments"][0]["title"].update(fr="C1\x85control"), "commitments[0].title.fr"),
    (lambda b: b["commitments"][0]["title"].update(fr="lone \ud800 surrogate"), "commitments[0].title.fr"),
])
def test_control_characters_in_free_text_are_a_field_error(intake, poc, mutate, field):
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    mutate(body)
    error = assert_json_error(post_raw(intake, "/api/v1/self-assessments", json.dumps(body).encode(), poc), 422)
    assert field in error["fields"], error
    assert AuditEntry.objects.count() == 0


def test_tab_and_newline_are_kept(intake, poc):
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    body["commitments"][0]["title"]["fr"] = "Budget\touvert\nligne deux"
    answer = post_raw(intake, "/api/v1/self-assessments", json.dumps(body).encode(), poc)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.update(member="TN\n"), "member"),
    (lambda b: b["commitments"][0].update(commitment_id="TN0501\n"), "commitments[0].commitment_id"),
    (lambda b: b["action_plan"].update(cycle="2023-2025\n"), "action_plan.cycle"),
])
def test_an_id_ending_in_a_newline_does_not_pass_its_pattern(intake, poc, mutate, field):
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    mutate(body)
    error = assert_json_error(post_raw(intake, "/api/v1/self-assessments", json.dumps(body).encode(), poc), 422)
    assert field in error["fields"], error


def test_a_member_query_ending_in_a_newline_is_refused(publication):
    assert "member" in assert_json_error(requests.get(f"{publication}/api/v1/findings?member=TN%0A", timeout=10), 422)["fields"]


# --- item: errors that are not JSON --------------------------------------------------------------
def test_unrouted_paths_and_wrong_methods_answer_the_json_error_format(publication):
    error = assert_json_error(requests.get(f"{publication}/api/v1/nothing-here", timeout=10), 404)
    assert error["code"] == "not_found"
    wrong = requests.delete(f"{publication}/api/v1/findings", timeout=10)
    assert assert_json_error(wrong, 405)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]


# --- item: links in cached public bodies ---------------------------------------------------------
def test_absolute_links_come_from_the_configured_base_url_not_the_host_header(start_service, service_config):
    service_config["PUBLIC_BASE_URL"] = "https://irm.example.org"
    base = start_service(PublicationService)
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}
    atom = requests.get(f"{base}/api/v1/feeds/findings.atom", headers=hostile, timeout=10)
    assert atom.status_code == 200 and b"evil.example" not in atom.content
    assert b'href="https://irm.example.org/api/v1/feeds/findings.atom"' in atom.content
    feed = requests.get(f"{base}/api/v1/feeds/findings.json", headers=hostile, timeout=10).json()
    assert feed["feed_url"] == "https://irm.example.org/api/v1/feeds/findings.json"
    dictionary = requests.get(f"{base}/api/v1/open-data/data-dictionary.json", headers=hostile, timeout=10).json()
    assert dictionary["downloads"]["csv"] == "https://irm.example.org/api/v1/open-data/commitments.csv"


@pytest.mark.parametrize("bad", ["irm.example.org", "ftp://irm.example.org", "https://irm.example.org/path?q=1",
                                 "https://user:pw@irm.example.org", "https://"])
def test_a_malformed_public_base_url_stops_start_up(container_factory, service_config, bad):
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config["PUBLIC_BASE_URL"] = bad
    container = container_factory(PublicationService, config)
    with pytest.raises(Exception, match="PUBLIC_BASE_URL"):
        container.start()


# --- item: security headers on every response ----------------------------------------------------
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"}


def test_every_response_carries_the_security_headers(intake, publication):
    answers = [
        requests.get(f"{publication}/api/v1/findings", timeout=10),                 # 200
        requests.get(f"{publication}/api/v1/feeds/findings.atom", timeout=10),      # 200, XML
        requests.get(f"{publication}/api/v1/findings/nope", timeout=10),            # 404 from the endpoint
        requests.get(f"{publication}/api/v1/nothing-here", timeout=10),             # 404, unrouted
        requests.delete(f"{publication}/api/v1/findings", timeout=10),              # 405
        requests.get(f"{intake}/api/v1/self-assessments", timeout=10),              # 401
        requests.get(f"{publication}/health/live", timeout=10),
    ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, answer.status_code, name, answer.headers)
        assert "Strict-Transport-Security" not in answer.headers  # served over plain HTTP


def test_hsts_is_sent_when_the_public_base_url_is_https(start_service, service_config):
    service_config["PUBLIC_BASE_URL"] = "https://irm.example.org"
    base = start_service(PublicationService)
    for answer in (requests.get(f"{base}/api/v1/findings", timeout=10), requests.get(f"{base}/nothing", timeout=10)):
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
