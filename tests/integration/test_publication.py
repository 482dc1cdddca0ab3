import re
import time

import pytest
import requests
from nameko.standalone.events import event_dispatcher

from devtools import sample
from services.publication import documents as publication_documents
from services.publication.service import PublicationService
from shared.contracts.events import REVIEW_APPROVED, build_event
from shared.persistence.documents import AuditEntry
from shared.persistence.unit_of_work import run_in_transaction
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def approved_event(case_id, member=sample.MEMBER, cycle="2023-2025"):
    payload = sample.approved_payload(case_id, member, action_plan={"cycle": cycle, "plan_number": 5}, plan_assessment=None)
    return build_event(REVIEW_APPROVED, payload, correlation_id=f"corr-{case_id}", actor={"role": "quality_reviewer", "id": "iep-rivera"})


def seed_history(mongodb_client, case_id):
    """Earlier decisions of the case, written as the other services write them."""
    def work(uow):
        for action in ("self_assessment.submitted", "review.assigned", "rating.saved", "review.submitted", "review.approved"):
            uow.record(case_id=case_id, action=action, actor={"role": "system", "id": "test"}, reason=action,
                       data={"n": 1}, correlation_id=f"corr-{case_id}")
    run_in_transaction(mongodb_client, "test", work)


@pytest.fixture
def publication(start_service, service_config):
    base = start_service(PublicationService)
    dispatch = event_dispatcher({"AMQP_URI": service_config["AMQP_URI"], "serializer": "json"})
    return base, lambda event: dispatch("review", event.event_type, event.to_message())


def published(case_id):
    return wait_until(lambda: publication_documents.Finding.objects(case_id=case_id).first(), what=f"finding of {case_id}")


def audit_of(base, case_id):
    return requests.get(f"{base}/api/v1/cases/{case_id}/audit", timeout=10).json()


def test_an_approval_is_published_once_and_served(publication, tap):
    base, send = publication
    announced = tap("publication", "finding.published")
    event = approved_event("case_p1")
    send(event)
    send(event)  # redelivered
    finding = published("case_p1")
    assert announced.next().payload["finding_id"] == finding.finding_id
    assert announced.empty()
    assert publication_documents.Finding.objects(case_id="case_p1").count() == 1

    page = requests.get(f"{base}/api/v1/findings/{finding.finding_id}", timeout=10).json()
    assert page["summary"] == {"commitments": 3, "reviewable": 2, "relevant_to_open_government": 2, "promising": 1,
                               "high_completion": 1, "strong_early_results": 1, "starred": 1}
    assert page["commitments"][1]["title"]["ar"] == "إشراك المجتمع المدني في الصفقات العمومية"
    assert page["commitments"][0]["ratings"]["completion"]["justification"] == {"fr": "Données trimestrielles publiées depuis 2024."}


def test_findings_filter_and_paginate_with_stable_cursors(publication):
    base, send = publication
    send(approved_event("case_a", cycle="2021-2023"))
    send(approved_event("case_b"))
    send(approved_event("case_c", member={"code": "MA-BMK", "kind": "local", "names": {"fr": "Béni Mellal-Khénifra"}}))
    for case_id in ("case_a", "case_b", "case_c"):
        published(case_id)
    first = requests.get(f"{base}/api/v1/findings?limit=2", timeout=10).json()
    assert len(first["items"]) == 2 and first["next"]
    send(approved_event("case_d"))  # published while someone pages: the next page does not shift
    published("case_d")
    rest = requests.get(base + first["next"], timeout=10).json()
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert {i["case_id"] for i in first["items"] + rest["items"]} == {"case_a", "case_b", "case_c"}

    def cases(query):
        answer = requests.get(f"{base}/api/v1/findings?{query}", timeout=10)
        assert answer.status_code == 200, answer.text
        return sorted(i["case_id"] for i in answer.json()["items"])

    assert cases("member=TN&cycle=2023-2025") == ["case_b", "case_d"]
    assert cases("kind=local") == ["case_c"]
    assert cases("potential_for_results=substantial&language=ar") == ["case_a", "case_b", "case_c", "case_d"]
    assert cases("did_it_open_government=outstanding") == []
    for bad in ("cycle=23-25", "limit=0", "kind=regional", "completion=done", "cursor=not-a-cursor"):
        assert requests.get(f"{base}/api/v1/findings?{bad}", timeout=10).status_code == 422, bad
    assert requests.get(f"{base}/api/v1/findings/fnd_missing", timeout=10).status_code == 404


def test_public_reads_answer_304_while_nothing_new_is_published(publication):
    base, send = publication
    send(approved_event("case_e"))
    finding = published("case_e")
    time.sleep(1.2)  # the freshness marker is refreshed every second
    for path in ("/api/v1/findings", f"/api/v1/findings/{finding.finding_id}", "/api/v1/feeds/findings.atom",
                 "/api/v1/open-data/commitments.csv"):
        first = requests.get(base + path, timeout=10)
        assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
        again = requests.get(base + path, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
        assert again.status_code == 304 and not again.content, path
    etag = requests.get(base + "/api/v1/findings", timeout=10).headers["ETag"]
    send(approved_event("case_f"))
    published("case_f")
    time.sleep(1.2)
    assert requests.get(base + "/api/v1/findings", headers={"If-None-Match": etag}, timeout=10).status_code == 200


def test_feeds_parse_and_a_correction_updates_the_same_entry(publication):
    import feedparser
    import feedparser_rs

    base, send = publication
    send(approved_event("case_g"))
    first = published("case_g")
    time.sleep(1.2)
    atom = feedparser.parse(requests.get(f"{base}/api/v1/feeds/findings.atom", timeout=10).content)
    assert not atom.bozo, atom.bozo_exception
    [entry] = atom.entries
    assert entry.id == "urn:irm-review:case:case_g" and entry.link.endswith(f"/api/v1/findings/{first.finding_id}")

    corrected = approved_event("case_g")
    corrected.payload["commitments"][1]["ratings"]["completion"]["value"] = "substantial"
    send(corrected)
    second = wait_until(lambda: publication_documents.Finding.objects(case_id="case_g", version=2).first(), what="correction")
    time.sleep(1.2)
    for path in ("/api/v1/feeds/findings.atom", "/api/v1/feeds/findings.json", "/api/v1/feeds/findings.atom?member=TN"):
        answer = requests.get(base + path, timeout=10)
        # Atom through feedparser; JSON Feed 1.1 through feedparser-rs, which reads it (feedparser does not).
        parsed = (feedparser_rs if path.endswith(".json") else feedparser).parse(answer.content)
        assert not parsed.bozo, (path, parsed.bozo_exception)
        [updated] = parsed.entries  # the same entry, updated: not a second one
        assert updated.id == "urn:irm-review:case:case_g"
        assert updated.link.endswith(f"/api/v1/findings/{second.finding_id}")
        assert updated.updated >= entry.updated
    old = requests.get(f"{base}/api/v1/findings/{first.finding_id}", timeout=10).json()
    assert old["version"] == 1 and old["superseded_by"] == second.finding_id  # still readable, and linked
    assert feedparser.parse(requests.get(f"{base}/api/v1/feeds/findings.atom?member=MA", timeout=10).content).entries == []


def test_open_data_round_trips_through_csv_with_arabic_intact(publication):
    import csv
    import io

    from services.publication import open_data

    base, send = publication
    send(approved_event("case_h"))
    published("case_h")
    answer = requests.get(f"{base}/api/v1/open-data/commitments.csv", timeout=10)
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["Commitment Unique Identifier"] for r in rows] == ["TN0501", "TN0502", "TN0503"]
    assert rows[1]["Commitment Title (ar)"] == "إشراك المجتمع المدني في الصفقات العمومية"
    assert rows[0]["Potential Impact"] == "substantial" and rows[0]["OGP Value Access To Information"] == "yes"
    assert rows[2]["Verifiable"] == "no" and rows[2]["Completion"] == ""
    as_json = requests.get(f"{base}/api/v1/open-data/commitments.json", timeout=10).json()
    assert as_json["columns"] == list(rows[0]) == open_data.FIELDNAMES
    dictionary = requests.get(f"{base}/api/v1/open-data/data-dictionary.json", timeout=10).json()
    assert [c["name"] for c in dictionary["columns"]] == open_data.FIELDNAMES and all(c["description"] for c in dictionary["columns"])



# Texts the API lets through (tab, newline, quotes, separators, a formula, bidi and invisible characters), and one
# title holding NUL, ESC and a lone CR, as a record that did not come through the API's edge could.
HOSTILE_TITLES = {
    "TN0501": {"fr": 'Budget\t2025\n« ouvert », "cité"; =HYPERLINK("http://x")',
               "en": "Line\u2028separated \u202eevil\u202c zero\u200bwidth \ufeffbom",
               "ar": "نشر\tالبيانات\nالمفتوحة"},
    "TN0502": {"fr": "a\x00b\x1bc\rd"},
}
C0_BUT_TAB_NEWLINE_CR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def test_open_data_csv_holds_no_control_character_but_tab_newline_and_its_record_ends(publication):
    import csv
    import io

    base, send = publication
    payload = sample.approved_payload("case_ctl", {**sample.MEMBER, "names": {"en": "Tunisia\t=1+1", "fr": "Tunisie"}},
                                      action_plan={"cycle": "2023-2025", "plan_number": 5}, plan_assessment=None,
                                      titles=HOSTILE_TITLES)
    send(build_event(REVIEW_APPROVED, payload, correlation_id="corr-case_ctl", actor={"role": "quality_reviewer", "id": "iep-1"}))
    published("case_ctl")
    raw = requests.get(f"{base}/api/v1/open-data/commitments.csv", timeout=10).content.decode("utf-8")
    assert raw.startswith("\ufeff")
    assert C0_BUT_TAB_NEWLINE_CR.search(raw) is None, repr(C0_BUT_TAB_NEWLINE_CR.search(raw))
    assert "\r" not in raw.replace("\r\n", "")  # a CR only ends a record
    rows = [row for row in csv.DictReader(io.StringIO(raw[1:], newline="")) if row["Finding URL"].endswith(
        publication_documents.Finding.objects(case_id="case_ctl").first().finding_id)]
    assert raw.count("\r\n") >= len(rows) + 1
    first, second = rows[0], rows[1]
    # What the API allows arrives as it was written: tab and newline kept inside the quoted field.
    assert first["Commitment Title (fr)"] == HOSTILE_TITLES["TN0501"]["fr"]
    assert first["Commitment Title"] == HOSTILE_TITLES["TN0501"]["en"]
    assert first["Commitment Title (ar)"] == HOSTILE_TITLES["TN0501"]["ar"]
    assert first["Member Name"] == "Tunisia\t=1+1"
    assert second["Commitment Title"] == second["Commitment Title (fr)"] == "a\ufffdb\ufffdc\ufffdd"


@pytest.fixture
def published_case(publication, db):
    import mongoengine

    base, send = publication
    seed_history(mongoengine.connection.get_connection(), "case_t")
    send(approved_event("case_t"))
    published("case_t")
    trail = audit_of(base, "case_t")
    assert trail["verification"]["valid"], trail["verification"]
    assert [e["action"] for e in trail["entries"]][-1] == "finding.published"
    assert len(trail["entries"]) == 6
    return base


def collection():
    return AuditEntry._get_collection()


def tamper_edit(seq=2):
    collection().update_one({"case_id": "case_t", "seq": seq}, {"$set": {"reason": "nothing to see here"}})


def tamper_reorder():
    # Swap the positions of entries 2 and 3 (through a spare seq: the unique index forbids a direct swap).
    collection().update_one({"case_id": "case_t", "seq": 2}, {"$set": {"seq": -1}})
    collection().update_one({"case_id": "case_t", "seq": 3}, {"$set": {"seq": 2}})
    collection().update_one({"case_id": "case_t", "seq": -1}, {"$set": {"seq": 3}})


def tamper_delete_middle():
    collection().delete_one({"case_id": "case_t", "seq": 3})


def tamper_delete_last():
    collection().delete_one({"case_id": "case_t", "seq": 5})


def tamper_rehash_edit():
    # Edit an entry and recompute its own hash: the next entry's link still exposes it.
    from shared.audit import entry_hash

    entry = collection().find_one({"case_id": "case_t", "seq": 1}, {"_id": 0})
    entry["reason"] = "rewritten"
    entry["hash"] = entry_hash(entry)
    collection().replace_one({"case_id": "case_t", "seq": 1}, entry)


@pytest.mark.parametrize("tamper", [tamper_edit, tamper_reorder, tamper_delete_middle, tamper_delete_last, tamper_rehash_edit])
def test_tampering_with_stored_entries_is_detected(published_case, tamper):
    tamper()
    verification = audit_of(published_case, "case_t")["verification"]
    assert verification["valid"] is False
    assert verification["problems"]


def test_a_second_approval_of_a_case_is_a_correction_that_supersedes_the_first(publication):
    base, send = publication
    send(approved_event("case_fix"))
    first = published("case_fix")
    corrected = approved_event("case_fix")
    corrected.payload["commitments"][1]["ratings"]["completion"]["value"] = "substantial"
    send(corrected)
    second = wait_until(lambda: publication_documents.Finding.objects(case_id="case_fix", version=2).first(), what="version 2")
    assert second.supersedes == first.finding_id
    old = requests.get(f"{base}/api/v1/findings/{first.finding_id}", timeout=10).json()
    new = requests.get(f"{base}/api/v1/findings/{second.finding_id}", timeout=10).json()
    assert old["version"] == 1 and old["commitments"][1]["ratings"]["completion"]["value"] == "limited"  # unchanged
    assert new["version"] == 2 and new["supersedes"] == first.finding_id
    trail = audit_of(base, "case_fix")
    assert trail["verification"]["valid"] and trail["entries"][-1]["data"]["supersedes"] == first.finding_id


def test_a_listed_finding_shows_what_its_page_shows(publication):
    """The list reads only some fields (LIST_PROJECTION): every one its items show must be read."""
    base, send = publication
    send(approved_event("case_view"))
    finding = published("case_view")
    [item] = wait_until(lambda: requests.get(f"{base}/api/v1/findings", timeout=10).json()["items"], what="the list")
    page = requests.get(f"{base}/api/v1/findings/{finding.finding_id}", timeout=10).json()
    assert item == {key: page[key] for key in item}
    assert item["status"] == "published" and item["member"]["code"] == finding.member_code
