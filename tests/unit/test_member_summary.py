"""The members' summaries (services/publication/domain/member_summary.py): the counters a publication or a
withdrawal changes, equal at every step to a count of the findings from scratch; and the handlers keeping
them, over the in-memory unit of work, including the first count of findings stored before summaries."""
from datetime import datetime, timezone

from devtools import sample
from services.publication import documents, handlers, member_summaries
from services.publication.domain import member_summary
from shared.auth import Principal
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
LENS_ALL = {"transparency": True, "participation": True, "accountability": True}
MEMBER = {"code": "TN", "kind": "national", "names": {"fr": "Tunisie"}}


def commitment(verifiability="verifiable", lens=None, potential="modest"):
    ratings = {"verifiability": {"value": verifiability}}
    if verifiability == "verifiable":
        ratings["open_government_lens"] = {"value": lens or {}}
        ratings["potential_for_results"] = {"value": potential}
    return {"ratings": ratings}


def finding(position, cycle, commitments, status="published", superseded_by=None, member=MEMBER):
    return {"member_code": member["code"], "member": member, "languages": ["fr"], "cycle": cycle, "commitments": commitments,
            "status": status, "superseded_by": superseded_by, "position": position}


def applied(summary, increments):
    """A summary with `change`'s increments added, as MongoDB's $inc on dotted fields does."""
    for path, amount in increments.items():
        *parents, last = path.split(".")
        target = summary
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = target.get(last, 0) + amount
    return summary


def counts(summary):
    return {"versions": summary["versions"], "rows": member_summary.rows(summary)}


def test_a_first_version_adds_its_commitments_and_dimensions_to_its_cycle():
    first = finding(1, "2023-2025", [commitment(lens=LENS_ALL, potential="substantial"), commitment("not_verifiable")])
    assert member_summary.change(first, None) == {
        "versions": 1, "cycles.c2023-2025.findings": 1, "cycles.c2023-2025.commitments": 2, "cycles.c2023-2025.transparency": 1,
        "cycles.c2023-2025.participation": 1, "cycles.c2023-2025.accountability": 1, "cycles.c2023-2025.ambition": 1}


def test_a_correction_moves_the_counts_from_the_replaced_version_and_a_withdrawal_takes_them_away():
    old = finding(1, "2023-2025", [commitment(lens={"transparency": True})])
    new = finding(2, "2023-2025", [commitment(lens={"participation": True}), commitment()])
    assert member_summary.change(new, old) == {"versions": 1, "cycles.c2023-2025.commitments": 1,
                                               "cycles.c2023-2025.transparency": -1, "cycles.c2023-2025.participation": 1}
    withdrawal = {**new, "position": 3, "status": "withdrawn"}
    assert member_summary.change(withdrawal, new) == {"versions": 1, "cycles.c2023-2025.findings": -1,
                                                      "cycles.c2023-2025.commitments": -2, "cycles.c2023-2025.participation": -1}
    # A new version after a withdrawal replaces a version not in force: it only adds.
    again = {**old, "position": 4}
    assert member_summary.change(again, withdrawal) == member_summary.change(again, None)


def test_the_counters_equal_a_count_from_scratch_at_every_step_and_an_emptied_cycle_is_not_a_row():
    steps = [  # (the new version, the one it replaces): each version as stored before the step
        ("a1", finding(1, "2021-2023", [commitment(lens=LENS_ALL)]), None),
        ("b1", finding(2, "2023-2025", [commitment(lens={"transparency": True}), commitment("not_verifiable")]), None),
        ("a2", finding(3, "2021-2023", [commitment(lens={"accountability": True}, potential="substantial")]), "a1"),
        ("b2", finding(4, "2023-2025", [commitment()], status="withdrawn"), "b1"),
    ]
    stored, summary = {}, {"versions": 0, "cycles": {}}
    for name, new, replaced in steps:
        applied(summary, member_summary.change(new, stored[replaced] if replaced else None))
        if replaced:
            stored[replaced] = {**stored[replaced], "superseded_by": name}
        stored[name] = new
        assert counts(summary) == counts(member_summary.summaries(stored.values())["TN"])
    assert member_summary.rows(summary) == [{"cycle": "2021-2023", "commitments": 1, "findings": 1, "counts": {
        "transparency": 0, "participation": 0, "accountability": 1, "ambition": 1}}]
    assert summary["versions"] == 4


def test_a_count_from_scratch_names_each_member_as_its_newest_finding_and_sorts_cycles_oldest_first():
    renamed = {**MEMBER, "names": {"fr": "République tunisienne"}}
    other = {"code": "XS", "kind": "local", "names": {"en": "Xs"}}
    found = member_summary.summaries([finding(3, "2023-2025", [commitment()], member=renamed),
                                      finding(1, "2019-2021", [commitment()]), finding(2, "2021-2023", [commitment()], member=other)])
    assert found["TN"]["member"] == renamed and found["XS"]["member"] == other and found["TN"]["versions"] == 2
    assert [row["cycle"] for row in member_summary.rows(found["TN"])] == ["2019-2021", "2023-2025"]


def test_any_cycle_text_is_a_field_name_and_reads_back():
    for cycle in ("2023-2025", "", "2023.2025", "$x", "a%b", "دورة"):
        key = member_summary.cycle_key(cycle)
        assert "." not in key and not key.startswith("$") and key and member_summary.cycle_of(key) == cycle


# --- the handlers keep them ---------------------------------------------------------------------------
def approved(case_id):
    return sample.approved_payload(case_id, self_assessment_id="sa-1", expert_id="exp-a", reviewer_id="iep-1")


def recount(uow, member_code):
    return member_summary.summaries(uow.read(documents.Finding, {}, member_summaries.COUNTED_FIELDS))[member_code]


def test_publications_and_withdrawals_keep_the_summary_equal_to_a_recount():
    uow = FakeUnitOfWork("publication")
    first = handlers.publish(uow, approved("case-1"), "corr-1", NOW)
    handlers.publish(uow, approved("case-2"), "corr-2", NOW)
    code = uow.get(documents.Finding, {"_id": first}).member_code
    corrected = handlers.publish(uow, approved("case-1"), "corr-3", NOW)
    handlers.withdraw(uow, Principal("admin", "admin"), corrected, "The data was fabricated.", "corr-4", NOW)
    summary = uow.stored(documents.MemberSummary, code)
    assert summary["versions"] == 4 and counts(summary) == counts(recount(uow, code))
    assert [row["findings"] for row in member_summary.rows(summary)] == [1]


def test_findings_stored_before_summaries_are_counted_once_then_kept_by_the_counters():
    uow = FakeUnitOfWork("publication")
    first = handlers.publish(uow, approved("case-1"), "corr-1", NOW)
    code = uow.get(documents.Finding, {"_id": first}).member_code
    # As a database from before summaries: findings, no summary and no marker.
    uow.collections.pop(documents.MemberSummary._get_collection_name())
    uow.collection(documents.FindingCounter).pop(member_summaries.MARKER)
    assert member_summaries.ensure_summaries(uow) is True
    assert member_summaries.ensure_summaries(uow) is False  # counted once
    assert counts(uow.stored(documents.MemberSummary, code)) == counts(recount(uow, code))
    uow.collections.pop(documents.MemberSummary._get_collection_name())
    uow.collection(documents.FindingCounter).pop(member_summaries.MARKER)
    handlers.publish(uow, approved("case-2"), "corr-2", NOW)  # the first publication counts what was stored, then itself
    summary = uow.stored(documents.MemberSummary, code)
    assert summary["versions"] == 2 and counts(summary) == counts(recount(uow, code))
