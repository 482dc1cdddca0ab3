import copy

import pytest

from shared import audit


def chain(length=5, case_id="case_1"):
    entries, previous = [], None
    for n in range(length):
        previous = audit.next_entry(previous, case_id=case_id, occurred_at=f"2026-01-01T00:00:0{n}.000Z", service="review",
                                    action=f"step.{n}", actor={"role": "expert", "id": "exp-a"}, reason=f"because {n}",
                                    data={"n": n, "text": "نص عربي"}, correlation_id="corr")
        entries.append(previous)
    return entries


def test_an_untouched_chain_verifies():
    entries = chain()
    result = audit.verify_chain(entries, expected_head={"seq": 4, "hash": entries[-1]["hash"]})
    assert result.valid and result.entries == 5 and result.head == entries[-1]["hash"]
    assert entries[0]["prev_hash"] == audit.GENESIS and entries[1]["prev_hash"] == entries[0]["hash"]


@pytest.mark.parametrize("field, value", [
    ("reason", "edited"), ("action", "other"), ("occurred_at", "2030-01-01T00:00:00.000Z"),
    ("actor", {"role": "admin", "id": "x"}), ("data", {"n": 99}), ("correlation_id", "x"), ("case_id", "case_2"),
])
def test_editing_any_field_of_any_entry_is_detected(field, value):
    for position in range(5):
        entries = chain()
        entries[position][field] = value
        assert not audit.verify_chain(entries).valid, (field, position)


def test_reordering_is_detected():
    entries = chain()
    entries[1], entries[2] = entries[2], entries[1]
    problems = audit.verify_chain(entries).problems
    assert {p["problem"].split(":")[0] for p in problems} >= {"expected seq 1"}


def test_deleting_an_entry_is_detected():
    for position in range(4):
        entries = chain()
        del entries[position]
        assert not audit.verify_chain(entries).valid


def test_truncation_is_detected_only_against_a_recorded_head():
    entries = chain()
    head = {"seq": 4, "hash": entries[-1]["hash"]}
    assert audit.verify_chain(entries[:-1]).valid  # a shorter chain is self-consistent...
    assert not audit.verify_chain(entries[:-1], expected_head=head).valid  # ...but not with the head


def test_rehashing_an_edited_entry_breaks_the_next_link():
    entries = chain()
    entries[2]["reason"] = "rewritten"
    entries[2]["hash"] = audit.entry_hash(entries[2])
    problems = audit.verify_chain(entries).problems
    assert [p["seq"] for p in problems] == [3]


def test_hashes_are_canonical_and_reproducible():
    a = chain()[0]
    b = copy.deepcopy(a)
    b["data"] = {"text": "نص عربي", "n": 0}  # same content, other key order
    assert audit.entry_hash(a) == audit.entry_hash(b)
    assert audit.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_floats_are_refused_at_write_time():
    with pytest.raises(TypeError):
        audit.next_entry(None, case_id="c", occurred_at="t", service="s", action="a", actor={"role": "r", "id": "i"},
                         reason="", data={"score": 0.5}, correlation_id="c")
