"""The registry's members through intake's API on the real database: an admin reads them in code order, a bounded
page with the next page's cursor, each as its contract says it (code, kind, names, region, time zone). Every other
caller 401 or 403."""
import pytest
import requests

from cli import operations
from services.intake.service import IntakeService
from shared.persistence.documents import Member

pytestmark = pytest.mark.integration
PATH = "/api/v1/members"


@pytest.fixture
def intake(start_service, db):
    Member.objects.delete()
    operations.add_expert("exp-james", "James O.", ["en"], [], capacity=5)
    operations.add_member("TN", "national", {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"}, region="MENA", time_zone="Africa/Tunis")
    operations.add_member("MA", "national", {"fr": "Maroc", "en": "Morocco"})
    operations.add_member("SN-DKR", "local", {"fr": "Dakar"}, region="WA")
    return start_service(IntakeService)


def get(base, path, token):
    return requests.get(base + path, timeout=10, headers={"Authorization": f"Bearer {token}"} if token else {})


def test_an_admin_reads_the_members_a_page_at_a_time(intake):
    admin = operations.issue_token("admin", "admin-1")
    first = get(intake, f"{PATH}?limit=2", admin)
    assert first.status_code == 200, first.text
    assert [m["code"] for m in first.json()["members"]] == ["MA", "SN-DKR"] and first.json()["next_after"] == "SN-DKR"
    rest = get(intake, f"{PATH}?limit=2&after=SN-DKR", admin).json()
    assert rest["next_after"] is None
    (tunisia,) = rest["members"]
    assert {k: v for k, v in tunisia.items() if k != "created_at"} == {
        "code": "TN", "kind": "national", "names": {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"},
        "region": "MENA", "time_zone": "Africa/Tunis"}
    assert tunisia["created_at"].endswith("Z")
    assert [m["code"] for m in get(intake, PATH, admin).json()["members"]] == ["MA", "SN-DKR", "TN"]
    assert get(intake, f"{PATH}?limit=101", admin).status_code == 422
    assert get(intake, f"{PATH}?after=not%20a%20code", admin).status_code == 422


def test_only_an_admin_reads_the_members(intake):
    assert get(intake, PATH, None).status_code == 401
    for role, subject, member in (("poc", "poc-tn", "TN"), ("expert", "exp-james", None), ("quality_reviewer", "iep-1", None)):
        assert get(intake, PATH, operations.issue_token(role, subject, member_code=member)).status_code == 403, role
