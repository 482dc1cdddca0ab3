"""The whole stack as separate processes (as `make dev` runs it): upload over HTTP, read the
published finding and the audit trail over HTTP."""
import json

import pytest
import requests

from devtools import demo
from devtools import sample
from tests.e2e.stacks import fast_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(mongodb_server, stack_amqp_uri, tmp_path_factory):
    with fast_stack(mongodb_server, stack_amqp_uri, tmp_path_factory, "e2e") as running:
        yield running


def test_one_case_from_upload_to_published_finding_and_audit_trail(stack, capsys):
    result = sample.run_demo(stack.base_url, stack.mongodb_uri, say=lambda *_: None)
    demo.print_report(result)  # what `make demo` prints
    printed = capsys.readouterr().out
    assert "Chain verification: VALID (21 entries" in printed and "comment on TN0502" in printed
    assert "Transparency log: VERIFIED, every entry included" in printed
    assert result["log"].ok and sum("in the log at index" in line for line in result["log"].checked) == 21

    finding = result["finding"]
    assert finding["case_id"] == result["case_id"]
    assert finding["member"]["names"]["ar"] == "تونس"
    assert [c["commitment_id"] for c in finding["commitments"]] == ["TN0501", "TN0502", "TN0503"]
    assert finding["commitments"][1]["ratings"]["completion"]["evidence"] == ["https://tuneps.example.tn/atelier-2025-03-12.pdf"]
    assert finding["summary"]["starred"] == 1 and finding["summary"]["reviewable"] == 2
    assert "exp-salma" not in (result["expert_id"], result["declined_by"])  # works for Tunisia's government

    trail = result["audit"]
    assert trail["verification"]["valid"] is True, trail["verification"]
    steps = [(e["action"], e["actor"]["role"]) for e in trail["entries"]]
    assert steps == [
        ("self_assessment.submitted", "poc"), ("review.assigned", "system"), ("review.declined", "expert"),
        ("review.reassigned", "system"), ("review.accepted", "expert"),
        ("rating.saved", "expert"), ("rating.saved", "expert"), ("rating.saved", "expert"), ("plan_assessment.saved", "expert"),
        ("review.submitted", "expert"), ("review.returned", "quality_reviewer"), ("rating.saved", "expert"),
        ("review.submitted", "expert"), ("review.quality_approved", "quality_reviewer"),
        ("government.commented", "poc"), ("government.comment_answered", "expert"), ("review.public_comment_opened", "expert"),
        ("public.commented", "public"), ("public.commented", "public"), ("review.approved", "expert"),
        ("finding.published", "system"),
    ]
    # Every decision says who took it and why.
    assert all(e["actor"]["id"] and e["reason"] for e in trail["entries"])
    assert trail["entries"][2]["actor"]["id"] == result["declined_by"] and "advised the ministry" in trail["entries"][2]["reason"]
    assert trail["entries"][3]["data"]["expert_id"] == result["expert_id"] != result["declined_by"]
    assert [c["author"] for c in finding["public_comments"]] == ["Association Al Bawsala"]  # not the confidential one
    assert finding["government_comments"][0]["response"]["text"]["fr"].startswith("Noté")
    assert all(e["correlation_id"] == result["correlation_id"] for e in trail["entries"])
    assert finding["audit_head"] == {"seq": 20, "hash": trail["entries"][-1]["hash"]}

    history = [step["status"] for step in result["poc_view"]["case"]["history"]]
    assert history == ["submitted", "assigned", "assigned", "in_review", "quality_review", "in_review", "quality_review",
                       "government_review", "public_comment", "approved", "published"]

    # Anyone finds it in the public list.
    listing = requests.get(f"{stack.base_url}/api/v1/findings", params={"member": "TN", "cycle": "2023-2025"}, timeout=10).json()
    assert result["case_id"] in {item["case_id"] for item in listing["items"]}

    # One correlation id in the logs of every service, from upload to publication.
    for service in ("intake", "review", "publication"):
        lines = [json.loads(line) for line in (stack.log_dir / f"{service}.log").read_text().splitlines() if line.startswith("{")]
        tagged = [line for line in lines if line.get("correlation_id") == result["correlation_id"]]
        assert tagged, f"{service} logged nothing for the case"
        assert all(line["service"] == service for line in tagged)


def test_the_gateway_refuses_bad_input_with_4xx_never_500(stack):
    base = stack.base_url
    probes = [
        ("POST", "/api/v1/self-assessments", {"data": "{", "headers": {"Content-Type": "application/json"}}),
        ("GET", "/api/v1/self-assessments/sa_missing", {}),
        ("GET", "/api/v1/cases", {"headers": {"Authorization": "Bearer nope"}}),
        ("PUT", "/api/v1/cases/case_x/ratings/TN0501", {"json": {}}),
        ("POST", "/api/v1/cases/case_x/submit", {}),
        ("POST", "/api/v1/cases/case_x/quality-decision", {"json": {"decision": "maybe"}}),
        ("GET", "/api/v1/findings", {"params": {"page": "-1"}}),
        ("GET", "/api/v1/findings/fnd_missing", {}),
        ("GET", "/api/v1/cases/case_missing/audit", {}),
        ("GET", "/api/v1/nothing-here", {}),
    ]
    for method, path, options in probes:
        answer = requests.request(method, base + path, timeout=10, **options)
        assert 400 <= answer.status_code < 500, (method, path, answer.status_code, answer.text)
        assert "error" in answer.json()
