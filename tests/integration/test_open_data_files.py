"""Open data served from its rendered files (services/publication/open_data_files.py), on the real database and
service: the bytes of the whole-body rendering, streamed while they are rendered, one version per download
whatever is published meanwhile, and the ETag naming it."""
import csv
import io
import json
import time
from datetime import timedelta

import eventlet
import mongoengine
import pytest
import requests

from devtools import sample
from services.publication import handlers, open_data, open_data_files, positions, queries, views
from services.publication.service import PublicationService
from shared.auth import Principal
from shared.clock import utcnow
from shared.persistence.unit_of_work import run_in_transaction

pytestmark = pytest.mark.integration

MEMBERS = (sample.MEMBER, {"code": "MA-BMK", "kind": "local", "names": {"fr": "Béni Mellal-Khénifra"}})
PATHS = {"csv": "/api/v1/open-data/commitments.csv", "json": "/api/v1/open-data/commitments.json"}


@pytest.fixture
def publication(start_service):
    return start_service(PublicationService)


def publish(case_numbers, start=None):
    """Publish cases by publication's own handler, one unit of work each, a millisecond apart (a case
    published again is a correction)."""
    started = start or utcnow()
    client = mongoengine.connection.get_connection()
    for n, case in enumerate(case_numbers):
        payload = sample.approved_payload(f"case_od{case:04d}", MEMBERS[case % 2], plan_assessment=None,
                                          titles={"TN0502": {"fr": f"Marchés publics n° {case}, « ouverts »\n2e ligne", "ar": "مشاركة"}})
        run_in_transaction(client, "publication", lambda uow, p=payload, n=n: handlers.publish(
            uow, p, f"corr-{p['case_id']}", started + timedelta(milliseconds=n)))


def withdraw(case):
    from services.publication import documents

    latest = documents.Finding.objects(case_id=f"case_od{case:04d}", superseded_by=None).first()
    run_in_transaction(mongoengine.connection.get_connection(), "publication", lambda uow: handlers.withdraw(
        uow, Principal("admin", "admin"), latest.finding_id, "Withdrawn by the test.", "corr-withdraw", utcnow()))


def whole_body(kind) -> bytes:
    """Open data as it was rendered before files: every case's latest version in force, read whole through the
    ODM newest first, rendered as one table (the reference the files' bytes must equal; the tests publish a
    millisecond apart, so publication time and position give the same order)."""
    from services.publication import documents

    in_force = documents.Finding.objects(superseded_by=None, status__ne="withdrawn").order_by("-published_at_dt", "-finding_id")
    return b"".join(open_data.PIECES[kind]([open_data.rows(views.finding_view(f) for f in in_force)]))


def new_marker():
    time.sleep(1.2)  # the freshness marker is refreshed every second


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_open_data_is_the_whole_body_rendering_and_answers_304_until_the_next_publication(publication, kind):
    publish(range(120))
    publish([3, 50])  # corrections
    withdraw(7)
    new_marker()
    answer = requests.get(publication + PATHS[kind], timeout=30)
    assert answer.status_code == 200 and answer.headers["ETag"] and answer.headers["Last-Modified"]
    assert answer.content == whole_body(kind)
    assert open_data_files.content_etag(kind, positions.top()) == answer.headers["ETag"]
    if kind == "csv":
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
        assert len(rows) == 119 * 3 and answer.headers["Content-Type"].startswith("text/csv")
    else:
        assert len(json.loads(answer.content)["rows"]) == 119 * 3

    again = requests.get(publication + PATHS[kind], timeout=30)  # from the finished file: its length is known
    assert again.content == answer.content and again.headers["ETag"] == answer.headers["ETag"]
    assert again.headers["Content-Length"] == str(len(answer.content))
    unchanged = requests.get(publication + PATHS[kind], headers={"If-None-Match": answer.headers["ETag"]}, timeout=30)
    assert unchanged.status_code == 304 and not unchanged.content and unchanged.headers["ETag"] == answer.headers["ETag"]

    publish([120])
    new_marker()
    changed = requests.get(publication + PATHS[kind], headers={"If-None-Match": answer.headers["ETag"]}, timeout=30)
    assert changed.status_code == 200 and changed.headers["ETag"] != answer.headers["ETag"]
    assert changed.content == whole_body(kind) != answer.content


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_download_streams_while_it_is_rendered_and_holds_one_version_whatever_is_published_meanwhile(
        publication, monkeypatch, kind):
    publish(range(80))
    new_marker()
    before = whole_body(kind)
    # The first rendering stops after its first batch until the test lets it go on: the download has
    # begun, and a publication and a second download happen while the first file is half written.
    paused, reads = eventlet.event.Event(), []
    read_by_id = queries.findings_by_id

    def findings_by_id(finding_ids):
        reads.append(len(finding_ids))
        if len(reads) == 2:
            paused.wait()
        return read_by_id(finding_ids)

    monkeypatch.setattr(queries, "findings_by_id", findings_by_id)
    first = requests.get(publication + PATHS[kind], stream=True, timeout=30)
    assert first.status_code == 200 and "Content-Length" not in first.headers  # being rendered: sent chunked
    pieces = first.iter_content(None)
    head = next(pieces)
    assert before.startswith(head) and len(head) < len(before)

    publish([80, 5])  # a new case and a correction
    withdraw(9)
    new_marker()
    after = whole_body(kind)
    second = requests.get(publication + PATHS[kind], timeout=30)  # a new content: rendered on its own
    assert second.status_code == 200 and second.content == after != before
    assert second.headers["ETag"] != first.headers["ETag"]

    paused.send()
    assert head + b"".join(pieces) == before  # the first download ends as it began: the version before
    assert reads[0] == open_data_files.BATCH


def test_a_rendering_that_fails_ends_its_download_unfinished_and_the_next_download_renders_again(publication, monkeypatch):
    publish(range(60))
    new_marker()
    read_by_id, reads = queries.findings_by_id, []

    def failing_once(finding_ids):
        reads.append(len(finding_ids))
        if len(reads) == 2:
            raise RuntimeError("the database went away")
        return read_by_id(finding_ids)

    monkeypatch.setattr(queries, "findings_by_id", failing_once)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(publication + PATHS["json"], timeout=30).content  # noqa: B018 -- reading the body is the test
    answer = requests.get(publication + PATHS["json"], timeout=30)
    assert answer.status_code == 200 and answer.content == whole_body("json")
    assert len(json.loads(answer.content)["rows"]) == 60 * 3
