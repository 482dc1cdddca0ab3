"""A member's time zone: an IANA name the zone database knows, or none (the pages then say UTC)."""
import pytest

from cli import irmctl
from devtools import sample
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED, build_event
from shared.contracts.fields import time_zone_problem
from shared.contracts.public import PublicMember
from shared.contracts.self_assessment import MemberSchema
from shared.persistence.documents import Member


@pytest.mark.parametrize("name", ["Africa/Tunis", "Europe/Paris", "America/Argentina/Buenos_Aires", "UTC", "Asia/Kathmandu"])
def test_an_iana_name_is_a_time_zone(name):
    assert time_zone_problem(name) is None
    assert MemberSchema().validate({**sample.MEMBER, "time_zone": name}) == {}


@pytest.mark.parametrize("name", ["africa/tunis", "Africa/Tunis ", "Tunis", "+01:00", "GMT+1", "../../etc/passwd",
                                  "/usr/share/zoneinfo/Africa/Tunis", "", "Mars/Olympus_Mons"])
def test_anything_else_is_refused_with_a_clear_message(name):
    problem = time_zone_problem(name)
    assert problem == f"{name!r} is not an IANA time zone: give one such as Africa/Tunis, Europe/Paris or UTC."
    assert MemberSchema().validate({**sample.MEMBER, "time_zone": name}) == {"time_zone": [problem]}


def test_a_member_without_a_time_zone_is_still_a_member():
    assert MemberSchema().validate(sample.MEMBER) == {}
    assert MemberSchema().validate({**sample.MEMBER, "time_zone": None}) == {}


def test_the_member_contract_carries_the_time_zone_when_there_is_one():
    with_zone = Member(code="TN", kind="national", names={"fr": "Tunisie"}, time_zone="Africa/Tunis")
    assert with_zone.as_contract() == {"code": "TN", "kind": "national", "names": {"fr": "Tunisie"}, "time_zone": "Africa/Tunis"}
    assert "time_zone" not in Member(code="TN", kind="national", names={"fr": "Tunisie"}).as_contract()
    # ... and the events and the public feed that carry a member take it.
    assert MemberSchema().load(with_zone.as_contract())["time_zone"] == "Africa/Tunis"
    assert PublicMember().load(with_zone.as_contract())["time_zone"] == "Africa/Tunis"


def test_a_submitted_event_with_a_bad_time_zone_breaks_its_contract():
    payload = {"self_assessment_id": "sa_1", "case_id": "case_1", "member": {**sample.MEMBER, "time_zone": "Nowhere/Else"},
               "action_plan": sample.SELF_ASSESSMENT["action_plan"], "languages": ["fr"],
               "commitments": sample.SELF_ASSESSMENT["commitments"]}
    with pytest.raises(Exception, match="IANA time zone"):
        build_event(SELF_ASSESSMENT_SUBMITTED, payload, correlation_id="c", actor={"role": "poc", "id": "p"})


def test_irmctl_takes_a_time_zone_when_adding_and_updating_a_member():
    parser = irmctl.build_parser()
    added = parser.parse_args(["member", "add", "TN", "--kind", "national", "--name", "fr=Tunisie", "--time-zone", "Africa/Tunis"])
    assert (added.action, added.time_zone) == ("add", "Africa/Tunis")
    assert parser.parse_args(["member", "add", "TN", "--kind", "national", "--name", "fr=Tunisie"]).time_zone is None
    updated = parser.parse_args(["member", "update", "TN", "--time-zone", "Europe/Paris"])
    assert (updated.action, updated.time_zone, updated.no_time_zone) == ("update", "Europe/Paris", False)
    assert parser.parse_args(["member", "update", "TN", "--no-time-zone"]).no_time_zone is True
    with pytest.raises(SystemExit):
        parser.parse_args(["member", "update", "TN"])  # says which: a zone, or none
