"""Open data rendered piece by piece: the same bytes however the findings are split into batches,
and the same bytes as the whole-body rendering the service served before it streamed."""
import csv
import hashlib
import io
import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest

from devtools import sample
from services.publication import documents, handlers, open_data, queries, views
from tests.fake_unit_of_work import FakeUnitOfWork

MEMBERS = (
    sample.MEMBER,
    {"code": "MA-BMK", "kind": "local", "names": {"fr": "Béni Mellal-Khénifra"}},
    {"code": "JO", "kind": "national", "names": {"ar": "الأردن"}},
    {"code": "FR-PAR", "kind": "local", "names": {"en": "Paris", "fr": "Paris", "ar": "باريس"}},
)
TITLES = (
    {"fr": 'Budget\t2025\n« ouvert », "cité"; =HYPERLINK("http://x")', "en": "Line\u2028separated \u202eevil\u202c"},
    {"fr": "a\x00b\x1bc\rd", "ar": "نشر\tالبيانات\nالمفتوحة"},
    {"ar": "سجل المستفيدين الحقيقيين"},
    {"en": "Plain, with a comma", "fr": "Simple"},
)
RATING_VARIANTS = (
    {},
    {"TN0501": {"open_government_lens": {"value": {"transparency": False, "participation": False, "accountability": True},
                                         "justification": {"en": "Accountability only."}},
                "did_it_open_government": sample.rating("outstanding", "Tout a changé.")}},
    {"TN0502": {"verifiability": sample.rating("not_verifiable", "Rien de mesurable.")}},
)


def many_findings(count, monkeypatch, read=documents.Finding._from_son):
    """`count` published findings, every few of them corrected, with members, titles and ratings that vary
    (tabs, newlines, quotes, control characters, Arabic): the finding views open data reads, oldest first,
    each stored document loaded by `read`."""
    ids = itertools.count(1)
    monkeypatch.setattr(handlers, "new_id", lambda prefix: f"{prefix}_{next(ids):06d}")
    uow = FakeUnitOfWork("publication")
    published = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    for n in range(count):
        case = n if n % 7 else max(0, n - 3)  # every seventh approval corrects an earlier case
        payload = sample.approved_payload(
            f"case_{case:04d}", MEMBERS[case % len(MEMBERS)], action_plan={"cycle": f"{2015 + case % 9}-{2017 + case % 9}",
                                                                           "plan_number": 1 + case % 6},
            titles={commitment: TITLES[(case + i) % len(TITLES)] for i, commitment in enumerate(("TN0501", "TN0502", "TN0503"))},
            ratings=RATING_VARIANTS[n % len(RATING_VARIANTS)], plan_assessment=None)
        handlers.publish(uow, payload, f"corr-{n}", published + timedelta(minutes=37 * n, milliseconds=n))
    raws = uow.collection(documents.Finding).values()
    return [views.finding_view(read(raw)) for raw in raws if not raw.get("superseded_by")]


# sha256 of the whole-body rendering of many_findings(300) as the service served it before open data streamed
# (open_data.to_csv / to_json of one table, at commit 7284460): every rendering must still produce these bytes.
WHOLE_BODY_SHA256 = {"csv": "7c58269f897498ab603c4e466c331f86d073573660b3b660ce79c5a4b9c79abb",
                     "json": "125b91fc2b15531ac30c6040da419331d6e24ca8cde8e5ab107474d1fb8d91b7"}


def batches(table, size):
    return [table[start:start + size] for start in range(0, len(table), size)]


@pytest.fixture
def table(monkeypatch):
    rows = open_data.rows(many_findings(300, monkeypatch))
    assert len(rows) > 700
    return rows


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_the_pieces_are_the_bytes_served_before_however_the_rows_are_split(table, kind):
    for split in ([table], batches(table, 1), batches(table, 7), batches(table, 60), [[], table[:5], [], table[5:]]):
        body = b"".join(open_data.PIECES[kind](split))
        assert hashlib.sha256(body).hexdigest() == WHOLE_BODY_SHA256[kind], [len(t) for t in split][:5]


def test_the_pieces_parse_back_to_the_rows(table):
    as_csv = b"".join(open_data.csv_pieces(batches(table, 50))).decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(as_csv, newline="")))
    assert [row["Finding URL"] for row in parsed] == [row["Finding URL"] for row in table]
    assert parsed[0]["Commitment Title (fr)"] == TITLES[0]["fr"]
    assert "\ufffd" in parsed[1]["Commitment Title (fr)"]  # its NUL, ESC and lone CR replaced
    as_json = json.loads(b"".join(open_data.json_pieces(batches(table, 50))))
    assert as_json == {"columns": open_data.FIELDNAMES, "rows": table}


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_no_findings_is_a_header_only_csv_and_an_empty_json_list(kind):
    body = b"".join(open_data.PIECES[kind]([]))
    assert body == b"".join(open_data.PIECES[kind]([[], []]))
    if kind == "csv":
        assert body == ("\ufeff" + ",".join(open_data.FIELDNAMES) + "\r\n").encode("utf-8")
    else:
        assert json.loads(body) == {"columns": open_data.FIELDNAMES, "rows": []}


def test_a_stored_finding_read_raw_gives_the_rows_of_the_document_mongoengine_loads(monkeypatch, table):
    """queries.findings_by_id reads raw documents with open data's projection: the same rows as the Finding."""
    as_read = open_data.rows(many_findings(300, monkeypatch, read=lambda raw: queries.StoredFinding(
        {"_id": raw["_id"], **{field: raw[field] for field in queries.OPEN_DATA_PROJECTION}})))
    assert as_read == table
    with pytest.raises(AttributeError):
        queries.StoredFinding({"_id": "fnd_1"}).not_a_field  # noqa: B018
    assert queries.StoredFinding({"_id": "fnd_1"}).expert_id is None  # left out by the projection


def test_the_ids_in_force_are_each_cases_newest_version_read_window_by_window_unless_withdrawn():
    from services.publication.domain.finding import latest_in_force

    seen = set()
    newer = [{"_id": "c3", "case_id": "c", "status": "published"}, {"_id": "b2", "case_id": "b", "status": "withdrawn"},
             {"_id": "a1", "case_id": "a", "status": "published"}]
    older = [{"_id": "c2", "case_id": "c", "status": "withdrawn"}, {"_id": "b1", "case_id": "b", "status": "published"},
             {"_id": "d1", "case_id": "d", "status": "published"}, {"_id": "c1", "case_id": "c", "status": "published"}]
    # Two windows, newest first: a case's versions in an older window were replaced by the one seen first.
    assert list(latest_in_force(newer, seen)) == ["c3", "a1"]
    assert list(latest_in_force(older, seen)) == ["d1"]
    assert seen == {"a", "b", "c", "d"}
