"""The findings list and feeds read by windows of positions (services/publication/paging.py): every
finding listed once, newest first, while more are published; findings stored before positions
existed numbered at the service's start; cursors of the earlier format still followed."""
import base64
import json
from datetime import timedelta

import mongoengine
import pytest
import requests
from nameko.standalone.events import event_dispatcher

from devtools import sample
from services.publication import documents, handlers
from services.publication.service import PublicationService
from shared.clock import iso, utcnow
from shared.contracts.events import REVIEW_APPROVED, build_event
from shared.persistence.unit_of_work import run_in_transaction
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration

OTHER_MEMBER = {"code": "MA-BMK", "kind": "local", "names": {"fr": "Béni Mellal-Khénifra"}}


def approved(case_id, member=sample.MEMBER):
    return sample.approved_payload(case_id, member, action_plan={"cycle": "2023-2025", "plan_number": 5}, plan_assessment=None)


@pytest.fixture
def publication(start_service, service_config):
    base = start_service(PublicationService)
    dispatch = event_dispatcher({"AMQP_URI": service_config["AMQP_URI"], "serializer": "json"})

    def publish(case_id, member=sample.MEMBER):
        """Publish through the service's consumer and wait for the finding, and for the list to show it."""
        event = build_event(REVIEW_APPROVED, approved(case_id, member), correlation_id=f"corr-{case_id}",
                            actor={"role": "quality_reviewer", "id": "iep-rivera"})
        before = documents.Finding.objects(case_id=case_id).count()
        dispatch("review", event.event_type, event.to_message())
        wait_until(lambda: documents.Finding.objects(case_id=case_id).count() > before, what=f"finding of {case_id}")
        newest = documents.Finding.objects(case_id=case_id).order_by("-version").first().finding_id
        wait_until(lambda: requests.get(f"{base}/api/v1/findings?limit=1&member={member['code']}", timeout=10)
                   .json()["items"][0]["id"] == newest, what=f"{case_id} listed")

    return base, publish


def walk(base, first_url):
    """Every page from `first_url` on, following the next links as given: the case ids and versions in order."""
    seen, url = [], first_url
    while url:
        answer = requests.get(base + url, timeout=10)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [(item["case_id"], item["version"]) for item in page["items"]]
        url = page["next"]
        yield seen, page


def test_paging_lists_every_finding_once_newest_first_while_more_are_published(publication):
    base, publish = publication
    for n in range(1, 6):
        publish(f"case_{n}", OTHER_MEMBER if n % 2 == 0 else sample.MEMBER)
    seen = []
    for n, (seen, _) in enumerate(walk(base, "/api/v1/findings?limit=2"), 6):
        publish(f"case_{n}")  # a new finding between pages: the pages already under way do not shift
    assert seen == [(f"case_{n}", 1) for n in range(5, 0, -1)]

    publish("case_3")  # a correction: version 2 is listed, in its new place, and version 1 no more
    *_, (current, _) = walk(base, "/api/v1/findings?limit=3")
    assert current[0] == ("case_3", 2) and ("case_3", 1) not in current and len(current) == len(set(current)) == 8
    *_, (every, _) = walk(base, "/api/v1/findings?limit=3&all_versions=true")
    assert every[0] == ("case_3", 2) and ("case_3", 1) in every and len(every) == 9
    *_, (members, _) = walk(base, f"/api/v1/findings?limit=1&member={OTHER_MEMBER['code']}")
    assert members == [("case_4", 1), ("case_2", 1)]

    feed = requests.get(f"{base}/api/v1/feeds/findings.json?member={sample.MEMBER['code']}", timeout=10).json()
    assert [item["id"].rsplit(":", 1)[1] for item in feed["items"]] == [
        "case_3", *[f"case_{n}" for n in range(8, 5, -1)], "case_5", "case_1"]


def test_a_cursor_of_the_earlier_format_still_continues_after_the_finding_it_names(publication):
    base, publish = publication
    for n in range(1, 4):
        publish(f"case_{n}")
    second = documents.Finding.objects(case_id="case_2").first()
    earlier = base64.urlsafe_b64encode(json.dumps([iso(second.published_at_dt), second.finding_id]).encode()).decode().rstrip("=")
    page = requests.get(f"{base}/api/v1/findings?cursor={earlier}", timeout=10).json()
    assert [item["case_id"] for item in page["items"]] == ["case_1"] and page["next"] is None
    unknown = base64.urlsafe_b64encode(json.dumps([iso(second.published_at_dt), "fnd_missing"]).encode()).decode()
    assert requests.get(f"{base}/api/v1/findings?cursor={unknown}", timeout=10).status_code == 422


def test_findings_stored_before_positions_existed_are_numbered_at_start_and_listed(db, start_service):
    client, now = mongoengine.connection.get_connection(), utcnow()
    for n in range(1, 4):
        run_in_transaction(client, "publication",
                           lambda uow, n=n: handlers.publish(uow, approved(f"case_{n}"), f"corr-{n}", now + timedelta(seconds=n)))
    # As a database from before positions holds them: no position, no counter.
    documents.Finding._get_collection().update_many({}, {"$unset": {"position": ""}})
    documents.FindingCounter._get_collection().delete_many({})

    base = start_service(PublicationService)
    pages = list(walk(base, "/api/v1/findings?limit=2"))
    assert pages[-1][0] == [("case_3", 1), ("case_2", 1), ("case_1", 1)]
    assert documents.FindingCounter.objects.get(counter_id="findings").top == 3
