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


def submitted_payload():
    body = SelfAssessmentSchema().load(copy.deepcopy(sample.SELF_ASSESSMENT))
    return {"self_assessment_id": "sa_1", "case_id": "case_1", "member": sample.MEMBER, "languages": ["ar", "fr"],
            "action_plan": body["action_plan"], "commitments": body["commitments"],
            "co_creation": body.get("co_creation"), "version": 1}


def test_fields_already_checked_are_not_checked_again_when_building_but_the_rest_is_and_the_consumer_checks_all():
    checked = ("action_plan", "commitments", "co_creation")
    broken = submitted_payload()
    broken["commitments"] = [{"commitment_id": "not checked here"}]
    event = events.build_event(events.SELF_ASSESSMENT_SUBMITTED, broken, correlation_id="c", actor={"role": "poc", "id": "p"},
                               checked=checked)
    assert event.payload["commitments"] == [{"commitment_id": "not checked here"}]
    with pytest.raises(events.MalformedEvent) as refused:
        events.parse_event(events.SELF_ASSESSMENT_SUBMITTED, event.to_message())
    assert "commitments" in refused.value.errors
    with pytest.raises(ValueError):
        events.build_event(events.SELF_ASSESSMENT_SUBMITTED, broken, correlation_id="c", actor={"role": "poc", "id": "p"})
    unchecked_field_broken = {**submitted_payload(), "languages": ["de"]}
    with pytest.raises(ValueError, match="languages"):
        events.build_event(events.SELF_ASSESSMENT_SUBMITTED, unchecked_field_broken, correlation_id="c",
                           actor={"role": "poc", "id": "p"}, checked=checked)


@pytest.mark.parametrize("value", [
    {"fr": "texte"}, {"ar": "نص", "en": "text"}, {"de": "Text"}, {"fr": ""}, {"fr": "   "}, {"fr": 5}, {1: "x"},
    {"fr": "x" * 501}, {}, "text", ["fr"], None, {"fr": None},
])
def test_localized_text_answers_as_the_generic_dict_it_checks_faster(value):
    """LocalizedText checks plainly right values directly: the answer (value or errors) is the generic Dict's."""
    from marshmallow import Schema, fields, validate
    from shared.contracts.fields import LocalizedText

    class Fast(Schema):
        text = LocalizedText(max_length=500, allow_none=True)

    class Generic(Schema):
        text = fields.Dict(keys=fields.String(validate=validate.OneOf(("ar", "fr", "en"), error="Language must be one of ar, fr, en.")),
                           values=fields.String(validate=validate.Length(min=1, max=500)), allow_none=True)

    def answer(schema):
        try:
            return "loaded", schema.load({"text": value})
        except ValidationError as exc:
            return "refused", exc.messages

    expected = answer(Generic())
    if expected[0] == "loaded" and expected[1]["text"] is not None and not any(t.strip() for t in expected[1]["text"].values()):
        expected = ("refused", {"text": ["Give the text in at least one of ar, fr, en."]})  # LocalizedText's own rule
    assert answer(Fast()) == expected
