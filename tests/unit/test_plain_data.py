"""shared/persistence/fields.py's PlainData: a checked value stored and read exactly as it is."""
import copy

import pytest
from mongoengine import ValidationError

from bench import cases
from services.intake import documents
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.clock import utcnow


def self_assessment(**changes):
    body = SelfAssessmentSchema().load(cases.self_assessment(1))  # ~29 KB, with a co-creation report
    values = dict(id="sa-1", case_id="case-1", member_code="TN", cycle="2023-2025", plan_number=1, languages=["fr"],
                  commitments=body["commitments"], co_creation=body["co_creation"], content_sha256="x",
                  submitted_by="poc-tn", submitted_at=utcnow(), correlation_id="corr-1", case_status="submitted",
                  case_status_at="2026-03-01T09:00:00.000Z")
    return documents.SelfAssessment(**{**values, **changes}), body


def test_the_commitments_are_stored_and_read_back_as_they_were_loaded():
    record, body = self_assessment()
    record.validate()
    stored = record.to_mongo().to_dict()
    assert body["co_creation"]
    assert stored["commitments"] == body["commitments"] and stored["co_creation"] == body["co_creation"]
    assert documents.SelfAssessment._from_son(copy.deepcopy(stored)).commitments == body["commitments"]


@pytest.mark.parametrize("changes", [{"commitments": []}, {"commitments": {"TN0501": {}}}, {"co_creation": ["a list"]}])
def test_an_empty_required_value_or_the_wrong_kind_is_refused(changes):
    record, _ = self_assessment(**changes)
    with pytest.raises(ValidationError):
        record.validate()


def test_without_a_co_creation_report_it_is_an_empty_one_of_its_own():
    first, second = documents.SelfAssessment(id="sa-1"), documents.SelfAssessment(id="sa-2")
    assert first.co_creation == {} and first.co_creation is not second.co_creation
