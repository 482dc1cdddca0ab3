"""The transparency log on the real database and broker: sequencing, signed checkpoints,
proofs over HTTP, the stand-alone verifier, and what tampering or a fork does to it.

The proofs and checkpoints the service serves are also handed to Go's golang.org/x/mod
sumdb/note and sumdb/tlog (tests/interop/), an implementation that shares nothing with ours.
"""
import base64
import os

import mongoengine
import pytest
import requests

from cli import verify as verifier
from services.publication import documents as publication_documents
from services.publication.transparency_log import TransparencyLog
from shared import audit
from shared.persistence.documents import AuditEntry, LogQueueEntry
from shared.transparency import merkle
from shared.transparency.note import Checkpoint, TIME_PREFIX, open_checkpoint, sign_checkpoint
from tests import log_tampering
from tests.integration.conftest import wait_until
from tests.integration.test_publication import approved_event, publication, published, seed_history  # noqa: F401 (fixture)
from tests.interop import tlog_reference

pytestmark = pytest.mark.integration
CASE = "case_log"


def client():
    return mongoengine.connection.get_connection()


def log_size():
    raw = publication_documents.LogState._get_collection().find_one({"_id": "log"})
    return raw["size"] if raw else 0


def wait_logged():
    """Until every recorded entry is in the tree and a checkpoint covers the whole tree."""
    def settled():
        latest = publication_documents.LogCheckpoint.objects.order_by("-size").first()
        return (LogQueueEntry.objects.count() == 0 and latest is not None and latest.size == log_size()
                == AuditEntry.objects.count())
    wait_until(settled, timeout=20, what="the log to take in every entry and sign it")


@pytest.fixture
def published_log(publication, log_signing_key, tmp_path):
    """A finding whose case history is logged and signed, plus a second case around it."""
    base, send = publication
    seed_history(client(), "case_before")
    seed_history(client(), CASE)
    send(approved_event(CASE))
    finding = published(CASE)
    seed_history(client(), "case_after")
    wait_logged()
    return base, finding.finding_id, log_signing_key.verifier, tmp_path / "state.json"


def run_verifier(base, key, target, state=None, **options):
    return verifier.verify(base, key, target, state_path=state, **options)


# --- the untouched log -------------------------------------------------------------------------
def test_every_entry_is_logged_once_and_the_untouched_log_verifies(published_log):
    base, finding_id, key, state = published_log
    leaves = list(publication_documents.LogLeaf._get_collection().find({}, sort=[("_id", 1)]))
    assert [leaf["_id"] for leaf in leaves] == list(range(AuditEntry.objects.count()))
    assert len({(leaf["case_id"], leaf["seq"]) for leaf in leaves}) == len(leaves)
    report = run_verifier(base, key, finding_id, state)
    assert report.ok, report.problems
    assert any("in the log at index" in line for line in report.checked)
    assert sum("in the log at index" in line for line in report.checked) == 6
    # The command line says the same, with its exit status.
    assert verifier.main([finding_id, "--url", base, "--key", str(key), "--state", str(state)]) == 0


def test_the_verifier_remembers_a_checkpoint_and_checks_the_log_only_grew(published_log):
    base, finding_id, key, state = published_log
    first = run_verifier(base, key, finding_id, state)
    assert first.ok and first.checkpoint["size"] == 16
    seed_history(client(), "case_later")
    wait_logged()
    second = run_verifier(base, key, finding_id, state)
    assert second.ok, second.problems
    assert second.checkpoint["size"] == 21
    assert any("extends the checkpoint seen on" in line for line in second.checked)


def test_checkpoints_are_signed_kept_and_readable_by_anyone(published_log):
    base, _, key, _ = published_log
    seed_history(client(), "case_later")
    wait_logged()
    latest = requests.get(f"{base}/api/v1/log/checkpoint", timeout=10)
    assert latest.headers["Content-Type"].startswith("text/plain")
    checkpoint = open_checkpoint(latest.text, key)
    assert checkpoint.origin == "irm-review.test/audit-log" and checkpoint.size == log_size()
    assert checkpoint.time.endswith("Z")
    assert requests.get(f"{base}/api/v1/log/key", timeout=10).text.strip() == str(key)
    listing = requests.get(f"{base}/api/v1/log/checkpoints", timeout=10).json()
    assert listing["items"][-1]["note"] == latest.text
    sizes = [item["size"] for item in listing["items"]]
    assert sizes == sorted(sizes) and len(sizes) >= 2  # the log grew in steps, each signed and kept
    kept = requests.get(f"{base}/api/v1/log/checkpoints/{sizes[0]}", timeout=10)
    assert kept.status_code == 200 and "immutable" in kept.headers["Cache-Control"]
    assert open_checkpoint(kept.text, key).size == sizes[0]


def test_the_timeline_shows_who_did_what_when_and_why_in_log_order(published_log):
    base, _, _, _ = published_log
    timeline = requests.get(f"{base}/api/v1/cases/{CASE}/timeline", timeout=10).json()
    events = timeline["events"]
    assert [e["what"] for e in events] == ["self_assessment.submitted", "review.assigned", "rating.saved",
                                           "review.submitted", "review.approved", "finding.published"]
    indexes = [e["log_index"] for e in events]
    assert indexes == sorted(indexes) and None not in indexes
    assert events[-1]["who"] == {"role": "system", "id": "publication"} and events[-1]["why"].startswith("Findings on")
    assert requests.get(f"{base}/api/v1/cases/nope/timeline", timeout=10).status_code == 404


def test_monitors_can_replay_the_whole_log_in_order(published_log):
    base, _, _, _ = published_log
    page = requests.get(f"{base}/api/v1/log/entries", params={"start": 0, "limit": 7}, timeout=10).json()
    items, size = list(page["items"]), page["tree_size"]
    while page["next"]:
        page = requests.get(base + page["next"], timeout=10).json()
        items += page["items"]
    assert [item["index"] for item in items] == list(range(size))
    stored = {}
    for item in items:  # a monitor rebuilds the tree from the leaves and gets the signed root
        leaf = merkle.leaf_hash(item["leaf_data"].encode())
        assert base64.b64encode(leaf).decode() == item["leaf_hash"]
        assert item["leaf_data"].encode() == audit.log_leaf(item["entry"])
        stored.update(merkle.append(item["index"], [stored[c] for c in merkle.subtrees(0, item["index"])], [leaf]))
    root = publication_documents.LogState._get_collection().find_one({"_id": "log"})["root"]
    assert merkle.root(size, stored) == root


@pytest.mark.parametrize("params, status, field", [
    ({"index": 5, "size": 5}, 422, "index"),
    ({"index": -1, "size": 5}, 422, "index"),
    ({"size": 5}, 422, "index"),
    ({"index": "x", "size": 5}, 422, "index"),
    ({"index": 0, "size": 0}, 422, "size"),
    ({"index": 0, "size": 10_000}, 404, None),
])
def test_bad_proof_requests_get_field_level_answers(published_log, params, status, field):
    base, _, _, _ = published_log
    answer = requests.get(f"{base}/api/v1/log/proofs/inclusion", params=params, timeout=10)
    assert answer.status_code == status
    if field:
        assert field in answer.json()["error"]["fields"]


def test_bad_consistency_requests_are_refused(published_log):
    base, _, _, _ = published_log
    for params, status in [({"from": 5, "to": 3}, 422), ({"from": 0, "to": 3}, 422), ({"to": 3}, 422),
                           ({"from": 1, "to": 10_000}, 404)]:
        assert requests.get(f"{base}/api/v1/log/proofs/consistency", params=params, timeout=10).status_code == status


# --- tampering and forks -------------------------------------------------------------------------
entries, leaves = log_tampering.entries, log_tampering.leaves


def change_an_entry():
    log_tampering.change_an_entry(CASE, 2)


def change_an_entry_and_rehash_its_chain():
    change_an_entry()
    log_tampering.rehash_chain_from(CASE, 2)
    head = entries().find_one({"case_id": CASE}, sort=[("seq", -1)])
    publication_documents.Finding._get_collection().update_many({"case_id": CASE}, {"$set": {"audit_head.hash": head["hash"]}})


def remove_an_entry():
    entries().delete_one({"case_id": CASE, "seq": 3})


remove_a_log_leaf, reorder_two_log_leaves, alter_a_stored_node = log_tampering.bound_to(
    CASE, log_tampering.remove_a_log_leaf, log_tampering.reorder_two_log_leaves, log_tampering.alter_a_stored_node)


@pytest.mark.parametrize("tamper", [change_an_entry, change_an_entry_and_rehash_its_chain, remove_an_entry,
                                    remove_a_log_leaf, reorder_two_log_leaves, alter_a_stored_node])
def test_tampering_with_any_stored_log_entry_makes_the_verifier_fail(published_log, tamper):
    base, finding_id, key, state = published_log
    assert run_verifier(base, key, finding_id, state).ok
    tamper()
    report = run_verifier(base, key, finding_id, state)
    assert not report.ok
    assert report.problems
    assert verifier.main([finding_id, "--url", base, "--key", str(key), "--no-state"]) == 1


def test_a_proof_the_log_can_no_longer_give_is_its_own_error_and_an_unproven_entry(published_log):
    """A leaf's hash is stored once, in its LogLeaf: with the leaf gone, its neighbour's proof cannot be made. The
    service says so (`log_incomplete`, logged as an error), and `irm verify` counts the entry unproven (exit 1),
    not the log unreachable (exit 2)."""
    base, finding_id, key, state = published_log
    index = leaves().find_one({"case_id": CASE, "seq": 1})["_id"]
    size = publication_documents.LogState._get_collection().find_one({"_id": "log"})["size"]
    remove_a_log_leaf()
    answer = requests.get(f"{base}/api/v1/log/proofs/inclusion", params={"index": index ^ 1, "size": size}, timeout=10)
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "log_incomplete"
    assert f"0/{index}" in answer.json()["error"]["message"]
    report = run_verifier(base, key, finding_id, state)
    assert any("the log cannot prove" in line for line in report.problems), report.problems
    assert verifier.main([finding_id, "--url", base, "--key", str(key), "--no-state"]) == 1


def rebuild_the_log_from_scratch(send):
    """An insider rewrites history: edit an entry, rehash, rebuild the tree, sign it anew."""
    change_an_entry_and_rehash_its_chain()
    log_tampering.requeue_the_whole_log()
    # ...and the log goes on (a new publication, which also refreshes the public pages the
    # service keeps in memory), so the forged tree is bigger than the one the verifier saw.
    seed_history(client(), "case_cover")
    send(approved_event("case_cover"))
    published("case_cover")
    wait_logged()


def test_a_rewritten_and_resigned_log_is_caught_as_a_fork(published_log, publication):
    base, finding_id, key, state = published_log
    seen = run_verifier(base, key, finding_id, state)
    assert seen.ok
    earlier_note = seen.checkpoint["note"]
    rebuild_the_log_from_scratch(publication[1])
    # Without memory the forgery is self-consistent: that is why verifiers keep checkpoints.
    assert run_verifier(base, key, finding_id).ok
    remembered = run_verifier(base, key, finding_id, state)
    assert not remembered.ok
    assert any(problem.startswith("FORK") for problem in remembered.problems), remembered.problems
    given = run_verifier(base, key, finding_id, earlier_checkpoint=earlier_note)
    assert not given.ok and any(problem.startswith("FORK") for problem in given.problems)


def test_two_signed_roots_for_one_size_are_reported_as_a_fork(published_log, log_signing_key):
    base, finding_id, key, state = published_log
    assert run_verifier(base, key, finding_id, state).ok
    latest = publication_documents.LogCheckpoint.objects.order_by("-size").first()
    forged = sign_checkpoint(Checkpoint(key.name, latest.size, bytes(32), (TIME_PREFIX + "2026-01-01T00:00:00Z",)), log_signing_key)
    report = run_verifier(base, key, finding_id, earlier_checkpoint=forged)
    assert not report.ok and any("FORK" in problem for problem in report.problems)


# --- concurrency ------------------------------------------------------------------------------------
def test_two_sequencers_at_once_log_every_entry_exactly_once(db, log_signing_key):
    import eventlet

    log = TransparencyLog()
    log.key, log.checkpoint_every = log_signing_key, None
    for n in range(12):
        seed_history(client(), f"case_c{n}")

    def drain():
        while LogQueueEntry.objects.count():
            log.sequence(client(), batch=7)

    pool = [eventlet.spawn(drain) for _ in range(2)]
    for thread in pool:
        thread.wait()
    found = list(leaves().find({}, sort=[("_id", 1)]))
    assert [leaf["_id"] for leaf in found] == list(range(60))
    assert len({(leaf["case_id"], leaf["seq"]) for leaf in found}) == 60
    stored = log.read_nodes(merkle.subtrees(0, 60))
    assert merkle.root(60, stored) == publication_documents.LogState._get_collection().find_one({"_id": "log"})["root"]


# --- against an independent implementation ---------------------------------------------------------
def test_checkpoints_and_proofs_verify_with_gos_sumdb_note_and_tlog(published_log):
    reason = tlog_reference.available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Go reference checker is required in CI: {reason}")
        pytest.skip(reason)
    base, _, key, _ = published_log
    get = lambda path, **params: requests.get(base + path, params=params, timeout=10)  # noqa: E731
    notes = [item["note"] for item in get("/api/v1/log/checkpoints").json()["items"]]
    checkpoints = [open_checkpoint(note, key) for note in notes]
    entries_page = get("/api/v1/log/entries", limit=1000).json()
    leaf_data = [item["leaf_data"].encode() for item in entries_page["items"]]
    inclusion, consistency = [], []
    for checkpoint in checkpoints:
        for index in range(checkpoint.size):
            proof = get("/api/v1/log/proofs/inclusion", index=index, size=checkpoint.size).json()["hashes"]
            inclusion.append(tlog_reference.inclusion(leaf_data[index], index, checkpoint.size, checkpoint.root,
                                                      [base64.b64decode(h) for h in proof]))
    for old in checkpoints:
        for new in checkpoints:
            if old.size <= new.size:
                proof = get("/api/v1/log/proofs/consistency", **{"from": old.size, "to": new.size}).json()["hashes"]
                consistency.append(tlog_reference.consistency(old.size, old.root, new.size, new.root,
                                                              [base64.b64decode(h) for h in proof]))
    answer = tlog_reference.check({
        "vkey": str(key), "checkpoints": notes, "inclusion": inclusion, "consistency": consistency,
        "tree": tlog_reference.tree(leaf_data, [c.size for c in checkpoints]),
    })
    assert all(c["ok"] for c in answer["checkpoints"]), answer["checkpoints"]
    assert [c["size"] for c in answer["checkpoints"]] == [c.size for c in checkpoints]
    assert all(i["ok"] for i in answer["inclusion"]) and len(answer["inclusion"]) >= 16
    assert all(c["ok"] for c in answer["consistency"]), answer["consistency"]
    assert tlog_reference.tree_roots(answer) == {c.size: c.root for c in checkpoints}
    # ...and the reference says no where it should: a changed leaf, a forged note.
    bad = tlog_reference.check({
        "vkey": str(key), "checkpoints": [notes[-1].replace(f"\n{checkpoints[-1].size}\n", "\n1\n")],
        "inclusion": [{**inclusion[0], "leaf_data": tlog_reference.b64(b"forged")}],
    })
    assert not bad["checkpoints"][0]["ok"] and not bad["inclusion"][0]["ok"]
