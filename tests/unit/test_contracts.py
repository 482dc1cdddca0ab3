import copy

import pytest
from marshmallow import ValidationError

from devtools import sample
from shared.contracts import events
from shared.contracts.ratings import CommitmentRatingsSchema
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.http import flatten_errors


def finding_published():
    return events.build_event(events.FINDING_PUBLISHED, {
        "finding_id": "fnd_1", "case_id": "case_1", "member_code": "TN", "cycle": "2023-2025",
        "published_at": "2026-11-25T12:00:00.000Z", "status": "published"}, correlation_id="corr-1",
        actor={"role": "system", "id": "publication"})


def test_an_event_round_trips_through_its_contract():
    event = finding_published()
    assert event.event_id.startswith("evt_") and event.schema_version == 1
    assert event.occurred_at.endswith("Z") and len(event.occurred_at) == 24
    assert events.parse_event(events.FINDING_PUBLISHED, event.to_message()) == event


def test_a_finding_published_event_from_before_withdrawals_reads_as_published():
    message = finding_published().to_message()
    del message["payload"]["status"]
    assert events.parse_event(events.FINDING_PUBLISHED, message).payload["status"] == "published"


@pytest.mark.parametrize("breakage", [
    lambda m: m.pop("event_id"),
    lambda m: m.update(occurred_at="2026-11-25 12:00"),
    lambda m: m.update(schema_version=2),
    lambda m: m.update(event_type="review.approved"),
    lambda m: m["actor"].update(role="hacker"),
    lambda m: m["payload"].update(cycle="2023"),
    lambda m: m["payload"].pop("case_id"),
    lambda m: m["payload"].update(extra="field"),
    lambda m: m["payload"].update(status="deleted"),
    lambda m: m.update(payload=[]),
])
def test_a_message_that_breaks_its_contract_is_rejected(breakage):
    message = copy.deepcopy(finding_published().to_message())
    breakage(message)
    with pytest.raises(events.MalformedEvent):
        events.parse_event(events.FINDING_PUBLISHED, message)


def test_non_objects_are_rejected():
    with pytest.raises(events.MalformedEvent):
        events.parse_event(events.FINDING_PUBLISHED, "hello")


def test_an_event_cannot_be_built_against_its_contract():
    with pytest.raises(ValueError):
        events.build_event(events.FINDING_PUBLISHED, {"finding_id": "x"}, correlation_id="c", actor={"role": "system", "id": "x"})


def test_each_event_has_one_contract_and_a_known_source():
    assert set(events.CONTRACTS) == {
        "self_assessment.submitted", "review.unassigned", "review.assigned", "review.accepted", "review.submitted",
        "review.returned", "review.quality_approved", "review.public_comment_opened", "review.approved",
        "review.correction_opened", "review.reminded", "review.deadline_missed", "finding.published", "person.invited", "password_reset.requested"}
    assert {c.source for c in events.CONTRACTS.values()} == {"intake", "review", "publication", "accounts"}


def test_self_assessment_errors_name_the_field_path():
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    body["commitments"][0]["evidence"][0]["url"] = "ftp://x"
    body["commitments"][2]["title"] = {"en": "  "}
    with pytest.raises(ValidationError) as error:
        SelfAssessmentSchema().load(body)
    assert set(flatten_errors(error.value.messages)) == {"commitments[0].evidence[0].url", "commitments[2].title"}


def test_arabic_text_is_kept_byte_exact():
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    body["commitments"][0]["title"]["ar"] = "الشفافية\u200f  المالية "  # RLM and spaces kept as sent
    loaded = SelfAssessmentSchema().load(body)
    assert loaded["commitments"][0]["title"]["ar"].encode() == body["commitments"][0]["title"]["ar"].encode()


def test_ratings_contract_uses_the_exact_irm_values():
    assert CommitmentRatingsSchema().load(sample.RATINGS["TN0501"])["completion"]["value"] == "substantial"
    for bad in ({"verifiability": {"value": "Verifiable", "justification": {"en": "x"}}},
                {"verifiability": {"value": "verifiable"}},
                {"open_government_lens": {"value": {"transparency": "yes", "participation": False, "accountability": False},
                                          "justification": {"en": "x"}}}):
        with pytest.raises(ValidationError):
            CommitmentRatingsSchema().load(bad)


def test_flatten_errors_paths():
    assert flatten_errors({"a": {"b": {0: {"c": ["bad"]}}}, "_schema": ["whole"]}) == {"a.b[0].c": ["bad"], "_schema": ["whole"]}
